using System.Text.Json.Serialization;
using EdgeTracker.Tracking;

namespace EdgeTracker.Messaging.Contract;

/// <summary>A box: top-left corner, width and height — in pixels, or normalised to the frame (0..1).</summary>
public readonly record struct Box(double X, double Y, double W, double H);

/// <summary>A target's state on the wire.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TrackState>))]
public enum TrackState
{
    [JsonStringEnumMemberName("tracking")] Tracking,
    [JsonStringEnumMemberName("uncertain")] Uncertain,
    [JsonStringEnumMemberName("lost")] Lost,
}

/// <summary>What <c>&lt;camera&gt;/events</c> reports.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EventType>))]
public enum EventType
{
    [JsonStringEnumMemberName("target_acquired")] TargetAcquired,
    [JsonStringEnumMemberName("target_lost")] TargetLost,
    [JsonStringEnumMemberName("target_reacquired")] TargetReacquired,
    [JsonStringEnumMemberName("target_cleared")] TargetCleared,
    [JsonStringEnumMemberName("camera_lost")] CameraLost,
    [JsonStringEnumMemberName("camera_recovered")] CameraRecovered,
    [JsonStringEnumMemberName("camera_ended")] CameraEnded,
    [JsonStringEnumMemberName("camera_failed")] CameraFailed,
}

/// <summary>A camera's state in the retained device state.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CameraState>))]
public enum CameraState
{
    [JsonStringEnumMemberName("starting")] Starting,
    [JsonStringEnumMemberName("running")] Running,
    [JsonStringEnumMemberName("lost")] Lost,
    [JsonStringEnumMemberName("stopped")] Stopped,
}

/// <summary>One target in a <see cref="TracksMessage"/>. A struct, so a publisher can keep an array of them and
/// write tracks with <see cref="ContractWriter.WriteTracks"/> without allocating.</summary>
/// <param name="Id">The target id (<c>t1</c>, or the id given in target/set).</param>
/// <param name="Box">Pixels in the source frame.</param>
/// <param name="Norm">The same box divided by the frame's width and height.</param>
/// <param name="Score">The model's raw score.</param>
/// <param name="Confidence">Calibrated confidence in [0, 1].</param>
/// <param name="State">tracking, uncertain or lost.</param>
/// <param name="LatencyMs">From the frame's capture to this result.</param>
/// <param name="Label">The label given in target/set, if any.</param>
public readonly record struct TrackTarget(string Id, Box Box, Box Norm, double Score, double Confidence, TrackState State, double LatencyMs, string? Label = null);

/// <summary><c>&lt;camera&gt;/tracks</c> (QoS 0): one frame's result.</summary>
/// <param name="Camera">The camera's name.</param>
/// <param name="Frame">The source's sequence number (for an image sequence, the image's 1-based index).</param>
/// <param name="Time">The frame's capture time, UTC, written with milliseconds.</param>
/// <param name="Targets">Every target followed on this camera.</param>
public sealed record TracksMessage(
    string Camera,
    long Frame,
    [property: JsonConverter(typeof(UtcMillisecondsConverter))] DateTimeOffset Time,
    IReadOnlyList<TrackTarget> Targets);

/// <summary><c>&lt;camera&gt;/events</c> (QoS 1).</summary>
/// <param name="Camera">The camera's name.</param>
/// <param name="Type">What happened.</param>
/// <param name="Time">When, UTC, with milliseconds.</param>
/// <param name="Target">The target id for target events; null for camera events.</param>
/// <param name="Frame">The frame the event was detected on, when known.</param>
/// <param name="Label">The target's label, if it has one.</param>
/// <param name="Message">A human-readable detail (e.g. why the camera was lost).</param>
public sealed record EventMessage(
    string Camera,
    EventType Type,
    [property: JsonConverter(typeof(UtcMillisecondsConverter))] DateTimeOffset Time,
    string? Target = null,
    long? Frame = null,
    string? Label = null,
    string? Message = null);

/// <summary>One camera in <see cref="StateMessage"/>.</summary>
public sealed record CameraStatus(string Name, CameraState State, double Fps, int Targets, string? Message = null);

/// <summary><c>state</c> (retained): what the device is and does; <c>panTilt</c> only when a head is configured.</summary>
public sealed record StateMessage(
    string Version,
    string Model,
    string ExecutionProvider,
    double UptimeSeconds,
    [property: JsonConverter(typeof(UtcMillisecondsConverter))] DateTimeOffset Time,
    IReadOnlyList<CameraStatus> Cameras,
    HeadStatus? PanTilt = null);

