using System.Collections.Concurrent;

namespace EdgeTracker.Camera.Frames;

/// <summary>
/// A bounded pool of <see cref="Frame"/>s with pinned buffers. When every frame is held, <see cref="TryRent"/>
/// fails instead of allocating: a slow consumer costs dropped frames, never memory.
/// </summary>
public sealed class FramePool
{
    private readonly ConcurrentBag<Frame> _free = [];
    private readonly int _capacityBytes;
    private int _created;

    /// <summary>Creates a pool of at most <paramref name="maxFrames"/> frames of <paramref name="frameBytes"/> bytes each.</summary>
    public FramePool(int maxFrames, int frameBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrames, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameBytes);
        MaxFrames = maxFrames;
        _capacityBytes = frameBytes;
    }

    /// <summary>The most frames this pool will ever create.</summary>
    public int MaxFrames { get; }

    /// <summary>How many frames the pool has created so far.</summary>
    public int Created => Volatile.Read(ref _created);

    /// <summary>Rents a free frame (reference count 1), creating one while under <see cref="MaxFrames"/>.</summary>
    public bool TryRent(out Frame frame)
    {
        if (_free.TryTake(out frame!))
        {
            frame.Rent();
            return true;
        }
        if (Interlocked.Increment(ref _created) <= MaxFrames)
        {
            frame = new Frame(this, _capacityBytes);
            frame.Rent();
            return true;
        }
        Interlocked.Decrement(ref _created);
        frame = null!;
        return false;
    }

    internal void Return(Frame frame) => _free.Add(frame);
}
