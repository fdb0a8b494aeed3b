namespace EdgeTracker.Messaging.Mqtt;

/// <summary>
/// Writes MQTT 3.1.1 packets into a <see cref="MqttBufferWriter"/>. The fixed header is written last-first:
/// the body goes in after a reserved 5-byte gap, then the header is placed right before it, so each packet is
/// encoded in one pass into one buffer.
/// </summary>
public static class MqttPacketEncoder
{
    private const int HeaderReserve = 5;
    private static ReadOnlySpan<byte> ProtocolName => "MQTT"u8;

    /// <summary>Encodes <paramref name="packet"/>; returns the packet's bytes (a view of the writer's storage, valid until its next use).</summary>
    public static ReadOnlyMemory<byte> Encode(MqttPacket packet, MqttBufferWriter writer)
    {
        Begin(writer);
        byte flags = 0;
        switch (packet)
        {
            case ConnectPacket connect:
                WriteConnect(connect, writer);
                break;
            case ConnAckPacket connAck:
                writer.WriteByte(connAck.SessionPresent ? (byte)1 : (byte)0);
                writer.WriteByte((byte)connAck.ReturnCode);
                break;
            case PublishPacket publish:
                return EncodePublish(writer, publish.Topic, publish.Payload.Span, publish.Qos, publish.Retain, publish.Duplicate, publish.PacketId);
            case PacketIdPacket ack:
                flags = ack.Kind == MqttPacketType.PubRel ? (byte)0x02 : (byte)0;
                writer.WriteUInt16(ack.PacketId);
                break;
            case SubscribePacket subscribe:
                flags = 0x02;
                RequirePacketId(subscribe.PacketId);
                writer.WriteUInt16(subscribe.PacketId);
                foreach (var subscription in subscribe.Subscriptions)
                {
                    writer.WriteString(subscription.Filter);
                    writer.WriteByte((byte)subscription.Qos);
                }
                break;
            case SubAckPacket subAck:
                writer.WriteUInt16(subAck.PacketId);
                foreach (var code in subAck.ReturnCodes)
                {
                    writer.WriteByte(code);
                }
                break;
            case UnsubscribePacket unsubscribe:
                flags = 0x02;
                RequirePacketId(unsubscribe.PacketId);
                writer.WriteUInt16(unsubscribe.PacketId);
                foreach (var filter in unsubscribe.Filters)
                {
                    writer.WriteString(filter);
                }
                break;
            case EmptyPacket:
                break;
            default:
                throw new ArgumentException($"Cannot encode {packet.GetType().Name}.", nameof(packet));
        }

        return Finish(writer, packet.Type, flags);
    }

    /// <summary>Encodes a PUBLISH without building a <see cref="PublishPacket"/>: the send path's allocation-free form.</summary>
    public static ReadOnlyMemory<byte> EncodePublish(MqttBufferWriter writer, string topic, ReadOnlySpan<byte> payload,
        MqttQos qos, bool retain, bool duplicate, ushort packetId)
    {
        Begin(writer);
        writer.WriteString(topic);
        if (qos != MqttQos.AtMostOnce)
        {
            RequirePacketId(packetId);
            writer.WriteUInt16(packetId);
        }
        writer.WriteBytes(payload);
        var flags = (byte)((duplicate && qos != MqttQos.AtMostOnce ? 0x08 : 0) | ((byte)qos << 1) | (retain ? 1 : 0));
        return Finish(writer, MqttPacketType.Publish, flags);
    }

    private static void Begin(MqttBufferWriter writer)
    {
        writer.Reset();
        for (var i = 0; i < HeaderReserve; i++)
        {
            writer.WriteByte(0);
        }
    }

    private static ReadOnlyMemory<byte> Finish(MqttBufferWriter writer, MqttPacketType type, byte flags)
    {
        var remaining = writer.Length - HeaderReserve;
        var lengthSize = MqttBufferWriter.VariableByteIntegerSize(remaining);
        var start = HeaderReserve - 1 - lengthSize;
        if (remaining > MqttLimits.MaxRemainingLength)
        {
            throw new ArgumentException($"The packet body is {remaining} bytes; MQTT allows at most {MqttLimits.MaxRemainingLength}.");
        }
        var all = writer.WrittenMemory;
        // Place the fixed header immediately before the body.
        var header = writer.GetWrittenSpanForPatching()[start..];
        header[0] = (byte)(((byte)type << 4) | flags);
        MqttBufferWriter.WriteVariableByteInteger(header[1..], remaining);
        return all[start..];
    }

    private static void WriteConnect(ConnectPacket connect, MqttBufferWriter writer)
    {
        writer.WriteUInt16((ushort)ProtocolName.Length);
        writer.WriteBytes(ProtocolName);
        writer.WriteByte(4); // protocol level 4 = MQTT 3.1.1
        byte flags = 0;
        if (connect.CleanSession) flags |= 0x02;
        if (connect.Will is { } will)
        {
            flags |= 0x04;
            flags |= (byte)((byte)will.Qos << 3);
            if (will.Retain) flags |= 0x20;
        }
        if (connect.Password is not null) flags |= 0x40;
        if (connect.UserName is not null) flags |= 0x80;
        writer.WriteByte(flags);
        writer.WriteUInt16(connect.KeepAliveSeconds);
        writer.WriteString(connect.ClientId);
        if (connect.Will is { } w)
        {
            writer.WriteString(w.Topic);
            writer.WriteBinary(w.Payload.Span);
        }
        if (connect.UserName is not null) writer.WriteString(connect.UserName);
        if (connect.Password is { } password) writer.WriteBinary(password.Span);
    }

    private static void RequirePacketId(ushort id)
    {
        if (id == 0)
        {
            throw new ArgumentException("A packet identifier must be non-zero.");
        }
    }
}
