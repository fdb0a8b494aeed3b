namespace EdgeTracker.Messaging.Mqtt;

/// <summary>
/// The peer sent bytes that are not a valid MQTT 3.1.1 packet (or one larger than allowed). The message names the
/// fault; the connection that carried it is closed.
/// </summary>
public sealed class MqttProtocolException(string message) : Exception(message);

/// <summary>
/// A connection attempt failed: the broker could not be reached, TLS failed, or the broker refused the CONNECT
/// (then <see cref="ReturnCode"/> says why).
/// </summary>
public sealed class MqttConnectException : Exception
{
    public MqttConnectException(string message, MqttConnectReturnCode? returnCode = null, Exception? inner = null)
        : base(message, inner) => ReturnCode = returnCode;

    /// <summary>The broker's CONNACK return code when it refused the connection; null when it never answered.</summary>
    public MqttConnectReturnCode? ReturnCode { get; }
}
