using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using EdgeTracker.Messaging.Mqtt;

namespace EdgeTracker.Tests.Messaging;

/// <summary>
/// The client against a scripted peer on loopback TCP: the faults a real broker never produces (malformed packets,
/// silence) — the only place a fake stands in for mosquitto, at the byte level.
/// </summary>
public sealed class MqttClientFaultTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    /// <summary>A TCP listener that hands each accepted connection to the test.</summary>
    private sealed class ScriptedPeer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

        public ScriptedPeer() => _listener.Start();

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public async Task<(Socket Socket, MqttPacket Connect)> AcceptAsync()
        {
            var socket = await _listener.AcceptSocketAsync().WaitAsync(Long);
            var buffer = new List<byte>();
            var chunk = new byte[512];
            while (true)
            {
                var status = MqttPacketDecoder.TryDecode(buffer.ToArray(), 65536, out var packet, out _, out var fault);
                if (status == MqttDecodeStatus.Complete) return (socket, packet!);
                Assert.NotEqual(MqttDecodeStatus.Malformed, status);
                var read = await socket.ReceiveAsync(chunk.AsMemory()).AsTask().WaitAsync(Long);
                Assert.True(read > 0, "client closed before sending CONNECT");
                buffer.AddRange(chunk.AsSpan(0, read).ToArray());
            }
        }

        public void Dispose() => _listener.Stop();
    }

    private static MqttClientOptions Options(int port) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        ClientId = "fault-test",
        ConnectTimeout = TimeSpan.FromSeconds(20),
        ReconnectMinDelay = TimeSpan.FromMilliseconds(100),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
        MaxPacketSize = 4096,
    };

    [Fact]
    public async Task A_malformed_CONNACK_fails_the_connect_with_the_fault_named()
    {
        using var peer = new ScriptedPeer();
        await using var client = new MqttClient(Options(peer.Port));
        var connecting = client.ConnectAsync(TestContext.Current.CancellationToken);
        var (socket, connect) = await peer.AcceptAsync();
        using (socket)
        {
            Assert.Equal("fault-test", Assert.IsType<ConnectPacket>(connect).ClientId);
            await socket.SendAsync(Convert.FromHexString("20020009"));
            var error = await Assert.ThrowsAsync<MqttConnectException>(() => connecting.WaitAsync(Long, TestContext.Current.CancellationToken));
            Assert.Contains("unknown return code 9", error.Message);
        }
    }

    [Fact]
    public async Task An_oversized_packet_closes_the_connection_with_the_fault_named_and_the_client_reconnects()
    {
        using var peer = new ScriptedPeer();
        await using var client = new MqttClient(Options(peer.Port));
        var disconnected = Channel.CreateUnbounded<MqttDisconnectedEventArgs>();
        client.Disconnected += (_, e) => disconnected.Writer.TryWrite(e);
        var connecting = client.ConnectAsync(TestContext.Current.CancellationToken);
        var (first, _) = await peer.AcceptAsync();
        using (first)
        {
            await first.SendAsync(Convert.FromHexString("20020000"));
            await connecting.WaitAsync(Long, TestContext.Current.CancellationToken);
            // A PUBLISH announcing 256 MB: refused from the header, before any body byte is awaited or buffered.
            await first.SendAsync(Convert.FromHexString("30FFFFFF7F"));
            var lost = await disconnected.Reader.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Long, TestContext.Current.CancellationToken);
            Assert.Equal("protocol violation: Publish: remaining length 268435455 exceeds the maximum packet size 4096", lost.Reason);
            Assert.IsType<MqttProtocolException>(lost.Exception);
            Assert.Equal(1, client.GetCounters().ProtocolErrors);
        }
        var (second, connect) = await peer.AcceptAsync();
        using (second)
        {
            Assert.IsType<ConnectPacket>(connect);
            Assert.Equal(1, client.GetCounters().ProtocolErrors);
        }
    }

    [Fact]
    public async Task A_silent_broker_is_detected_by_the_ping_timeout()
    {
        using var peer = new ScriptedPeer();
        await using var client = new MqttClient(Options(peer.Port) with { KeepAlive = TimeSpan.FromSeconds(1), PingTimeout = TimeSpan.FromSeconds(1) });
        var disconnected = Channel.CreateUnbounded<MqttDisconnectedEventArgs>();
        client.Disconnected += (_, e) => disconnected.Writer.TryWrite(e);
        var connecting = client.ConnectAsync(TestContext.Current.CancellationToken);
        var (socket, _) = await peer.AcceptAsync();
        using (socket)
        {
            await socket.SendAsync(Convert.FromHexString("20020000"));
            await connecting.WaitAsync(Long, TestContext.Current.CancellationToken);
            // The peer reads (so TCP stays healthy) but never answers PINGREQ.
            var lost = await disconnected.Reader.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Long, TestContext.Current.CancellationToken);
            Assert.StartsWith("ping timeout", lost.Reason);
        }
    }

    [Fact]
    public async Task While_disconnected_QoS_0_is_dropped_oldest_first_and_QoS_1_is_refused_when_full_both_counted()
    {
        await using var client = new MqttClient(Options(1) with { QueueCapacity = 3, ReliableQueueCapacity = 2 });
        for (var i = 0; i < 5; i++)
        {
            Assert.True(client.TryEnqueue("t/tracks", [(byte)i], MqttQos.AtMostOnce));
        }
        Assert.True(client.TryEnqueue("t/events", [1], MqttQos.AtLeastOnce));
        Assert.True(client.TryEnqueue("t/events", [2], MqttQos.AtLeastOnce));
        Assert.False(client.TryEnqueue("t/events", [3], MqttQos.AtLeastOnce));
        var counters = client.GetCounters();
        Assert.Equal(3, counters.QueueDepth);
        Assert.Equal(2, counters.Dropped);
        Assert.Equal(2, counters.ReliableQueueDepth);
        Assert.Equal(1, counters.ReliableRefused);
        Assert.Equal(MqttConnectionState.Disconnected, client.State);

        await client.DisposeAsync();
        Assert.Equal(MqttConnectionState.Disposed, client.State);
        Assert.False(client.TryEnqueue("t/tracks", [9], MqttQos.AtMostOnce));
        Assert.Equal(0, client.GetCounters().QueueDepth);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.ConnectAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Disposing_never_hangs_on_a_handler_that_awaits_a_PUBACK_which_will_not_come()
    {
        using var peer = new ScriptedPeer();
        var client = new MqttClient(Options(peer.Port));
        var handlerEntered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handlerOutcome = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.SubscribeAsync("cmd", async _ =>
        {
            handlerEntered.TrySetResult();
            try
            {
                await client.PublishAsync("reply", "r"u8.ToArray(), MqttQos.AtLeastOnce, cancellationToken: TestContext.Current.CancellationToken);
                handlerOutcome.TrySetResult(null);
            }
            catch (Exception e)
            {
                handlerOutcome.TrySetResult(e);
            }
        }, cancellationToken: TestContext.Current.CancellationToken);
        var connecting = client.ConnectAsync(TestContext.Current.CancellationToken);
        var (socket, _) = await peer.AcceptAsync();
        using (socket)
        {
            await socket.SendAsync(Convert.FromHexString("20020000"));
            // SUBSCRIBE arrives; acknowledge it (packet id 1), then deliver a command and never acknowledge the reply.
            var buffer = new byte[256];
            await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, TestContext.Current.CancellationToken).AsTask().WaitAsync(Long, TestContext.Current.CancellationToken);
            await socket.SendAsync(Convert.FromHexString("9003000101"));
            await connecting.WaitAsync(Long, TestContext.Current.CancellationToken);
            await socket.SendAsync(Convert.FromHexString("3005000363 6D64".Replace(" ", "")));
            await handlerEntered.Task.WaitAsync(Long, TestContext.Current.CancellationToken);

            await client.DisposeAsync().AsTask().WaitAsync(Long, TestContext.Current.CancellationToken);
            Assert.IsType<ObjectDisposedException>(await handlerOutcome.Task.WaitAsync(Long, TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public async Task Programming_errors_in_a_publish_are_refused_at_the_call()
    {
        await using var client = new MqttClient(Options(1) with { MaxPacketSize = 1024 });
        Assert.Throws<ArgumentOutOfRangeException>(() => client.TryEnqueue("t", [1], (MqttQos)2));
        Assert.Throws<ArgumentException>(() => client.TryEnqueue("t", new byte[1025], MqttQos.AtMostOnce));
        Assert.Contains("contains a wildcard", Assert.Throws<ArgumentException>(() => client.TryEnqueue("a/#", [1], MqttQos.AtLeastOnce)).Message);
        Assert.Contains("is empty", Assert.Throws<ArgumentException>(() => client.TryEnqueue("", [1], MqttQos.AtLeastOnce)).Message);
        Assert.Contains("longer than 65535", Assert.Throws<ArgumentException>(() => client.TryEnqueue(new string('é', 40_000), [1], MqttQos.AtLeastOnce)).Message);
        Assert.Equal(0, client.GetCounters().ReliableQueueDepth);
        await Assert.ThrowsAsync<ArgumentException>(() => client.PublishAsync("a/+", new byte[1], cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Reconnect_delays_grow_exponentially_with_jitter_up_to_the_maximum()
    {
        var closedPort = ((Func<int>)(() => { using var l = new TcpListener(IPAddress.Loopback, 0); l.Start(); return ((IPEndPoint)l.LocalEndpoint).Port; }))();
        await using var client = new MqttClient(Options(closedPort) with
        {
            ReconnectMinDelay = TimeSpan.FromMilliseconds(20), ReconnectMaxDelay = TimeSpan.FromMilliseconds(160), ReconnectJitter = 0.5,
        });
        var delays = Channel.CreateUnbounded<MqttReconnectingEventArgs>();
        client.Reconnecting += (_, e) => delays.Writer.TryWrite(e);
        client.Start();
        var seen = new List<MqttReconnectingEventArgs>();
        for (var i = 0; i < 7; i++)
        {
            seen.Add(await delays.Reader.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Long, TestContext.Current.CancellationToken));
        }
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], seen.Select(e => e.Attempt));
        Assert.All(seen, e => Assert.IsType<MqttConnectException>(e.LastError));
        Assert.Contains("cannot reach the MQTT broker", seen[0].LastError!.Message);
        for (var i = 0; i < seen.Count; i++)
        {
            // retry n: base = min(max, min * 2^(n-1)); delay in [base * (1 - jitter), base]
            var baseMs = Math.Min(160, 20 * Math.Pow(2, i));
            Assert.InRange(seen[i].Delay.TotalMilliseconds, baseMs * 0.5 - 0.001, baseMs + 0.001);
        }
    }

    [Fact]
    public async Task A_missing_TLS_file_is_named_before_any_connection_is_tried()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-ca-" + Guid.NewGuid().ToString("N") + ".crt");
        await using var client = new MqttClient(Options(1) with { Tls = new MqttTlsOptions { CaFile = missing } });
        var error = await Assert.ThrowsAsync<MqttConnectException>(() => client.ConnectAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith($"TLS CA file '{missing}' cannot be loaded:", error.Message);
    }

    [Fact]
    public void Options_are_validated_with_the_offending_setting_named()
    {
        var error = Assert.Throws<ArgumentException>(() => new MqttClient(Options(70000)));
        Assert.Contains("Port must be 1..65535, got 70000", error.Message);
        error = Assert.Throws<ArgumentException>(() => new MqttClient(Options(1883) with { Password = "x" }));
        Assert.Contains("Password needs a UserName", error.Message);
        error = Assert.Throws<ArgumentException>(() => new MqttClient(Options(1883) with { Will = new MqttWill("a/#", default) }));
        Assert.Contains("Will topic contains a wildcard", error.Message);
    }
}
