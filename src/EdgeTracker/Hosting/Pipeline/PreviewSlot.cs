using System.Diagnostics;
using EdgeTracker.Camera.Frames;

namespace EdgeTracker.Hosting.Pipeline;

/// <summary>
/// The newest picture for the web page, with the targets tracked on it, so the boxes drawn over a picture are
/// that picture's boxes. While someone asks for pictures (<see cref="Demand"/>), the tracking thread offers a frame
/// at most <see cref="MaxFps"/> times a second (a reference, no copy); the encoder thread takes it when it is
/// ready. An untaken frame is replaced, never queued.
/// </summary>
public sealed class PreviewSlot
{
    private readonly Lock _lock = new();
    private readonly TargetSnapshot[] _targets;
    private Frame? _frame;
    private int _count;
    private long _lastOffer;
    private long _wantedUntil;
    private double _maxFps;

    public PreviewSlot(int maxTargets, double maxFps)
    {
        _targets = new TargetSnapshot[maxTargets];
        MaxFps = maxFps;
    }

    /// <summary>Pictures a second at most (a runtime setting).</summary>
    public double MaxFps
    {
        get => Volatile.Read(ref _maxFps);
        set => Volatile.Write(ref _maxFps, value);
    }

    /// <summary>Raised (on the tracking thread) when a new picture is waiting.</summary>
    public event Action? Offered;

    /// <summary>
    /// Asks for pictures for the next <paramref name="seconds"/> (a page is watching, a snapshot is wanted).
    /// Without demand no frame is offered, so nothing is encoded while nobody looks.
    /// </summary>
    public void Demand(double seconds)
    {
        var until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        if (until > Volatile.Read(ref _wantedUntil))
        {
            Volatile.Write(ref _wantedUntil, until);
        }
    }

    /// <summary>True when someone wants pictures and it is time for another one (checked before building one).</summary>
    public bool Wants(long now) => now <= Volatile.Read(ref _wantedUntil) && now - _lastOffer >= Stopwatch.Frequency / MaxFps;

    public void Offer(Frame frame, ReadOnlySpan<TargetSnapshot> targets, long now)
    {
        _lastOffer = now;
        Frame? replaced;
        lock (_lock)
        {
            replaced = _frame;
            _frame = frame.AddRef();
            targets.CopyTo(_targets);
            _count = targets.Length;
        }
        replaced?.Dispose();
        Offered?.Invoke();
    }

    /// <summary>Takes the waiting picture (the caller disposes it) and copies its targets into <paramref name="targets"/>.</summary>
    public bool TryTake(out Frame frame, TargetSnapshot[] targets, out int count)
    {
        lock (_lock)
        {
            frame = _frame!;
            _frame = null;
            count = _count;
            _targets.AsSpan(0, _count).CopyTo(targets);
            return frame is not null;
        }
    }
}
