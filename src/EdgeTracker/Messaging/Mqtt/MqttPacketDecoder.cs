namespace EdgeTracker.Messaging.Mqtt;

/// <summary>The outcome of <see cref="MqttPacketDecoder.TryDecode"/>.</summary>
public enum MqttDecodeStatus
{
    /// <summary>One whole, valid packet was decoded.</summary>
    Complete,

    /// <summary>More bytes are needed; the header (if present) was valid and within the size limit.</summary>
    Incomplete,

    /// <summary>The bytes are not a valid packet; the connection must be closed. The fault says why.</summary>
    Malformed,
}

/// <summary>The fixed header: type, the four flag bits, the body's length and the header's own length.</summary>
public readonly record struct MqttFixedHeader(MqttPacketType Type, byte Flags, int RemainingLength, int HeaderLength)
{
    public int TotalLength => HeaderLength + RemainingLength;
}

/// <summary>
/// Decodes MQTT 3.1.1 packets strictly: reserved packet types, wrong fixed-header flags, a remaining length past
/// the configured maximum (checked before any body byte is buffered, so a hostile length cannot make us allocate),
/// truncated fields, trailing bytes, ill-formed UTF-8, wildcards in a PUBLISH topic, zero packet identifiers and
/// unknown return codes are all faults. <see cref="TryDecode"/> never throws.
/// </summary>
public static class MqttPacketDecoder
{
    /// <summary>
    /// Decodes the first packet in <paramref name="input"/>. On <see cref="MqttDecodeStatus.Complete"/>,
    /// <paramref name="consumed"/> is its length in bytes; on <see cref="MqttDecodeStatus.Incomplete"/>, it is the
    /// total length the packet will need once the header is known (0 before that).
    /// </summary>
    public static MqttDecodeStatus TryDecode(ReadOnlySpan<byte> input, int maxRemainingLength,
        out MqttPacket? packet, out int consumed, out string? fault)
    {
        packet = null;
        consumed = 0;
        var status = TryReadFixedHeader(input, maxRemainingLength, out var header, out fault);
        if (status != MqttDecodeStatus.Complete)
        {
            return status;
        }
        if (input.Length < header.TotalLength)
        {
            consumed = header.TotalLength;
            return MqttDecodeStatus.Incomplete;
        }
        try
        {
            packet = DecodeBody(header, input.Slice(header.HeaderLength, header.RemainingLength));
            consumed = header.TotalLength;
            return MqttDecodeStatus.Complete;
        }
        catch (MqttProtocolException e)
        {
            fault = $"{header.Type}: {e.Message}";
            return MqttDecodeStatus.Malformed;
        }
    }

    /// <summary>Reads and checks the fixed header (type, flags, remaining length against the maximum).</summary>
    public static MqttDecodeStatus TryReadFixedHeader(ReadOnlySpan<byte> input, int maxRemainingLength,
        out MqttFixedHeader header, out string? fault)
    {
        header = default;
        fault = null;
        if (input.Length < 2)
        {
            return MqttDecodeStatus.Incomplete;
        }
        var typeNibble = input[0] >> 4;
        var flags = (byte)(input[0] & 0x0F);
        if (typeNibble is 0 or 15)
        {
            fault = $"reserved packet type {typeNibble}";
            return MqttDecodeStatus.Malformed;
        }
        var type = (MqttPacketType)typeNibble;
        if (CheckFlags(type, flags) is { } flagFault)
        {
            fault = $"{type}: {flagFault}";
            return MqttDecodeStatus.Malformed;
        }

        var remaining = 0;
        var multiplier = 1;
        var index = 1;
        while (true)
        {
            if (index > 4)
            {
                fault = $"{type}: remaining length uses more than 4 bytes";
                return MqttDecodeStatus.Malformed;
            }
            if (index >= input.Length)
            {
                return MqttDecodeStatus.Incomplete;
            }
            var digit = input[index++];
            remaining += (digit & 0x7F) * multiplier;
            if ((digit & 0x80) == 0)
            {
                break;
            }
            multiplier *= 128;
        }
        if (index > 2 && input[index - 1] == 0)
        {
            fault = $"{type}: remaining length is not minimally encoded";
            return MqttDecodeStatus.Malformed;
        }
        if (remaining > maxRemainingLength)
        {
            fault = $"{type}: remaining length {remaining} exceeds the maximum packet size {maxRemainingLength}";
            return MqttDecodeStatus.Malformed;
        }
        header = new MqttFixedHeader(type, flags, remaining, index);
        return MqttDecodeStatus.Complete;
    }

