using EdgeTracker.Hosting.Pipeline;
using Microsoft.Extensions.Logging;

namespace EdgeTracker.Hosting.Commands;

/// <summary>Settings that are safe to change while running (config/set), applied atomically.</summary>
public sealed class RuntimeSettings
{
    private double _tracksMaxRate;

    public RuntimeSettings(double tracksMaxRate, double previewFps)
    {
        _tracksMaxRate = tracksMaxRate;
        PreviewFps = previewFps;
    }

    /// <summary>The most track messages a second per camera (0 = every frame).</summary>
    public double TracksMaxRate
    {
        get => Volatile.Read(ref _tracksMaxRate);
        set => Volatile.Write(ref _tracksMaxRate, value);
    }

    public double PreviewFps { get; private set; }

    internal void SetPreviewFps(double fps) => PreviewFps = fps;
}

/// <summary>
/// The one place commands are carried out, whether they came over MQTT or from the web page: find the camera,
/// hand the command to its pipeline, and answer. An invalid command gets an error naming the field and
/// changes nothing.
/// </summary>
public sealed class CommandHandler
{
    private static readonly TimeSpan ApplyTimeout = TimeSpan.FromSeconds(10);
    private readonly DaemonState _state;
    private readonly ILogger<CommandHandler> _logger;

    public CommandHandler(DaemonState state, RuntimeSettings settings, ILogger<CommandHandler> logger)
    {
        _state = state;
        Settings = settings;
        _logger = logger;
    }

    public RuntimeSettings Settings { get; }

    public async Task<CommandReply> SetTargetAsync(string camera, SetTargetCommand command)
    {
        if (_state.Find(camera) is not { } pipeline)
        {
            return UnknownCamera(camera, command.RequestId);
        }
        var reply = await pipeline.SetTargetAsync(command, ApplyTimeout).ConfigureAwait(false);
        Log("target/set", camera, reply);
        return reply;
    }

    public async Task<CommandReply> ClearTargetAsync(string camera, ClearTargetCommand command)
    {
        if (_state.Find(camera) is not { } pipeline)
        {
            return UnknownCamera(camera, command.RequestId);
        }
        var reply = await pipeline.ClearTargetAsync(command, ApplyTimeout).ConfigureAwait(false);
        Log("target/clear", camera, reply);
        return reply;
    }

    /// <summary>Applies runtime settings; all are checked before any is changed.</summary>
    public CommandReply SetConfig(string? requestId, double? tracksMaxRate, double? previewFps)
    {
        if (tracksMaxRate is { } rate && (!double.IsFinite(rate) || rate < 0 || rate > 1000))
        {
            return CommandReply.Fail(requestId, "tracksMaxRate", $"{rate} is outside 0–1000 (0 = every frame)");
        }
        if (previewFps is { } fps && (!double.IsFinite(fps) || fps <= 0 || fps > 60))
        {
            return CommandReply.Fail(requestId, "previewFps", $"{fps} is outside (0, 60]");
        }
        if (tracksMaxRate is { } r)
        {
            Settings.TracksMaxRate = r;
        }
        if (previewFps is { } f)
        {
            Settings.SetPreviewFps(f);
            foreach (var p in _state.Pipelines)
            {
                p.Preview.MaxFps = f;
            }
        }
        _logger.LogInformation("Runtime settings: tracksMaxRate {Rate}, previewFps {Fps}", Settings.TracksMaxRate, Settings.PreviewFps);
        return new CommandReply(requestId, true);
    }

    private CommandReply UnknownCamera(string camera, string? requestId) =>
        CommandReply.Fail(requestId, "camera", $"'{camera}' is no camera of this device (cameras: {string.Join(", ", _state.Pipelines.Select(p => p.Name))})");

    private void Log(string command, string camera, CommandReply reply)
    {
        if (reply.Ok)
        {
            _logger.LogInformation("{Command} on {Camera}: ok, target {Id} frame {Frame}{Note}", command, camera, reply.Id, reply.Frame, reply.Note is null ? "" : " — " + reply.Note);
        }
        else
        {
            _logger.LogWarning("{Command} on {Camera} refused: {Field}: {Message}", command, camera, reply.ErrorField, reply.ErrorMessage);
        }
    }
}
