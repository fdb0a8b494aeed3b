using EdgeTracker.Camera.Frames;
using EdgeTracker.Tracking;

namespace EdgeTracker.Hosting.Pipeline;

/// <summary>Where a camera's source stands, as the pipeline reports it (health, status, MQTT events).</summary>
public enum SourceState
{
    Starting,
    Open,
    Lost,
    Retrying,
    Ended,
    /// <summary>The source cannot work and is not retried (a missing plugin, an empty folder).</summary>
    Failed,
    Stopped,
}

/// <summary>A change of a source's state, with the source's reason (lost) or the outage's length (recovered).</summary>
public readonly record struct SourceEvent(SourceState State, string? Reason, DateTimeOffset Time, TimeSpan? Outage = null, bool Recovered = false);

/// <summary>
/// The pipeline's view of a camera: frames handed over (a live source through a latest-frame slot, a replayed
/// one through a bounded queue), its state and counters. The daemon adapts EdgeTracker.Camera's sources to it.
/// </summary>
public interface IFrameSource : IDisposable
{
    /// <summary>Live sources drop old frames when the tracker is busy; replayed sources (files, images) never do.</summary>
    bool IsLive { get; }

    SourceState State { get; }

    /// <summary>Frames the hand-off dropped because the consumer was busy.</summary>
    long DroppedFrames { get; }

    /// <summary>Times the source was reopened after a loss.</summary>
    long Reconnects { get; }

    /// <summary>Raised on the source's own thread for every state change; handlers must be quick.</summary>
    event Action<SourceEvent>? StateChanged;

    void Start();

    /// <summary>Waits up to <paramref name="timeoutMs"/> for the next frame; the caller disposes it.</summary>
    bool TryTake(int timeoutMs, out Frame frame);
}

/// <summary>
/// Creates each camera's group of trackers for the configured model (sessions are costly: a pipeline makes one
/// group, and reuses cleared trackers).
/// </summary>
public interface ITrackerFactory
{
    string Model { get; }

    /// <summary>The execution provider in use (tensorrt, cuda, cpu).</summary>
    string Provider { get; }

    /// <summary>A camera's group: its trackers share sessions and, where the model allows, one batched run a frame.</summary>
    ITrackerGroup CreateGroup(int maxTargets);
}

/// <summary>Where a pipeline sends each frame's targets (the pan-tilt head, which picks the one it follows).</summary>
public interface ITargetFollower
{
    /// <summary>Called on the tracking thread at the frame's own time with the frame's targets; must not block or allocate.</summary>
    void Update(ReadOnlySpan<TargetSnapshot> targets, int width, int height, long captureTimestamp);
}