/// <summary>The pan-tilt head in <see cref="StateMessage"/>: the controller's state and the commanded angles.</summary>
/// <param name="State">disabled, idle, tracking, holding, returning or parked.</param>
/// <param name="Enabled">Whether it follows the target.</param>
/// <param name="PanDeg">Commanded pan, degrees (positive: right).</param>
/// <param name="TiltDeg">Commanded tilt, degrees (positive: up).</param>
/// <param name="Camera">The camera whose targets drive the head.</param>
/// <param name="Target">The target id it follows; null: the first target that is tracking.</param>
public sealed record HeadStatus(string State, bool Enabled, double PanDeg, double TiltDeg, string? Camera = null, string? Target = null);

/// <summary>One current target in <see cref="TargetsMessage"/>.</summary>
public sealed record TargetSummary(string Id, TrackState State, string? Label = null);

/// <summary><c>&lt;camera&gt;/targets</c> (retained): the targets being followed now (empty after a clear).</summary>
public sealed record TargetsMessage(
    string Camera,
    [property: JsonConverter(typeof(UtcMillisecondsConverter))] DateTimeOffset Time,
    IReadOnlyList<TargetSummary> Targets);

/// <summary>The runtime settings that may be changed remotely (config/set); every field optional in a request.</summary>
/// <param name="TracksMaxRateHz">Most tracks messages per second per camera; 0 = every frame.</param>
/// <param name="SnapshotIntervalSeconds">Periodic snapshot interval; 0 = only on request.</param>
/// <param name="SnapshotQuality">JPEG quality 1..100.</param>
/// <param name="PanTiltEnabled">Whether the pan-tilt head follows the target.</param>
public sealed record RuntimeSettings(
    double? TracksMaxRateHz = null,
    double? SnapshotIntervalSeconds = null,
    int? SnapshotQuality = null,
    bool? PanTiltEnabled = null);

/// <summary><c>config</c> (retained): the runtime settings in force.</summary>
public sealed record ConfigMessage(
    [property: JsonConverter(typeof(UtcMillisecondsConverter))] DateTimeOffset Time,
    RuntimeSettings Settings);

/// <summary>The error of a failed command: the offending field (dotted path, <c>$</c> for the whole payload) and the problem.</summary>
public sealed record ReplyError(string Field, string Message);

/// <summary>
/// The answer to a command, on <c>&lt;prefix&gt;/&lt;deviceId&gt;/reply</c>:
/// <c>{"requestId":"r1","ok":true,"id":"t1","frame":123}</c> or
/// <c>{"requestId":"r1","ok":false,"error":{"field":"box.w","message":"must be &gt; 0"}}</c>.
/// </summary>
/// <remarks><see cref="Note"/> (added by the daemon) says what was done differently from what was asked, e.g. a
/// target set on the newest frame because the frame named was older than the history.</remarks>
public sealed record Reply(string? RequestId, bool Ok, string? Id = null, long? Frame = null, ReplyError? Error = null, string? Note = null)
{
    /// <summary>Success, with the target id and frame when the command concerned one.</summary>
    public static Reply Success(string requestId, string? id = null, long? frame = null) => new(requestId, true, id, frame);

    /// <summary>Failure naming the field and the problem.</summary>
    public static Reply Failure(string? requestId, string field, string message) => new(requestId, false, Error: new ReplyError(field, message));

    /// <summary>Failure from a parse or validation error.</summary>
    public static Reply Failure(CommandError error) => Failure(error.RequestId, error.Field, error.Message);
}

/// <summary>Maps the tracker's domain values to the wire's.</summary>
public static class ContractMapping
{
    public static TrackState ToWire(this TargetState state) => state switch
    {
        TargetState.Tracking => TrackState.Tracking,
        TargetState.Uncertain => TrackState.Uncertain,
        _ => TrackState.Lost,
    };

    /// <summary>A pixel box as the wire's <see cref="Box"/>.</summary>
    public static Box ToWire(this BoxF box) => new(box.X, box.Y, box.W, box.H);

    /// <summary>A pixel box divided by the frame size.</summary>
    public static Box Normalise(this BoxF box, int frameWidth, int frameHeight) =>
        new((double)box.X / frameWidth, (double)box.Y / frameHeight, (double)box.W / frameWidth, (double)box.H / frameHeight);
}
