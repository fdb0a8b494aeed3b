using System.Diagnostics;

namespace EdgeTracker.Hosting.Metrics;

/// <summary>One camera pipeline's counters, written by its tracking thread without locks or allocation.</summary>
public sealed class PipelineMetrics
{
    private long _frames;
    private long _trackMessagesDropped;
    private long _fpsWindowStart = Stopwatch.GetTimestamp();
    private long _fpsWindowFrames;
    private double _fps;

    /// <summary>Capture → the tracking thread takes the frame (queueing in the hand-off).</summary>
    public LatencyHistogram Handoff { get; } = new();

    /// <summary>All targets' tracker steps for one frame (crop, inference, post-processing).</summary>
    public LatencyHistogram Track { get; } = new();

    /// <summary>Capture → the results are queued for publishing.</summary>
    public LatencyHistogram Total { get; } = new();

    public long Frames => Volatile.Read(ref _frames);

    /// <summary>Track messages dropped because the publishing queue was full (a slow broker never slows tracking).</summary>
    public long TrackMessagesDropped => Volatile.Read(ref _trackMessagesDropped);

    /// <summary>Frames a second processed, over the last second or so.</summary>
    public double Fps => Volatile.Read(ref _fps);

    public void CountTrackMessageDropped() => Interlocked.Increment(ref _trackMessagesDropped);

    /// <summary>Counts a processed frame and refreshes the frame rate once a second.</summary>
    public void CountFrame(long now)
    {
        Interlocked.Increment(ref _frames);
        _fpsWindowFrames++;
        var elapsed = now - _fpsWindowStart;
        if (elapsed >= Stopwatch.Frequency)
        {
            Volatile.Write(ref _fps, _fpsWindowFrames * (double)Stopwatch.Frequency / elapsed);
            _fpsWindowStart = now;
            _fpsWindowFrames = 0;
        }
    }

    /// <summary>Called when no frame came for a while, so the rate falls to zero instead of freezing.</summary>
    public void Idle(long now)
    {
        if (now - _fpsWindowStart >= 2 * Stopwatch.Frequency)
        {
            Volatile.Write(ref _fps, _fpsWindowFrames * (double)Stopwatch.Frequency / (now - _fpsWindowStart));
            _fpsWindowStart = now;
            _fpsWindowFrames = 0;
        }
    }
}
