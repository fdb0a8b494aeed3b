using EdgeTracker.Camera.Frames;

namespace EdgeTracker.Hosting.Pipeline;

/// <summary>
/// The last few seconds of a camera's frames, so a target drawn on a picture that is already old when the
/// command arrives can start on that very picture and catch up. Frames are copied into the history's own
/// bounded pool: holding two seconds of pictures must never starve the camera's capture pool.
/// Owned by the tracking thread; not thread-safe.
/// </summary>
public sealed class FrameHistory : IDisposable
{
    private readonly Frame?[] _ring;
    private readonly long _maxAgeTicks;
    private readonly FramePool _pool;
    private int _start;
    private int _count;

    /// <param name="seconds">How far back the history reaches (0 keeps only the newest frame).</param>
    /// <param name="maxFrames">The most frames kept whatever their age (a memory bound).</param>
    /// <param name="frameBytes">The expected frame size, for the pool's first buffers (they grow if needed).</param>
    public FrameHistory(double seconds, int maxFrames, int frameBytes = 640 * 480 * 3)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(seconds);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrames, 1);
        _ring = new Frame?[maxFrames];
        _maxAgeTicks = (long)(seconds * System.Diagnostics.Stopwatch.Frequency);
        // One spare: a frame leaving the ring is returned before the next is rented, but a reader may still hold one.
        _pool = new FramePool(maxFrames + 1, frameBytes);
    }

    public int Count => _count;

    public Frame? Newest => _count == 0 ? null : _ring[(_start + _count - 1) % _ring.Length];

    public Frame? Oldest => _count == 0 ? null : _ring[_start];

    /// <summary>Copies <paramref name="frame"/> in and evicts what is too old or beyond capacity.</summary>
    public void Add(Frame frame)
    {
        if (_count == _ring.Length)
        {
            DropOldest();
        }
        if (!_pool.TryRent(out var copy))
        {
            // Every pooled frame is held (cannot happen while only the ring holds them); keep the newest anyway.
            DropOldest();
            if (!_pool.TryRent(out copy))
            {
                return;
            }
        }
        copy.Reset(frame.Width, frame.Height, frame.Stride, frame.Sequence, frame.CaptureTimestamp, frame.CaptureTime);
        frame.Pixels.CopyTo(copy.Pixels);
        _ring[(_start + _count) % _ring.Length] = copy;
        _count++;
        while (_count > 1 && frame.CaptureTimestamp - _ring[_start]!.CaptureTimestamp > _maxAgeTicks)
        {
            DropOldest();
        }
    }

    /// <summary>The position (0 = oldest) of the frame with <paramref name="sequence"/>, or -1.</summary>
    public int IndexOf(long sequence)
    {
        for (var i = 0; i < _count; i++)
        {
            if (_ring[(_start + i) % _ring.Length]!.Sequence == sequence)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>The frame at position <paramref name="index"/> (0 = oldest); it stays owned by the history.</summary>
    public Frame this[int index] =>
        (uint)index < (uint)_count ? _ring[(_start + index) % _ring.Length]! : throw new ArgumentOutOfRangeException(nameof(index), index, $"history holds {_count} frames");

    /// <summary>Forgets every frame (a source that restarts its numbering, e.g. a looping sequence).</summary>
    public void Clear()
    {
        while (_count > 0)
        {
            DropOldest();
        }
    }

    private void DropOldest()
    {
        _ring[_start]!.Dispose();
        _ring[_start] = null;
        _start = (_start + 1) % _ring.Length;
        _count--;
    }

    public void Dispose() => Clear();
}
