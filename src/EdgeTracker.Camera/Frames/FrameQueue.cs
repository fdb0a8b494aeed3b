namespace EdgeTracker.Camera.Frames;

/// <summary>
/// The hand-off between the capture thread and the one consumer: a small ring of frames guarded by a monitor.
/// In drop-oldest mode (live sources; capacity 1 makes it a latest-frame slot) a full queue disposes its oldest
/// frame and counts it; otherwise the writer waits for room (replays: nothing dropped). Allocation-free.
/// </summary>
internal sealed class FrameQueue
{
    private readonly object _gate = new();
    private readonly Frame?[] _ring;
    private readonly bool _dropOldest;
    private int _head;
    private int _count;
    private bool _completed;
    private long _dropped;

    public FrameQueue(int capacity, bool dropOldest)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ring = new Frame?[capacity];
        _dropOldest = dropOldest;
    }

    public long Dropped => Interlocked.Read(ref _dropped);

    public int Capacity => _ring.Length;

    /// <summary>True once completed and empty: nothing more will ever be read.</summary>
    public bool IsDrained
    {
        get
        {
            lock (_gate)
            {
                return _completed && _count == 0;
            }
        }
    }

    /// <summary>
    /// Hands a frame over (the queue takes the caller's reference). False, with the frame disposed, when the queue
    /// is completed or <paramref name="cancellation"/> fires while waiting for room.
    /// </summary>
    public bool Write(Frame frame, CancellationToken cancellation)
    {
        lock (_gate)
        {
            while (_count == _ring.Length && !_completed)
            {
                if (_dropOldest)
                {
                    var oldest = _ring[_head]!;
                    _ring[_head] = null;
                    _head = (_head + 1) % _ring.Length;
                    _count--;
                    _dropped++;
                    oldest.Dispose();
                    break;
                }
                if (cancellation.IsCancellationRequested)
                {
                    frame.Dispose();
                    return false;
                }
                Monitor.Wait(_gate, 50);
            }
            if (_completed)
            {
                frame.Dispose();
                return false;
            }
            _ring[(_head + _count) % _ring.Length] = frame;
            _count++;
            Monitor.PulseAll(_gate);
            return true;
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for a frame; false on timeout or when drained.</summary>
    public bool TryRead(TimeSpan timeout, out Frame frame)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_gate)
        {
            while (_count == 0)
            {
                var left = deadline - Environment.TickCount64;
                if (_completed || left <= 0)
                {
                    frame = null!;
                    return false;
                }
                Monitor.Wait(_gate, (int)Math.Min(left, int.MaxValue));
            }
            frame = _ring[_head]!;
            _ring[_head] = null;
            _head = (_head + 1) % _ring.Length;
            _count--;
            Monitor.PulseAll(_gate);
            return true;
        }
    }

    /// <summary>No more writes; readers drain what is left, then see the end.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Completes and disposes whatever was not read (on camera dispose).</summary>
    public void CompleteAndClear()
    {
        lock (_gate)
        {
            _completed = true;
            while (_count > 0)
            {
                _ring[_head]!.Dispose();
                _ring[_head] = null;
                _head = (_head + 1) % _ring.Length;
                _count--;
            }
            Monitor.PulseAll(_gate);
        }
    }
}
