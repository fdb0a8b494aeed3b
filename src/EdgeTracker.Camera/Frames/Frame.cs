using System.Diagnostics;

namespace EdgeTracker.Camera.Frames;

/// <summary>
/// One captured picture: tightly described BGR pixels (3 bytes a pixel, rows <see cref="Stride"/> bytes apart),
/// its source's sequence number and its capture time. Frames come from a <see cref="FramePool"/> and go back to
/// it when the last holder disposes them, so the frame loop allocates nothing in steady state.
/// </summary>
/// <remarks>
/// A frame is reference counted: whoever hands it on to another thread calls <see cref="AddRef"/> first, and
/// every holder calls <see cref="Dispose"/> exactly once when done.
/// </remarks>
public sealed class Frame : IDisposable
{
    private readonly FramePool? _pool;
    private byte[] _buffer;
    private int _references;

    internal Frame(FramePool? pool, int capacity)
    {
        _pool = pool;
        _buffer = GC.AllocateUninitializedArray<byte>(capacity, pinned: true);
    }

    /// <summary>Creates a frame that belongs to no pool (tests, tools); disposing it does nothing.</summary>
    public static Frame Standalone(int width, int height)
    {
        var frame = new Frame(null, checked(width * height * 3));
        frame.Reset(width, height, width * 3, 0, Stopwatch.GetTimestamp(), DateTimeOffset.UtcNow);
        return frame;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; private set; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; private set; }

    /// <summary>Bytes from the start of one row to the start of the next (at least 3 × <see cref="Width"/>).</summary>
    public int Stride { get; private set; }

    /// <summary>The source's sequence number: for an image sequence, the image's 1-based index.</summary>
    public long Sequence { get; private set; }

    /// <summary>When the frame was captured, as a <see cref="Stopwatch.GetTimestamp"/> value (for latencies).</summary>
    public long CaptureTimestamp { get; private set; }

    /// <summary>When the frame was captured, as wall-clock time (for messages).</summary>
    public DateTimeOffset CaptureTime { get; private set; }

    /// <summary>The BGR pixels, <see cref="Stride"/> × <see cref="Height"/> bytes.</summary>
    public Span<byte> Pixels => _buffer.AsSpan(0, Stride * Height);

    /// <summary>The capacity of the underlying pinned buffer in bytes.</summary>
    public int Capacity => _buffer.Length;

    /// <summary>One row of pixels (3 × <see cref="Width"/> bytes).</summary>
    public Span<byte> Row(int y) => _buffer.AsSpan(y * Stride, Width * 3);

    /// <summary>Describes new content; the caller then writes <see cref="Pixels"/>. Grows the buffer if needed.</summary>
    public void Reset(int width, int height, int stride, long sequence, long captureTimestamp, DateTimeOffset captureTime)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, width * 3);
        var needed = checked(stride * height);
        if (needed > _buffer.Length)
        {
            // Only when the source's resolution grows: steady state never comes here.
            _buffer = GC.AllocateUninitializedArray<byte>(needed, pinned: true);
        }
        Width = width;
        Height = height;
        Stride = stride;
        Sequence = sequence;
        CaptureTimestamp = captureTimestamp;
        CaptureTime = captureTime;
    }

    /// <summary>Sets the sequence number after capture (live sources number frames once they are kept).</summary>
    internal void Restamp(long sequence) => Sequence = sequence;

    /// <summary>Takes one more reference (before handing the frame to another holder).</summary>
    public Frame AddRef()
    {
        Interlocked.Increment(ref _references);
        return this;
    }

    internal void Rent() => Volatile.Write(ref _references, 1);

    /// <summary>Drops one reference; the last one returns the frame to its pool.</summary>
    public void Dispose()
    {
        var left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            _pool?.Return(this);
        }
        else if (left < 0 && _pool is not null)
        {
            throw new InvalidOperationException($"Frame {Sequence} was disposed more often than it was referenced.");
        }
    }
}
