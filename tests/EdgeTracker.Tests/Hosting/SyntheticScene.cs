using System.Collections.Concurrent;
using System.Diagnostics;
using EdgeTracker.Camera.Frames;
using EdgeTracker.Hosting.Pipeline;
using EdgeTracker.Tracking;

namespace EdgeTracker.Tests.Hosting;

/// <summary>
/// A dark picture with one bright square that moves <see cref="Step"/> pixels right (and half that down) per frame:
/// where the square is on frame n is known exactly, so catch-up tracking can be checked against it.
/// </summary>
internal static class SyntheticScene
{
    public const int Width = 320;
    public const int Height = 240;
    public const int Size = 20;
    public const int Step = 4;

    public static BoxF SquareAt(long sequence) => new(10 + Step * (sequence - 1) % (Width - Size - 20), 10 + Step / 2 * (sequence - 1) % (Height - Size - 20), Size, Size);

    public static Frame Render(long sequence, long captureTimestamp)
    {
        var frame = Frame.Standalone(Width, Height);
        frame.Reset(Width, Height, Width * 3, sequence, captureTimestamp, DateTimeOffset.UtcNow);
        frame.Pixels.Fill(20);
        var box = SquareAt(sequence);
        for (var y = (int)box.Y; y < (int)(box.Y + box.H); y++)
        {
            frame.Row(y).Slice((int)box.X * 3, Size * 3).Fill(230);
        }
        return frame;
    }
}

/// <summary>A replayed source the test feeds frame by frame (nothing dropped, like images://).</summary>
internal sealed class SyntheticSource : IFrameSource
{
    private readonly BlockingCollection<Frame> _queue = new(boundedCapacity: 1000);
    private long _sequence;

    public bool IsLive => false;
    public SourceState State { get; private set; } = SourceState.Starting;
    public long DroppedFrames => 0;
    public long Reconnects { get; private set; }
    public event Action<SourceEvent>? StateChanged;

    /// <summary>The capture time of frame n is n frame intervals after the start (30 fps).</summary>
    public long Origin { get; } = Stopwatch.GetTimestamp();

    public void Start() => Raise(SourceState.Open);

    public void Raise(SourceState state, string? reason = null)
    {
        State = state;
        if (state == SourceState.Retrying) Reconnects++;
        StateChanged?.Invoke(new SourceEvent(state, reason, DateTimeOffset.UtcNow));
    }

    /// <summary>Emits the next <paramref name="count"/> frames.</summary>
    public void Emit(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var n = ++_sequence;
            _queue.Add(SyntheticScene.Render(n, Origin + n * Stopwatch.Frequency / 30));
        }
    }

    /// <summary>Emits <paramref name="count"/> frames and waits until <paramref name="pipeline"/> has processed them.</summary>
    public void EmitAndWait(CameraPipeline pipeline, int count, TimeSpan timeout)
    {
        var target = pipeline.Metrics.Frames + count;
        Emit(count);
        var deadline = DateTime.UtcNow + timeout;
        while (pipeline.Metrics.Frames < target)
        {
            Assert.True(DateTime.UtcNow < deadline, $"pipeline processed {pipeline.Metrics.Frames} of {target} frames");
            Thread.Sleep(10);
        }
    }

    public bool TryTake(int timeoutMs, out Frame frame) => _queue.TryTake(out frame!, timeoutMs);

    public void Dispose() => _queue.CompleteAdding();
}

/// <summary>
/// A tiny real tracker for the test scene: the centroid of bright pixels within a window 1.5× the box around the
/// last position. Started on the wrong frame, the square has moved out of its window and it reports Lost — which
/// is what makes the catch-up tests able to fail.
/// </summary>
internal sealed class BrightSpotTracker : ISingleObjectTracker
{
    private BoxF _box;

    public string ModelName => "bright-spot";

    public string ExecutionProvider => "cpu";

    /// <summary>Set to block Track (a wedged inference) until released.</summary>
    public ManualResetEventSlim Gate { get; } = new(true);

    public int Tracked;

    public void Init(Frame frame, BoxF box) => _box = box;

    public TrackResult Track(Frame frame)
    {
        Gate.Wait();
        Tracked++;
        var margin = _box.W * 0.5f;
        int x0 = Math.Max(0, (int)(_box.X - margin)), y0 = Math.Max(0, (int)(_box.Y - margin));
        int x1 = Math.Min(frame.Width, (int)(_box.X + _box.W + margin)), y1 = Math.Min(frame.Height, (int)(_box.Y + _box.H + margin));
        long sx = 0, sy = 0, n = 0;
        for (var y = y0; y < y1; y++)
        {
            var row = frame.Row(y);
            for (var x = x0; x < x1; x++)
            {
                if (row[x * 3] > 128) { sx += x; sy += y; n++; }
            }
        }
        if (n < _box.W * _box.H / 4)
        {
            return new TrackResult(_box, 0, 0, TargetState.Lost);
        }
        _box = BoxF.FromCenter(sx / (float)n + 0.5f, sy / (float)n + 0.5f, _box.W, _box.H);
        return new TrackResult(_box, 1, 1, TargetState.Tracking);
    }

    public void Dispose() => Gate.Dispose();
}

internal sealed class BrightSpotFactory : ITrackerFactory
{
    public List<BrightSpotTracker> Created { get; } = [];
    public string Model => "bright-spot";
    public string Provider => "cpu";

    public ITrackerGroup CreateGroup(int maxTargets) => new SequentialTrackerGroup(Model, Provider, Create, "bright-spot is a test tracker");

    private BrightSpotTracker Create()
    {
        var tracker = new BrightSpotTracker();
        lock (Created) Created.Add(tracker);
        return tracker;
    }
}
