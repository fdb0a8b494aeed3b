using System.Diagnostics;
using EdgeTracker.Messaging.Mqtt;

namespace EdgeTracker.Tests.Messaging;

/// <summary>
/// Feeds random and mutated packets through the decoder. Properties checked on every input: no exception, an
/// answer for every input (no hang), a consumed length within the input and the size limit, a named fault for every
/// malformed packet, and for every packet accepted: re-encoding it reproduces the exact bytes that were accepted
/// (so the decoder never "fixes up" or misreads anything it lets through).
/// </summary>
public sealed class MqttDecoderFuzzTests
{
    private const int MaxRemaining = 4096;
    private const int Iterations = 500_000;

    private static List<byte[]> Seeds()
    {
        var writer = new MqttBufferWriter();
        byte[] E(MqttPacket p) => MqttPacketEncoder.Encode(p, writer).ToArray();
        var payload = new byte[200];
        new Random(1).NextBytes(payload);
        return
        [
            E(new ConnectPacket("client-1", true, 30)),
            E(new ConnectPacket("c", false, 5, "user", "pw"u8.ToArray(), new MqttWill("dev/status", "offline"u8.ToArray()))),
            E(new ConnAckPacket(true, MqttConnectReturnCode.Accepted)),
            E(new ConnAckPacket(false, MqttConnectReturnCode.NotAuthorized)),
            E(new PublishPacket("edgetracker/dev1/cam0/tracks", payload)),
            E(new PublishPacket("a/b", "x"u8.ToArray(), MqttQos.AtLeastOnce, true, true, 513)),
            E(new PublishPacket("é/ü/日本", Array.Empty<byte>(), MqttQos.AtLeastOnce, PacketId: 1)),
            E(new PacketIdPacket(MqttPacketType.PubAck, 7)),
            E(new PacketIdPacket(MqttPacketType.PubRec, 8)),
            E(new PacketIdPacket(MqttPacketType.PubRel, 9)),
            E(new PacketIdPacket(MqttPacketType.PubComp, 10)),
            E(new PacketIdPacket(MqttPacketType.UnsubAck, 11)),
            E(new SubscribePacket(12, [new MqttSubscription("a/+/c", MqttQos.AtLeastOnce), new MqttSubscription("#", MqttQos.AtMostOnce)])),
            E(new SubAckPacket(12, [1, 0, SubAckPacket.Failure])),
            E(new UnsubscribePacket(13, ["a/+/c", "x/#"])),
            E(EmptyPacket.PingReq),
            E(EmptyPacket.PingResp),
            E(EmptyPacket.Disconnect),
        ];
    }

    private static byte[] Mutate(byte[] seed, Random random, List<byte[]> seeds)
    {
        var bytes = seed.ToList();
        switch (random.Next(9))
        {
            case 0: // pure noise
                var noise = new byte[random.Next(0, 64)];
                random.NextBytes(noise);
                return noise;
            case 1: // flip bits
                for (var i = random.Next(1, 4); i > 0 && bytes.Count > 0; i--)
                    bytes[random.Next(bytes.Count)] ^= (byte)(1 << random.Next(8));
                break;
            case 2: // replace bytes with interesting values
                for (var i = random.Next(1, 4); i > 0 && bytes.Count > 0; i--)
                    bytes[random.Next(bytes.Count)] = new byte[] { 0x00, 0xFF, 0x7F, 0x80, 0xC3, 0xED, 0x2B, 0x23, 0x2F }[random.Next(9)];
                break;
            case 3: // truncate
                if (bytes.Count > 0) bytes.RemoveRange(random.Next(bytes.Count), bytes.Count - random.Next(bytes.Count) - 0 > 0 ? 1 : 0);
                bytes = bytes.Take(random.Next(bytes.Count + 1)).ToList();
                break;
            case 4: // insert random bytes
                for (var i = random.Next(1, 8); i > 0; i--)
                    bytes.Insert(random.Next(bytes.Count + 1), (byte)random.Next(256));
                break;
            case 5: // rewrite the remaining length with a random (possibly huge or multi-byte) value
            {
                var body = bytes.Skip(2).ToList();
                var length = random.Next(3) switch { 0 => random.Next(0, 300), 1 => random.Next(0, MaxRemaining * 2), _ => random.Next(0, MqttLimits.MaxRemainingLength) };
                var header = new byte[5];
                var n = MqttBufferWriter.WriteVariableByteInteger(header, length);
                bytes = new[] { bytes.Count > 0 ? bytes[0] : (byte)0x30 }.Concat(header.Take(n)).Concat(body).ToList();
                break;
            }
            case 6: // change the packet type/flags nibble
                if (bytes.Count > 0) bytes[0] = (byte)random.Next(256);
                break;
            case 7: // splice two seeds
                var other = seeds[random.Next(seeds.Count)];
                bytes = bytes.Take(random.Next(bytes.Count + 1)).Concat(other.Skip(random.Next(other.Length + 1))).ToList();
                break;
            default: // unchanged seed (valid): the accept path must hold too
                break;
        }
        return bytes.ToArray();
    }

