using EdgeTracker.Hosting.Pipeline;
using EdgeTracker.Messaging.Contract;
using EdgeTracker.Tracking;
using Microsoft.Extensions.Logging;

namespace EdgeTracker.Hosting.Commands;

/// <summary>The reply as the contract's JSON, and whether the command succeeded (HTTP maps it to 200/400).</summary>
public readonly record struct RoutedReply(bool Ok, Reply Reply, byte[] Json);

/// <summary>Settings that are safe to change while running (config/set), read lock-free by the publishers.</summary>
public sealed class LiveSettings
{
    private double _tracksMaxRateHz;
    private double _snapshotIntervalSeconds;
    private int _snapshotQuality;

    public LiveSettings(double tracksMaxRateHz, double snapshotIntervalSeconds = 0, int snapshotQuality = 80)
    {
        _tracksMaxRateHz = tracksMaxRateHz;
        _snapshotIntervalSeconds = snapshotIntervalSeconds;
        _snapshotQuality = snapshotQuality;
    }

    /// <summary>Most tracks messages a second per camera; 0 = every frame.</summary>
    public double TracksMaxRateHz { get => Volatile.Read(ref _tracksMaxRateHz); set => Volatile.Write(ref _tracksMaxRateHz, value); }

    /// <summary>Periodic snapshot interval; 0 = only on request.</summary>
    public double SnapshotIntervalSeconds { get => Volatile.Read(ref _snapshotIntervalSeconds); set => Volatile.Write(ref _snapshotIntervalSeconds, value); }

    /// <summary>JPEG quality of snapshots and of the page's pictures (they are the same pictures); starts at Http:JpegQuality.</summary>
    public int SnapshotQuality { get => Volatile.Read(ref _snapshotQuality); set => Volatile.Write(ref _snapshotQuality, value); }

    /// <summary>Raised after a config/set was applied (the MQTT bridge republishes the retained config).</summary>
    public event Action? Changed;

    internal void RaiseChanged() => Changed?.Invoke();
}

/// <summary>Publishes a camera's current picture on its snapshot topic (the MQTT bridge).</summary>
public interface ISnapshotPublisher
{
    /// <summary>Queues a current JPEG of <paramref name="camera"/>; false when none could be had.</summary>
    Task<bool> PublishAsync(string camera);
}

/// <summary>
/// The one place commands are carried out, whether they came over MQTT or from the web page: the payload is
/// parsed by the contract's <see cref="CommandParser"/>, the camera found, the command handed to its pipeline, and
/// the answer returned as the contract's <see cref="Reply"/>. An invalid command gets an error naming the field
/// and changes nothing.
/// </summary>
public sealed class CommandHandler
{
    private static readonly TimeSpan ApplyTimeout = TimeSpan.FromSeconds(10);
    private readonly DaemonState _state;
    private readonly ILogger<CommandHandler> _logger;

    public CommandHandler(DaemonState state, LiveSettings settings, ILogger<CommandHandler> logger)
    {
        _state = state;
        Settings = settings;
        _logger = logger;
    }

    public LiveSettings Settings { get; }

    /// <summary>Set by the MQTT bridge; without it snapshot/get is refused.</summary>
    public ISnapshotPublisher? Snapshots { get; set; }

    /// <summary>Parses, runs and answers one command as received (MQTT topic or HTTP path already resolved).</summary>
    public async Task<RoutedReply> HandleAsync(CommandKind kind, string? camera, ReadOnlyMemory<byte> payload)
    {
        var parsed = CommandParser.Parse(kind, camera, payload.Span);
        Reply reply;
        if (parsed.Error is { } error)
        {
            reply = Reply.Failure(error);
            _logger.LogWarning("{Kind} on {Camera} refused: {Field}: {Message}", kind, camera ?? "device", error.Field, error.Message);
        }
        else
        {
            reply = await HandleAsync(parsed.Request!).ConfigureAwait(false);
        }
        return new RoutedReply(reply.Ok, reply, ContractJson.Serialize(reply));
    }

