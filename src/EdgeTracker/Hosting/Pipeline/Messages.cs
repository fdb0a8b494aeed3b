using EdgeTracker.Tracking;

namespace EdgeTracker.Hosting.Pipeline;

/// <summary>Set (or re-set) a target: a box in pixels or normalised, on a named frame or the newest one.</summary>
public sealed record SetTargetCommand(string? RequestId, string? Id, BoxF Box, bool Normalized, long? Frame, string? Label);

/// <summary>Clear one target, or all of them when <see cref="Id"/> is null.</summary>
public sealed record ClearTargetCommand(string? RequestId, string? Id);

/// <summary>The answer to a command: ok with what was done, or the field at fault and why.</summary>
public sealed record CommandReply(
    string? RequestId,
    bool Ok,
    string? Id = null,
    long? Frame = null,
    string? ErrorField = null,
    string? ErrorMessage = null,
    string? Note = null,
    IReadOnlyList<string>? Cleared = null)
{
    public static CommandReply Fail(string? requestId, string field, string message) => new(requestId, false, ErrorField: field, ErrorMessage: message);
}

/// <summary>One target's result on one frame, as published.</summary>
public struct TargetSnapshot
{
    public string Id;
    public string? Label;
    public BoxF Box;
    public float Score;
    public float Confidence;
    public TargetState State;
    public double LatencyMs;
}

/// <summary>
/// One frame's results for publishing. Pooled: the tracking thread fills one per frame and the publisher returns
/// it, so the frame loop allocates nothing.
/// </summary>
public sealed class TrackFrame
{
    public TrackFrame(int maxTargets) => Targets = new TargetSnapshot[maxTargets];

    public string Camera = "";
    public long Sequence;
    public DateTimeOffset CaptureTime;
    public int Width;
    public int Height;
    /// <summary>True for frames replayed from the history to bring a new target up to the live frame.</summary>
    public bool CatchUp;
    public int Count;
    public readonly TargetSnapshot[] Targets;
}

/// <summary>Something worth an MQTT event: a target acquired/lost/reacquired/cleared, a camera lost/recovered/ended.</summary>
public sealed record PipelineEvent(string Camera, string Kind, DateTimeOffset Time, string? TargetId = null, string? Reason = null, long? Frame = null, double? OutageSeconds = null);

/// <summary>A pipeline's state for /healthz, the status line and the page.</summary>
public sealed record PipelineHealth(
    string Camera,
    string Source,
    bool Progressing,
    double LoopAgeSeconds,
    long Frames,
    long LastFrame,
    double? LastFrameAgeSeconds,
    double Fps,
    long DroppedFrames,
    long Reconnects,
    string? SourceReason,
    IReadOnlyList<TargetHealth> Targets)
{
    public bool Healthy => Progressing && Source == "open";
}

public sealed record TargetHealth(string Id, string State, string? Label, float X, float Y, float W, float H, float Confidence);