    [Fact]
    public void At_least_100000_random_and_mutated_packets_never_throw_hang_or_misread()
    {
        var seeds = Seeds();
        var random = new Random(20261121); // fixed: a failure is reproducible
        var counts = new Dictionary<MqttDecodeStatus, int>();
        var faults = new HashSet<string>();
        var writer = new MqttBufferWriter();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Iterations; i++)
        {
            var input = Mutate(seeds[random.Next(seeds.Count)], random, seeds);
            MqttDecodeStatus status;
            MqttPacket? packet;
            int consumed;
            string? fault;
            try
            {
                status = MqttPacketDecoder.TryDecode(input, MaxRemaining, out packet, out consumed, out fault);
            }
            catch (Exception e)
            {
                Assert.Fail($"input #{i} {Convert.ToHexString(input)} threw {e}");
                return;
            }
            counts[status] = counts.GetValueOrDefault(status) + 1;
            switch (status)
            {
                case MqttDecodeStatus.Complete:
                    Assert.NotNull(packet);
                    Assert.InRange(consumed, 2, input.Length);
                    var again = MqttPacketEncoder.Encode(packet!, writer).ToArray();
                    Assert.True(again.AsSpan().SequenceEqual(input.AsSpan(0, consumed)),
                        $"input #{i}: accepted {Convert.ToHexString(input, 0, consumed)} but re-encodes as {Convert.ToHexString(again)}");
                    break;
                case MqttDecodeStatus.Incomplete:
                    Assert.Null(packet);
                    Assert.True(consumed == 0 || (consumed > input.Length && consumed <= MaxRemaining + 5),
                        $"input #{i}: incomplete with needed length {consumed} for {input.Length} bytes");
                    break;
                case MqttDecodeStatus.Malformed:
                    Assert.Null(packet);
                    Assert.False(string.IsNullOrWhiteSpace(fault), $"input #{i}: malformed without a fault");
                    faults.Add(System.Text.RegularExpressions.Regex.Replace(fault!, "[0-9]+", "N"));
                    break;
            }
        }
        var output = TestContext.Current.TestOutputHelper;
        output?.WriteLine($"{Iterations} inputs in {watch.ElapsedMilliseconds} ms: " + string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}")));
        output?.WriteLine($"{faults.Count} distinct faults, e.g.:\n  " + string.Join("\n  ", faults.Take(40)));
        // The mix must exercise every path, or the fuzz proves little.
        Assert.True(counts.GetValueOrDefault(MqttDecodeStatus.Complete) > Iterations / 20, $"too few accepted: {counts.GetValueOrDefault(MqttDecodeStatus.Complete)}");
        Assert.True(counts.GetValueOrDefault(MqttDecodeStatus.Malformed) > Iterations / 5, $"too few malformed: {counts.GetValueOrDefault(MqttDecodeStatus.Malformed)}");
        Assert.True(counts.GetValueOrDefault(MqttDecodeStatus.Incomplete) > Iterations / 50, $"too few incomplete: {counts.GetValueOrDefault(MqttDecodeStatus.Incomplete)}");
        Assert.True(faults.Count > 25, $"only {faults.Count} distinct faults");
    }

    [Fact]
    public void A_stream_of_mutated_packets_fed_in_random_chunks_is_decoded_until_the_first_fault()
    {
        // The receive path: bytes arrive in arbitrary chunks; decoding resumes where it stopped, and the first
        // fault ends the stream (the connection is closed) — never an exception, never a read past the end.
        var seeds = Seeds();
        var random = new Random(7);
        for (var round = 0; round < 2_000; round++)
        {
            var stream = Enumerable.Range(0, random.Next(1, 12))
                .SelectMany(_ => random.Next(4) == 0 ? Mutate(seeds[random.Next(seeds.Count)], random, seeds) : seeds[random.Next(seeds.Count)])
                .ToArray();
            var buffer = new List<byte>();
            var position = 0;
            var ended = false;
            while (position < stream.Length && !ended)
            {
                var chunk = Math.Min(stream.Length - position, random.Next(1, 40));
                buffer.AddRange(stream.AsSpan(position, chunk).ToArray());
                position += chunk;
                while (true)
                {
                    var status = MqttPacketDecoder.TryDecode(buffer.ToArray(), MaxRemaining, out _, out var consumed, out _);
                    if (status == MqttDecodeStatus.Complete)
                    {
                        buffer.RemoveRange(0, consumed);
                        continue;
                    }
                    ended = status == MqttDecodeStatus.Malformed;
                    break;
                }
            }
        }
    }
}
