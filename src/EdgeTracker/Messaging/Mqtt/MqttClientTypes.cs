using System.Text;

namespace EdgeTracker.Messaging.Mqtt;

/// <summary>A message received on a subscribed topic. The payload belongs to the handler (a fresh copy).</summary>
public sealed record MqttMessage(string Topic, ReadOnlyMemory<byte> Payload, MqttQos Qos, bool Retain, bool Duplicate)
{
    /// <summary>The payload decoded as UTF-8 (invalid sequences become U+FFFD).</summary>
    public string PayloadAsString() => Encoding.UTF8.GetString(Payload.Span);
}

/// <summary>Where the client is in its connection life cycle.</summary>
public enum MqttConnectionState
{
    /// <summary>Never connected, or between connections.</summary>
    Disconnected,

    /// <summary>Opening TCP/TLS and waiting for CONNACK and SUBACK.</summary>
    Connecting,

    /// <summary>Connected and subscriptions restored; queued messages flow.</summary>
    Connected,

    /// <summary>Disposed; nothing more happens.</summary>
    Disposed,
}

/// <summary>Raised when a connection is up and its subscriptions are (re)established.</summary>
public sealed class MqttConnectedEventArgs(bool sessionPresent, bool isReconnect) : EventArgs
{
    /// <summary>The broker still had our persistent session (CONNACK session-present flag).</summary>
    public bool SessionPresent { get; } = sessionPresent;

    /// <summary>False for the first connection, true after a loss.</summary>
    public bool IsReconnect { get; } = isReconnect;
}

/// <summary>Raised when an established connection ends (not when an attempt fails: see <see cref="MqttReconnectingEventArgs"/>).</summary>
public sealed class MqttDisconnectedEventArgs(string reason, Exception? exception) : EventArgs
{
    /// <summary>Why, in words: "ping timeout", "the broker closed the connection", "protocol violation: …", "disposed".</summary>
    public string Reason { get; } = reason;

    /// <summary>The underlying error, when there was one.</summary>
    public Exception? Exception { get; } = exception;
}

/// <summary>Raised before the client waits to try (again) to connect.</summary>
public sealed class MqttReconnectingEventArgs(int attempt, TimeSpan delay, Exception? lastError) : EventArgs
{
    /// <summary>1 for the first retry after a loss or failed attempt, counting up until a connection succeeds.</summary>
    public int Attempt { get; } = attempt;

    /// <summary>The (jittered) delay before the attempt.</summary>
    public TimeSpan Delay { get; } = delay;

    /// <summary>Why the previous attempt failed, if it did.</summary>
    public Exception? LastError { get; } = lastError;
}

/// <summary>A snapshot of the client's counters, for /metrics. Totals count since the client was created.</summary>
public readonly record struct MqttClientCounters(
    int QueueDepth,
    int ReliableQueueDepth,
    int InFlight,
    long Dropped,
    long ReliableRefused,
    long Reconnects,
    long MessagesSent,
    long MessagesReceived,
    long PacketsSent,
    long PacketsReceived,
    long ProtocolErrors)
{
    /// <summary>QoS 0 messages dropped oldest-first because the queue was full.</summary>
    public long Dropped { get; init; } = Dropped;

    /// <summary>QoS 1 messages refused because the reliable queue was full.</summary>
    public long ReliableRefused { get; init; } = ReliableRefused;
}

/// <summary>A QoS 0 message was dropped from the full queue before it could be sent.</summary>
public sealed class MqttMessageDroppedException(string topic)
    : Exception($"the message to '{topic}' was dropped: the outgoing queue was full");
