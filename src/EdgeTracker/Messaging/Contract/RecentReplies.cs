namespace EdgeTracker.Messaging.Contract;

/// <summary>
/// The last replies by <c>requestId</c>, so a command delivered twice (QoS 1 is at least once) is answered again
/// with the first reply instead of being carried out twice. Bounded: the oldest entry goes when full.
/// Thread-safe.
/// </summary>
public sealed class RecentReplies(int capacity = 1024)
{
    private readonly Dictionary<string, Reply> _byRequestId = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly Lock _lock = new();

    /// <summary>How many replies are remembered.</summary>
    public int Count
    {
        get { lock (_lock) return _byRequestId.Count; }
    }

    /// <summary>The reply already given to <paramref name="requestId"/>, if any.</summary>
    public bool TryGet(string requestId, out Reply reply)
    {
        lock (_lock)
        {
            return _byRequestId.TryGetValue(requestId, out reply!);
        }
    }

    /// <summary>Remembers a reply that carries a request id (replies without one are not remembered).</summary>
    public void Remember(Reply reply)
    {
        if (reply.RequestId is not { } id)
        {
            return;
        }
        lock (_lock)
        {
            if (_byRequestId.TryAdd(id, reply))
            {
                _order.Enqueue(id);
                while (_order.Count > Math.Max(1, capacity))
                {
                    _byRequestId.Remove(_order.Dequeue());
                }
            }
        }
    }
}
