using System.Diagnostics;
using System.Globalization;
using System.Text;
using EdgeTracker.Hosting.Pipeline;

namespace EdgeTracker.Hosting;

/// <summary>What the broker connection reports to status, health and metrics.</summary>
public interface IBrokerStatus
{
    /// <summary>connected, connecting, disconnected or disabled.</summary>
    string State { get; }
    long QueueDepth { get; }
    long Dropped { get; }
    long Reconnects { get; }
}

/// <summary>The broker when MQTT is switched off.</summary>
public sealed class DisabledBroker : IBrokerStatus
{
    public string State => "disabled";
    public long QueueDepth => 0;
    public long Dropped => 0;
    public long Reconnects => 0;
}

/// <summary>Pan-tilt angles for status and metrics.</summary>
public interface IPanTiltStatus
{
    string Mode { get; }
    double PanDegrees { get; }
    double TiltDegrees { get; }
}

/// <summary>
/// The running daemon as the outside sees it: its pipelines, model, broker and head. Read by the systemd notifier,
/// /healthz, /metrics and the page; the pipelines are registered once at start.
/// </summary>
public sealed class DaemonState
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IReadOnlyList<CameraPipeline> _pipelines = [];

    public DaemonState(string deviceId, string model, double stallSeconds)
    {
        DeviceId = deviceId;
        Model = model;
        StallSeconds = stallSeconds;
    }

    public string DeviceId { get; }
    public string Model { get; }
    public string Provider { get; set; } = "unknown";
    public double StallSeconds { get; }
    public long StartTimestamp { get; } = Stopwatch.GetTimestamp();
    public IBrokerStatus Broker { get; set; } = new DisabledBroker();
    public IPanTiltStatus? PanTilt { get; set; }
    public IReadOnlyList<CameraPipeline> Pipelines => _pipelines;

    /// <summary>Completes when the pipelines are running.</summary>
    public Task Started => _started.Task;

    public double UptimeSeconds => (Stopwatch.GetTimestamp() - StartTimestamp) / (double)Stopwatch.Frequency;

    public void SetPipelines(IReadOnlyList<CameraPipeline> pipelines)
    {
        _pipelines = pipelines;
        _started.TrySetResult();
    }

    public CameraPipeline? Find(string camera)
    {
        foreach (var p in _pipelines)
        {
            if (p.Name == camera) return p;
        }
        return null;
    }

    public IReadOnlyList<PipelineHealth> Health() => _pipelines.Select(p => p.Health(StallSeconds)).ToList();

    /// <summary>True when every pipeline's loop turned recently; otherwise names the wedged ones.</summary>
    public bool AllProgressing(out string wedged)
    {
        var names = new List<string>();
        foreach (var h in Health())
        {
            if (!h.Progressing)
            {
                names.Add($"{h.Camera} (loop stalled {h.LoopAgeSeconds:0} s)");
            }
        }
        wedged = string.Join(", ", names);
        return names.Count == 0;
    }

    /// <summary>systemd's one-line STATUS: cameras, targets, fps, broker.</summary>
    public string StatusLine()
    {
        var health = Health();
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{health.Count} camera{(health.Count == 1 ? "" : "s")}: ");
        text.AppendJoin(", ", health.Select(h => string.Create(CultureInfo.InvariantCulture,
            $"{h.Camera} {h.Source} {h.Fps:0.0} fps {h.Targets.Count} target{(h.Targets.Count == 1 ? "" : "s")}")));
        text.Append(CultureInfo.InvariantCulture, $"; model {Model} on {Provider}; broker {Broker.State}");
        if (PanTilt is { } head)
        {
            text.Append(CultureInfo.InvariantCulture, $"; pan-tilt {head.Mode} {head.PanDegrees:0.0}/{head.TiltDegrees:0.0}°");
        }
        return text.ToString();
    }
}
