namespace EdgeTracker.Messaging.Mqtt;

/// <summary>One MQTT 3.1.1 control packet, decoded. The codec (<see cref="MqttPacketEncoder"/>,
/// <see cref="MqttPacketDecoder"/>) turns these into bytes and back; nothing here touches the network.</summary>
public abstract record MqttPacket
{
    /// <summary>The control packet type (the high nibble of the first byte).</summary>
    public abstract MqttPacketType Type { get; }
}

/// <summary>The last will: published by the broker when the connection ends without DISCONNECT.</summary>
public sealed record MqttWill(string Topic, ReadOnlyMemory<byte> Payload, MqttQos Qos = MqttQos.AtLeastOnce, bool Retain = true);

/// <summary>CONNECT: the first packet of every connection (MQTT 3.1.1, protocol level 4).</summary>
public sealed record ConnectPacket(
    string ClientId,
    bool CleanSession,
    ushort KeepAliveSeconds,
    string? UserName = null,
    ReadOnlyMemory<byte>? Password = null,
    MqttWill? Will = null) : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Connect;
}

/// <summary>CONNACK: the broker's answer to CONNECT.</summary>
public sealed record ConnAckPacket(bool SessionPresent, MqttConnectReturnCode ReturnCode) : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.ConnAck;
}

/// <summary>PUBLISH: an application message. <see cref="PacketId"/> is 0 for QoS 0.</summary>
public sealed record PublishPacket(
    string Topic,
    ReadOnlyMemory<byte> Payload,
    MqttQos Qos = MqttQos.AtMostOnce,
    bool Retain = false,
    bool Duplicate = false,
    ushort PacketId = 0) : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Publish;
}

/// <summary>PUBACK, PUBREC, PUBREL, PUBCOMP and UNSUBACK: a packet identifier and nothing else.</summary>
public sealed record PacketIdPacket(MqttPacketType Kind, ushort PacketId) : MqttPacket
{
    public override MqttPacketType Type => Kind;
}

/// <summary>One topic filter and the maximum QoS asked for it.</summary>
public sealed record MqttSubscription(string Filter, MqttQos Qos);

/// <summary>SUBSCRIBE: one or more filters, acknowledged by one SUBACK.</summary>
public sealed record SubscribePacket(ushort PacketId, IReadOnlyList<MqttSubscription> Subscriptions) : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Subscribe;
}

/// <summary>SUBACK: one return code per requested filter: 0 or 1 (granted QoS), 2, or 0x80 (failure).</summary>
public sealed record SubAckPacket(ushort PacketId, IReadOnlyList<byte> ReturnCodes) : MqttPacket
{
    public const byte Failure = 0x80;

    public override MqttPacketType Type => MqttPacketType.SubAck;
}

/// <summary>UNSUBSCRIBE: one or more filters, acknowledged by UNSUBACK.</summary>
public sealed record UnsubscribePacket(ushort PacketId, IReadOnlyList<string> Filters) : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Unsubscribe;
}

/// <summary>PINGREQ, PINGRESP and DISCONNECT: a fixed header and nothing else.</summary>
public sealed record EmptyPacket : MqttPacket
{
    private readonly MqttPacketType _kind;

    private EmptyPacket(MqttPacketType kind) => _kind = kind;

    public static readonly EmptyPacket PingReq = new(MqttPacketType.PingReq);
    public static readonly EmptyPacket PingResp = new(MqttPacketType.PingResp);
    public static readonly EmptyPacket Disconnect = new(MqttPacketType.Disconnect);

    public override MqttPacketType Type => _kind;
}
