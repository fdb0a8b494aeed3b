using EdgeTracker.Messaging.Mqtt;

namespace EdgeTracker.Tests.Messaging;

/// <summary>The packet codec against byte sequences written out from the MQTT 3.1.1 specification.</summary>
public sealed class MqttCodecTests
{
    private const int Max = 1024 * 1024;

    private static byte[] Encode(MqttPacket packet) => MqttPacketEncoder.Encode(packet, new MqttBufferWriter()).ToArray();

    private static MqttPacket Decode(byte[] bytes)
    {
        var status = MqttPacketDecoder.TryDecode(bytes, Max, out var packet, out var consumed, out var fault);
        Assert.True(status == MqttDecodeStatus.Complete, fault);
        Assert.Equal(bytes.Length, consumed);
        return packet!;
    }

    private static string Fault(byte[] bytes, int max = Max)
    {
        var status = MqttPacketDecoder.TryDecode(bytes, max, out var packet, out _, out var fault);
        Assert.Equal(MqttDecodeStatus.Malformed, status);
        Assert.Null(packet);
        return fault!;
    }

    [Fact]
    public void CONNECT_is_encoded_byte_for_byte_as_the_specification_lays_it_out()
    {
        var bytes = Encode(new ConnectPacket("sub", CleanSession: true, KeepAliveSeconds: 5));
        Assert.Equal(Convert.FromHexString("100F00044D5154540402000500037375 62".Replace(" ", "")), bytes);
    }

    [Fact]
    public void CONNECT_with_will_user_and_password_sets_every_flag_and_field_in_order()
    {
        var packet = new ConnectPacket("c", false, 60, "u", "p"u8.ToArray(), new MqttWill("w", "x"u8.ToArray(), MqttQos.AtLeastOnce, true));
        var bytes = Encode(packet);
        // flags: user 0x80 | password 0x40 | will retain 0x20 | will QoS 1 0x08 | will 0x04 = 0xEC; clean session off.
        Assert.Equal(0xEC, bytes[9]);
        var decoded = (ConnectPacket)Decode(bytes);
        Assert.Equal("c", decoded.ClientId);
        Assert.False(decoded.CleanSession);
        Assert.Equal(60, decoded.KeepAliveSeconds);
        Assert.Equal("u", decoded.UserName);
        Assert.Equal("p"u8.ToArray(), decoded.Password!.Value.ToArray());
        Assert.Equal("w", decoded.Will!.Topic);
        Assert.Equal("x"u8.ToArray(), decoded.Will.Payload.ToArray());
        Assert.True(decoded.Will.Retain);
    }

    [Fact]
    public void PUBLISH_round_trips_with_flags_packet_id_and_a_multi_byte_remaining_length()
    {
        var payload = new byte[300];
        Random.Shared.NextBytes(payload);
        var bytes = Encode(new PublishPacket("a/b", payload, MqttQos.AtLeastOnce, Retain: true, Duplicate: true, PacketId: 7));
        Assert.Equal(0x3B, bytes[0]); // PUBLISH | DUP | QoS 1 | RETAIN
        Assert.Equal(new byte[] { 0xB3, 0x02 }, bytes[1..3]); // 2+3+2+300 = 307: low 7 bits 0x33 with the continuation bit, then 2
        var decoded = (PublishPacket)Decode(bytes);
        Assert.Equal("a/b", decoded.Topic);
        Assert.Equal(payload, decoded.Payload.ToArray());
        Assert.Equal((ushort)7, decoded.PacketId);
        Assert.True(decoded.Retain && decoded.Duplicate);
    }

    [Fact]
    public void CONNECT_without_a_password_does_not_set_the_password_flag_even_when_the_null_goes_through_a_conversion()
    {
        byte[]? none = null;
        var packet = new ConnectPacket("c", true, 5, null, none is null ? (ReadOnlyMemory<byte>?)null : none);
        Assert.Equal(0x02, Encode(packet)[9]);
        Assert.Null(((ConnectPacket)Decode(Encode(packet))).Password);
    }
}