    private static string? CheckFlags(MqttPacketType type, byte flags)
    {
        switch (type)
        {
            case MqttPacketType.Publish:
                var qos = (flags >> 1) & 0x03;
                if (qos == 3) return "QoS 3 is not a quality of service";
                if (qos == 0 && (flags & 0x08) != 0) return "DUP set on a QoS 0 message";
                return null;
            case MqttPacketType.PubRel:
            case MqttPacketType.Subscribe:
            case MqttPacketType.Unsubscribe:
                return flags == 0x02 ? null : $"fixed-header flags must be 0010, got {Convert.ToString(flags, 2).PadLeft(4, '0')}";
            default:
                return flags == 0 ? null : $"fixed-header flags must be 0000, got {Convert.ToString(flags, 2).PadLeft(4, '0')}";
        }
    }

    /// <summary>Decodes a packet body whose header was already checked. Throws <see cref="MqttProtocolException"/> on any fault.</summary>
    public static MqttPacket DecodeBody(MqttFixedHeader header, ReadOnlySpan<byte> body)
    {
        var reader = new MqttBufferReader(body);
        switch (header.Type)
        {
            case MqttPacketType.Connect:
                return DecodeConnect(ref reader);
            case MqttPacketType.ConnAck:
            {
                var ackFlags = reader.ReadByte("acknowledge flags");
                if ((ackFlags & 0xFE) != 0) throw new MqttProtocolException($"reserved acknowledge flag bits set (0x{ackFlags:X2})");
                var code = reader.ReadByte("return code");
                if (code > 5) throw new MqttProtocolException($"unknown return code {code}");
                reader.ExpectEnd("CONNACK");
                return new ConnAckPacket((ackFlags & 1) != 0, (MqttConnectReturnCode)code);
            }
            case MqttPacketType.Publish:
            {
                var qos = (MqttQos)((header.Flags >> 1) & 0x03);
                var topic = reader.ReadString("topic name");
                if (!MqttTopic.IsValidTopicName(topic, out var reason)) throw new MqttProtocolException($"topic name {reason}");
                ushort id = 0;
                if (qos != MqttQos.AtMostOnce)
                {
                    id = ReadPacketId(ref reader);
                }
                var payload = reader.ReadToEnd().ToArray();
                return new PublishPacket(topic, payload, qos, (header.Flags & 1) != 0, (header.Flags & 0x08) != 0, id);
            }
            case MqttPacketType.PubAck:
            case MqttPacketType.PubRec:
            case MqttPacketType.PubRel:
            case MqttPacketType.PubComp:
            case MqttPacketType.UnsubAck:
            {
                var id = ReadPacketId(ref reader);
                reader.ExpectEnd(header.Type.ToString());
                return new PacketIdPacket(header.Type, id);
            }
            case MqttPacketType.Subscribe:
            {
                var id = ReadPacketId(ref reader);
                var list = new List<MqttSubscription>();
                while (reader.Remaining > 0)
                {
                    var filter = ReadFilter(ref reader);
                    var options = reader.ReadByte("requested QoS");
                    if (options > 2) throw new MqttProtocolException($"requested QoS byte 0x{options:X2} is invalid");
                    list.Add(new MqttSubscription(filter, (MqttQos)options));
                }
                if (list.Count == 0) throw new MqttProtocolException("SUBSCRIBE without any topic filter");
                return new SubscribePacket(id, list);
            }
            case MqttPacketType.SubAck:
            {
                var id = ReadPacketId(ref reader);
                var codes = reader.ReadToEnd().ToArray();
                if (codes.Length == 0) throw new MqttProtocolException("SUBACK without any return code");
                foreach (var code in codes)
                {
                    if (code is not (0 or 1 or 2 or SubAckPacket.Failure)) throw new MqttProtocolException($"unknown SUBACK return code 0x{code:X2}");
                }
                return new SubAckPacket(id, codes);
            }
            case MqttPacketType.Unsubscribe:
            {
                var id = ReadPacketId(ref reader);
                var filters = new List<string>();
                while (reader.Remaining > 0)
                {
                    filters.Add(ReadFilter(ref reader));
                }
                if (filters.Count == 0) throw new MqttProtocolException("UNSUBSCRIBE without any topic filter");
                return new UnsubscribePacket(id, filters);
            }
            case MqttPacketType.PingReq:
                reader.ExpectEnd("PINGREQ");
                return EmptyPacket.PingReq;
            case MqttPacketType.PingResp:
                reader.ExpectEnd("PINGRESP");
                return EmptyPacket.PingResp;
            case MqttPacketType.Disconnect:
                reader.ExpectEnd("DISCONNECT");
                return EmptyPacket.Disconnect;
            default:
                throw new MqttProtocolException($"reserved packet type {(int)header.Type}");
        }
    }

