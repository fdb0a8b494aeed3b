using System.Buffers;

namespace EdgeTracker.Messaging.Mqtt;

/// <summary>One message waiting to be sent: its payload lives in a pooled buffer owned by the queue.</summary>
internal struct OutgoingMessage
{
    public string Topic;
    public byte[] Buffer;
    public int Length;
    public MqttQos Qos;
    public bool Retain;
    public ushort PacketId;
    public TaskCompletionSource? Completion;

    public readonly ReadOnlyMemory<byte> Payload => Buffer.AsMemory(0, Length);
}

/// <summary>
/// The bounded outgoing queue that survives outages. Two lanes: QoS 0 (high-rate tracks) in a ring that drops
/// its oldest entry when full; QoS 1 (events) in a FIFO that refuses new entries when full, so what is queued
/// stays complete and in order, followed by the in-flight list (sent, awaiting PUBACK, re-sent after a
/// reconnect). Payloads are copied into pooled arrays, so enqueueing allocates nothing in steady state.
/// All members are thread-safe; the lock is held only for a few array operations, never across I/O.
/// </summary>
internal sealed class MqttOutgoingQueue(int capacity, int reliableCapacity)
{
    private readonly object _lock = new();

    /// <summary>The queue's lock; the client allocates packet identifiers under it too, so one lock orders both.</summary>
    public object SyncRoot => _lock;
    private readonly OutgoingMessage[] _ring = new OutgoingMessage[capacity];
    private int _ringHead;
    private int _ringCount;
    private readonly Queue<OutgoingMessage> _reliable = new();
    private readonly List<OutgoingMessage> _inFlight = new();
    private long _dropped;
    private long _refused;

    public int QueueDepth { get { lock (_lock) return _ringCount; } }
    public int ReliableDepth { get { lock (_lock) return _reliable.Count + _inFlight.Count; } }
    public int InFlightCount { get { lock (_lock) return _inFlight.Count; } }
    public long Dropped => Interlocked.Read(ref _dropped);
    public long Refused => Interlocked.Read(ref _refused);

    public bool IsEmpty { get { lock (_lock) return _ringCount == 0 && _reliable.Count == 0 && _inFlight.Count == 0; } }

    /// <summary>Copies and queues a message. False when a QoS 1 message is refused (queue full).</summary>
    public bool TryEnqueue(string topic, ReadOnlySpan<byte> payload, MqttQos qos, bool retain, TaskCompletionSource? completion)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, payload.Length));
        payload.CopyTo(buffer);
        var message = new OutgoingMessage
        {
            Topic = topic, Buffer = buffer, Length = payload.Length, Qos = qos, Retain = retain, Completion = completion,
        };
        OutgoingMessage evicted = default;
        lock (_lock)
        {
            if (qos == MqttQos.AtLeastOnce)
            {
                if (_reliable.Count + _inFlight.Count >= reliableCapacity)
                {
                    _refused++;
                    evicted = message;
                }
                else
                {
                    _reliable.Enqueue(message);
                }
            }
            else
            {
                if (_ringCount == _ring.Length)
                {
                    evicted = _ring[_ringHead];
                    _ring[_ringHead] = default;
                    _ringHead = (_ringHead + 1) % _ring.Length;
                    _ringCount--;
                    _dropped++;
                }
                _ring[(_ringHead + _ringCount) % _ring.Length] = message;
                _ringCount++;
            }
        }
        if (evicted.Buffer is not null)
        {
            // The exception only exists for a waiter: the frame loop's drops must not allocate.
            Release(evicted, evicted.Completion is null ? null : new MqttMessageDroppedException(evicted.Topic!));
        }
        return !ReferenceEquals(evicted.Buffer, buffer);
    }

    /// <summary>Takes the next message to send: QoS 1 first while the in-flight window has room (it then moves
    /// to the in-flight list under <paramref name="nextPacketId"/>), else QoS 0.</summary>
    public bool TryTakeNext(int maxInFlight, Func<ushort> nextPacketId, out OutgoingMessage message)
    {
        lock (_lock)
        {
            if (_reliable.Count > 0 && _inFlight.Count < maxInFlight)
            {
                message = _reliable.Dequeue();
                message.PacketId = nextPacketId();
                _inFlight.Add(message);
                return true;
            }
            if (_ringCount > 0)
            {
                message = _ring[_ringHead];
                _ring[_ringHead] = default;
                _ringHead = (_ringHead + 1) % _ring.Length;
                _ringCount--;
                return true;
            }
        }
        message = default;
        return false;
    }

    /// <summary>The in-flight messages, oldest first, to re-send after a reconnect.</summary>
    public OutgoingMessage[] SnapshotInFlight()
    {
        lock (_lock) return _inFlight.ToArray();
    }

    public bool IsInFlight(ushort packetId)
    {
        lock (_lock)
        {
            foreach (var message in _inFlight)
            {
                if (message.PacketId == packetId) return true;
            }
            return false;
        }
    }

    /// <summary>PUBACK arrived: forget the message and complete its waiter. False for an unknown id.</summary>
    public bool Acknowledge(ushort packetId)
    {
        OutgoingMessage found = default;
        lock (_lock)
        {
            for (var i = 0; i < _inFlight.Count; i++)
            {
                if (_inFlight[i].PacketId == packetId)
                {
                    found = _inFlight[i];
                    _inFlight.RemoveAt(i);
                    break;
                }
            }
        }
        if (found.Buffer is null) return false;
        Release(found, null);
        return true;
    }

    /// <summary>A QoS 0 message was written (or abandoned): return its buffer and complete its waiter.</summary>
    public static void Release(OutgoingMessage message, Exception? error)
    {
        ArrayPool<byte>.Shared.Return(message.Buffer);
        if (error is null) message.Completion?.TrySetResult();
        else message.Completion?.TrySetException(error);
    }

    /// <summary>Empties every lane, failing waiters with <paramref name="error"/>; returns how many QoS 1 messages were lost.</summary>
    public int Clear(Exception error)
    {
        var all = new List<OutgoingMessage>();
        int reliable;
        lock (_lock)
        {
            reliable = _reliable.Count + _inFlight.Count;
            all.AddRange(_inFlight);
            all.AddRange(_reliable);
            while (_ringCount > 0)
            {
                all.Add(_ring[_ringHead]);
                _ring[_ringHead] = default;
                _ringHead = (_ringHead + 1) % _ring.Length;
                _ringCount--;
            }
            _inFlight.Clear();
            _reliable.Clear();
        }
        foreach (var message in all)
        {
            Release(message, error);
        }
        return reliable;
    }
}
