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
/// <param name="QueueDepth">QoS 0 messages waiting to be sent.</param>
/// <param name="ReliableQueueDepth">QoS 1 messages waiting or in flight.</param>
/// <param name="InFlight">QoS 1 messages sent and awaiting PUBACK.</param>
/// <param name="Dropped">QoS 0 messages dropped oldest-first because the queue was full.</param>
/// <param name="ReliableRefused">QoS 1 messages refused because the reliable queue was full.</param>
/// <param name="Reconnects">Connections established after a loss.</param>
/// <param name="MessagesSent">QoS 0 messages written plus QoS 1 messages acknowledged by the broker.</param>
/// <param name="MessagesReceived">PUBLISH packets received.</param>
/// <param name="PacketsSent">Every packet written.</param>
/// <param name="PacketsReceived">Every packet read.</param>
/// <param name="ProtocolErrors">Connections closed because the broker sent a malformed or oversized packet.</param>
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
    long ProtocolErrors);

/// <summary>A QoS 0 message was dropped from the full queue before it could be sent.</summary>
public sealed class MqttMessageDroppedException(string topic)
    : Exception($"the message to '{topic}' was dropped: the outgoing queue was full");