    /// <summary>Runs one parsed command.</summary>
    public async Task<Reply> HandleAsync(CommandRequest request)
    {
        Reply reply;
        switch (request)
        {
            case TargetSetRequest set:
                if (_state.Find(set.Camera) is not { } setPipeline)
                {
                    return UnknownCamera(set.Camera, set.RequestId);
                }
                var command = new SetTargetCommand(set.RequestId, set.Id, new BoxF((float)set.Box.X, (float)set.Box.Y, (float)set.Box.W, (float)set.Box.H),
                    set.Units == BoxUnits.Normalised, set.Frame, set.Label);
                reply = ToReply(await setPipeline.SetTargetAsync(command, ApplyTimeout).ConfigureAwait(false));
                break;
            case TargetClearRequest clear:
                if (_state.Find(clear.Camera) is not { } clearPipeline)
                {
                    return UnknownCamera(clear.Camera, clear.RequestId);
                }
                reply = ToReply(await clearPipeline.ClearTargetAsync(new ClearTargetCommand(clear.RequestId, clear.Id), ApplyTimeout).ConfigureAwait(false));
                break;
            case SnapshotGetRequest snapshot:
                if (_state.Find(snapshot.Camera) is null)
                {
                    return UnknownCamera(snapshot.Camera, snapshot.RequestId);
                }
                reply = Snapshots is null
                    ? Reply.Failure(snapshot.RequestId, "$", "snapshots go out over MQTT, which is not connected here")
                    : await Snapshots.PublishAsync(snapshot.Camera).ConfigureAwait(false)
                        ? Reply.Success(snapshot.RequestId)
                        : Reply.Failure(snapshot.RequestId, "camera", $"camera '{snapshot.Camera}' delivered no picture within 3 s");
                break;
            case ConfigSetRequest config:
                reply = ApplyConfig(config);
                break;
            case PanTiltRequest panTilt:
                reply = ApplyPanTilt(panTilt);
                break;
            default:
                reply = Reply.Failure(request.RequestId, "$", $"unsupported command {request.GetType().Name}");
                break;
        }
        Log(request, reply);
        return reply;
    }

    private Reply ApplyConfig(ConfigSetRequest config)
    {
        // The parser checked every value; nothing below can fail half-way, so the change is all or nothing.
        var s = config.Settings;
        if (s.PanTiltEnabled is not null && _state.PanTilt is not PanTiltFollower)
        {
            return Reply.Failure(config.RequestId, "settings.panTiltEnabled", "no pan-tilt head is configured (PanTilt:Enabled is false)");
        }
        if (s.TracksMaxRateHz is { } rate) Settings.TracksMaxRateHz = rate;
        if (s.SnapshotIntervalSeconds is { } interval) Settings.SnapshotIntervalSeconds = interval;
        if (s.SnapshotQuality is { } quality) Settings.SnapshotQuality = quality;
        if (s.PanTiltEnabled is { } enabled && _state.PanTilt is PanTiltFollower follower)
        {
            if (enabled) follower.Controller.Enable(); else follower.Controller.Disable();
        }
        Settings.RaiseChanged();
        return Reply.Success(config.RequestId);
    }

    private Reply ApplyPanTilt(PanTiltRequest request)
    {
        if (_state.PanTilt is not PanTiltFollower follower)
        {
            return Reply.Failure(request.RequestId, "action", "this device has no pan-tilt head (PanTilt:Enabled is false)");
        }
        var controller = follower.Controller;
        switch (request.Action)
        {
            case PanTiltAction.Enable:
                controller.Enable();
                break;
            case PanTiltAction.Disable:
                controller.Disable();
                break;
            case PanTiltAction.Home:
                controller.Home();
                break;
            case PanTiltAction.Nudge:
                try
                {
                    controller.Nudge(request.Pan, request.Tilt);
                }
                catch (ArgumentOutOfRangeException e)
                {
                    return Reply.Failure(request.RequestId, e.ParamName == "tiltDeg" ? "tilt" : "pan", e.Message);
                }
                break;
            case PanTiltAction.Follow:
                // Any id is accepted, also one not set yet: the head holds until that target is tracking.
                follower.FollowedTarget = request.Target;
                break;
        }
        Settings.RaiseChanged();
        return Reply.Success(request.RequestId);
    }

    private static Reply ToReply(CommandReply r) =>
        r.Ok
            ? new Reply(r.RequestId, true, r.Id, r.Frame, Note: r.Note)
            : Reply.Failure(r.RequestId, r.ErrorField ?? "$", r.ErrorMessage ?? "failed");

    private Reply UnknownCamera(string camera, string? requestId)
    {
        var reply = Reply.Failure(requestId, "camera", $"'{camera}' is no camera of this device (cameras: {string.Join(", ", _state.Pipelines.Select(p => p.Name))})");
        Log(null, reply);
        return reply;
    }

    private void Log(CommandRequest? request, Reply reply)
    {
        var name = request?.GetType().Name.Replace("Request", "") ?? "command";
        if (reply.Ok)
        {
            _logger.LogInformation("{Command} {RequestId}: ok{Id}{Frame}{Note}", name, reply.RequestId,
                reply.Id is null ? "" : $", target {reply.Id}", reply.Frame is null ? "" : $", frame {reply.Frame}", reply.Note is null ? "" : " — " + reply.Note);
        }
        else
        {
            _logger.LogWarning("{Command} {RequestId} refused: {Field}: {Message}", name, reply.RequestId, reply.Error?.Field, reply.Error?.Message);
        }
    }
}
