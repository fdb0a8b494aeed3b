namespace EdgeTracker.Camera.Frames;

/// <summary>
/// A bounded pool of <see cref="Frame"/>s with pinned buffers. When every frame is held, <see cref="TryRent(out Frame)"/>
/// fails instead of allocating: a slow consumer costs dropped frames, never memory.
/// </summary>
public sealed class FramePool
{
    private readonly object _gate = new(); // a Monitor, not a Lock: renters wait on it
    private readonly Stack<Frame> _free;
    private readonly int _capacityBytes;
    private int _created;

    /// <summary>Creates a pool of at most <paramref name="maxFrames"/> frames of <paramref name="frameBytes"/> bytes each.</summary>
    public FramePool(int maxFrames, int frameBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrames, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameBytes);
        MaxFrames = maxFrames;
        _capacityBytes = frameBytes;
        _free = new Stack<Frame>(maxFrames);
    }

    /// <summary>The most frames this pool will ever create.</summary>
    public int MaxFrames { get; }

    /// <summary>How many frames the pool has created so far.</summary>
    public int Created => Volatile.Read(ref _created);

    /// <summary>How many frames are out (rented and not yet disposed by their last holder).</summary>
    public int Outstanding
    {
        get
        {
            lock (_gate)
            {
                return _created - _free.Count;
            }
        }
    }

    /// <summary>Rents a free frame (reference count 1), creating one while under <see cref="MaxFrames"/>.</summary>
    public bool TryRent(out Frame frame)
    {
        lock (_gate)
        {
            return TryRentLocked(out frame);
        }
    }

    /// <summary>
    /// Rents a frame, waiting up to <paramref name="timeout"/> for a holder to give one back (replayed sources,
    /// where dropping is not allowed). False on timeout or cancellation.
    /// </summary>
    public bool TryRent(TimeSpan timeout, CancellationToken cancellation, out Frame frame)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_gate)
        {
            while (!TryRentLocked(out frame))
            {
                var left = deadline - Environment.TickCount64;
                if (left <= 0 || cancellation.IsCancellationRequested)
                {
                    return false;
                }
                // Short waits so cancellation is seen promptly without registering a callback (no allocation).
                Monitor.Wait(_gate, (int)Math.Min(left, 50));
            }
            return true;
        }
    }

    private bool TryRentLocked(out Frame frame)
    {
        if (_free.TryPop(out frame!))
        {
            frame.Rent();
            return true;
        }
        if (_created < MaxFrames)
        {
            _created++;
            frame = new Frame(this, _capacityBytes);
            frame.Rent();
            return true;
        }
        frame = null!;
        return false;
    }

    internal void Return(Frame frame)
    {
        lock (_gate)
        {
            _free.Push(frame);
            Monitor.PulseAll(_gate);
        }
    }
}
