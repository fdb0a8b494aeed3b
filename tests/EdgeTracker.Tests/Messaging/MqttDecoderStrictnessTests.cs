using EdgeTracker.Messaging.Mqtt;

namespace EdgeTracker.Tests.Messaging;

/// <summary>Every fault the issue names is detected, named, and never throws.</summary>
public sealed class MqttDecoderStrictnessTests
{
    private static string Fault(string hex, int max = 1024)
    {
        var bytes = Convert.FromHexString(hex.Replace(" ", ""));
        var status = MqttPacketDecoder.TryDecode(bytes, max, out var packet, out _, out var fault);
        Assert.True(status == MqttDecodeStatus.Malformed, $"expected a fault, got {status}");
        Assert.Null(packet);
        return fault!;
    }

    [Theory]
    [InlineData("20 02 00 00", null)] // CONNACK accepted: valid
    [InlineData("D0 00", null)] // PINGRESP
    [InlineData("90 03 00 01 01", null)] // SUBACK granted QoS 1
    [InlineData("30 05 00 01 61 68 69", null)] // PUBLISH "a" "hi"
    public void Valid_packets_decode(string hex, string? _)
    {
        var bytes = Convert.FromHexString(hex.Replace(" ", ""));
        Assert.Equal(MqttDecodeStatus.Complete, MqttPacketDecoder.TryDecode(bytes, 1024, out var packet, out var consumed, out _));
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(bytes, MqttPacketEncoder.Encode(packet!, new MqttBufferWriter()).ToArray());
    }

    [Theory]
    [InlineData("00 00", "reserved packet type 0")]
    [InlineData("F0 00", "reserved packet type 15")]
    [InlineData("21 02 00 00", "ConnAck: fixed-header flags must be 0000, got 0001")]
    [InlineData("80 05 00 01 00 01 61", "Subscribe: fixed-header flags must be 0010, got 0000")]
    [InlineData("36 05 00 01 61 00 01", "Publish: QoS 3 is not a quality of service")]
    [InlineData("38 05 00 01 61 68 69", "Publish: DUP set on a QoS 0 message")]
    [InlineData("D1 00", "PingResp: fixed-header flags must be 0000, got 0001")]
    public void Wrong_fixed_header_flags_and_reserved_types_are_named(string hex, string expected) =>
        Assert.Equal(expected, Fault(hex));

    [Fact]
    public void A_remaining_length_past_the_maximum_is_refused_from_the_header_alone()
    {
        // 268,435,455 announced; only the header is present, and nothing is allocated for the body.
        Assert.Equal("Publish: remaining length 268435455 exceeds the maximum packet size 1024", Fault("30 FF FF FF 7F"));
        Assert.Equal("Publish: remaining length 1025 exceeds the maximum packet size 1024", Fault("30 81 08"));
        Assert.Equal("Publish: remaining length uses more than 4 bytes", Fault("30 FF FF FF FF 01"));
        Assert.Equal("Publish: remaining length is not minimally encoded", Fault("30 80 00"));
    }

    [Theory]
    [InlineData("30 04 00 05 61 62", "Publish: truncated packet: topic name needs 5 byte(s), 2 left")]
    [InlineData("32 03 00 01 61", "Publish: truncated packet: packet identifier needs 2 byte(s), 0 left")]
    [InlineData("40 01 00", "PubAck: truncated packet: packet identifier needs 2 byte(s), 1 left")]
    [InlineData("20 01 00", "ConnAck: truncated packet: return code needs 1 byte(s), 0 left")]
    public void Truncated_fields_inside_a_complete_packet_are_named(string hex, string expected) =>
        Assert.Equal(expected, Fault(hex));

    [Theory]
    [InlineData("30 05 00 02 C3 28 78", "Publish: topic name is not well-formed UTF-8")]
    [InlineData("30 05 00 03 ED A0 80", "Publish: topic name is not well-formed UTF-8")] // a UTF-16 surrogate encoded in UTF-8
    [InlineData("30 05 00 02 61 00 78", "Publish: topic name contains the null character U+0000")]
    [InlineData("30 05 00 03 61 2F 2B", "Publish: topic name contains a wildcard (+ or #)")]
    [InlineData("30 02 00 00", "Publish: topic name is empty")]
    public void Bad_UTF8_nulls_wildcards_and_empty_topics_are_refused(string hex, string expected) =>
        Assert.Equal(expected, Fault(hex));

    [Theory]
    [InlineData("20 03 00 00 00", "ConnAck: CONNACK has 1 unexpected trailing byte(s)")]
    [InlineData("20 02 02 00", "ConnAck: reserved acknowledge flag bits set (0x02)")]
    [InlineData("20 02 00 06", "ConnAck: unknown return code 6")]
    [InlineData("40 02 00 00", "PubAck: packet identifier 0")]
    [InlineData("90 03 00 01 03", "SubAck: unknown SUBACK return code 0x03")]
    [InlineData("90 02 00 01", "SubAck: SUBACK without any return code")]
    [InlineData("D0 01 00", "PingResp: PINGRESP has 1 unexpected trailing byte(s)")]
    [InlineData("82 06 00 01 00 01 23 05", "Subscribe: requested QoS byte 0x05 is invalid")]
    [InlineData("82 07 00 01 00 02 61 23 00", "Subscribe: topic filter 'a#' uses # other than as the whole last level")]
    public void Wrong_lengths_codes_and_identifiers_are_refused(string hex, string expected) =>
        Assert.Equal(expected, Fault(hex));

    [Theory]
    [InlineData("")]
    [InlineData("30")]
    [InlineData("30 FF")]
    [InlineData("30 05 00 01")]
    public void A_packet_cut_short_on_the_wire_is_incomplete_not_malformed(string hex)
    {
        var bytes = Convert.FromHexString(hex.Replace(" ", ""));
        Assert.Equal(MqttDecodeStatus.Incomplete, MqttPacketDecoder.TryDecode(bytes, 1024, out _, out _, out _));
    }

    [Theory]
    [InlineData("a/b", "a/b", true)]
    [InlineData("a/+", "a/b", true)]
    [InlineData("a/+", "a/b/c", false)]
    [InlineData("a/#", "a", true)]
    [InlineData("a/#", "a/b/c", true)]
    [InlineData("#", "a/b", true)]
    [InlineData("+/+", "a/b", true)]
    [InlineData("+", "/a", false)]
    [InlineData("+/a", "/a", true)]
    [InlineData("a/+/c", "a//c", true)]
    [InlineData("#", "$SYS/x", false)]
    [InlineData("+/x", "$SYS/x", false)]
    [InlineData("$SYS/#", "$SYS/x", true)]
    [InlineData("a/b", "a/b/c", false)]
    [InlineData("a/b/c", "a/b", false)]
    [InlineData("edgetracker/dev1/+/target/set", "edgetracker/dev1/cam0/target/set", true)]
    [InlineData("edgetracker/dev1/+/target/set", "edgetracker/dev1/cam0/target/clear", false)]
    public void Topic_filters_route_with_plus_and_hash(string filter, string topic, bool matches) =>
        Assert.Equal(matches, MqttTopic.Matches(filter, topic));
}