    private static ConnectPacket DecodeConnect(ref MqttBufferReader reader)
    {
        var name = reader.ReadString("protocol name");
        if (name != "MQTT") throw new MqttProtocolException($"protocol name '{Printable(name)}' is not MQTT");
        var level = reader.ReadByte("protocol level");
        if (level != 4) throw new MqttProtocolException($"protocol level {level} is not 4 (MQTT 3.1.1)");
        var flags = reader.ReadByte("connect flags");
        if ((flags & 0x01) != 0) throw new MqttProtocolException("reserved connect flag set");
        var willFlag = (flags & 0x04) != 0;
        var willQos = (flags >> 3) & 0x03;
        var willRetain = (flags & 0x20) != 0;
        if (willQos == 3) throw new MqttProtocolException("will QoS 3");
        if (!willFlag && (willQos != 0 || willRetain)) throw new MqttProtocolException("will QoS or retain set without a will");
        var hasPassword = (flags & 0x40) != 0;
        var hasUser = (flags & 0x80) != 0;
        if (hasPassword && !hasUser) throw new MqttProtocolException("password without user name");
        var keepAlive = reader.ReadUInt16("keep alive");
        var clientId = reader.ReadString("client identifier");
        MqttWill? will = null;
        if (willFlag)
        {
            var topic = reader.ReadString("will topic");
            if (!MqttTopic.IsValidTopicName(topic, out var reason)) throw new MqttProtocolException($"will topic {reason}");
            will = new MqttWill(topic, reader.ReadBinarySpan("will message").ToArray(), (MqttQos)willQos, willRetain);
        }
        var user = hasUser ? reader.ReadString("user name") : null;
        var password = hasPassword ? reader.ReadBinarySpan("password").ToArray() : (ReadOnlyMemory<byte>?)null;
        reader.ExpectEnd("CONNECT");
        return new ConnectPacket(clientId, (flags & 0x02) != 0, keepAlive, user, password, will);
    }

    /// <summary>Peer text quoted in a fault (and so in a log line): control characters escaped, length capped.</summary>
    private static string Printable(string text)
    {
        var builder = new System.Text.StringBuilder();
        foreach (var c in text.Length > 64 ? text[..64] : text)
        {
            if (char.IsControl(c)) builder.Append($"\\x{(int)c:x2}");
            else builder.Append(c);
        }
        return text.Length > 64 ? builder.Append('…').ToString() : builder.ToString();
    }

    private static ushort ReadPacketId(ref MqttBufferReader reader)
    {
        var id = reader.ReadUInt16("packet identifier");
        if (id == 0) throw new MqttProtocolException("packet identifier 0");
        return id;
    }

    private static string ReadFilter(ref MqttBufferReader reader)
    {
        var filter = reader.ReadString("topic filter");
        if (!MqttTopic.IsValidFilter(filter, out var reason)) throw new MqttProtocolException($"topic filter '{Printable(filter)}' {reason}");
        return filter;
    }
}
