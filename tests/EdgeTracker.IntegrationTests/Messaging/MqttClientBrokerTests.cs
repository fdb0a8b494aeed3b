using System.Text;
using EdgeTracker.Messaging.Mqtt;

namespace EdgeTracker.IntegrationTests.Messaging;

/// <summary>Our MQTT client against a real mosquitto started per test on a free loopback port.</summary>
public sealed class MqttClientBrokerTests
{
    private static MqttClientOptions Options(MosquittoBroker broker, string clientId) => new()
    {
        Host = broker.Host,
        Port = broker.Port,
        ClientId = clientId,
        KeepAlive = TimeSpan.FromSeconds(5),
        ConnectTimeout = TimeSpan.FromSeconds(20),
        ReconnectMinDelay = TimeSpan.FromMilliseconds(200),
        ReconnectMaxDelay = TimeSpan.FromSeconds(1),
    };

    [Fact]
    public async Task Messages_round_trip_at_QoS_0_and_QoS_1()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var subscriber = new MqttClient(Options(broker, "sub"));
        var received = new MessageCollector();
        await subscriber.SubscribeAsync("rt/+/data", received.Handle, MqttQos.AtLeastOnce, TestContext.Current.CancellationToken);
        await subscriber.ConnectAsync(TestContext.Current.CancellationToken);

        await using var publisher = new MqttClient(Options(broker, "pub"));
        await publisher.ConnectAsync(TestContext.Current.CancellationToken);
        await publisher.PublishAsync("rt/a/data", "qos1"u8.ToArray(), MqttQos.AtLeastOnce, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(publisher.TryEnqueue("rt/b/data", "qos0"u8, MqttQos.AtMostOnce));
        await publisher.PublishAsync("rt/c/other", "not routed"u8.ToArray(), MqttQos.AtLeastOnce, cancellationToken: TestContext.Current.CancellationToken);

        await received.WaitForCountAsync(2, "both round trips");
        var byTopic = received.Messages.ToDictionary(m => m.Topic);
        Assert.Equal("qos1", byTopic["rt/a/data"].PayloadAsString());
        Assert.Equal(MqttQos.AtLeastOnce, byTopic["rt/a/data"].Qos);
        Assert.Equal("qos0", byTopic["rt/b/data"].PayloadAsString());
        Assert.Equal(MqttQos.AtMostOnce, byTopic["rt/b/data"].Qos);

        var counters = publisher.GetCounters();
        Assert.Equal(3, counters.MessagesSent);
        Assert.Equal(0, counters.InFlight);
        Assert.True(subscriber.GetCounters().MessagesReceived >= 2);
    }

    [Fact]
    public async Task The_last_will_is_published_when_the_connection_dies_without_DISCONNECT()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var watcher = new MqttClient(Options(broker, "watcher"));
        var status = new MessageCollector();
        await watcher.SubscribeAsync("dev1/status", status.Handle, MqttQos.AtLeastOnce, TestContext.Current.CancellationToken);
        await watcher.ConnectAsync(TestContext.Current.CancellationToken);

        var options = Options(broker, "dev1") with
        {
            Will = new MqttWill("dev1/status", "offline"u8.ToArray(), MqttQos.AtLeastOnce, Retain: true),
            ReconnectMinDelay = TimeSpan.FromMinutes(5), // stay dead after the abort
            ReconnectMaxDelay = TimeSpan.FromMinutes(5),
            ReconnectJitter = 0,
        };
        await using var device = new MqttClient(options);
        var deviceEvents = new ClientEvents(device);
        await device.ConnectAsync(TestContext.Current.CancellationToken);
        await device.PublishAsync("dev1/status", "online"u8.ToArray(), MqttQos.AtLeastOnce, retain: true, TestContext.Current.CancellationToken);
        await status.WaitForCountAsync(1, "online");

        device.AbortConnection();
        await deviceEvents.NextDisconnectedAsync();
        await status.WaitForCountAsync(2, "the will");
        Assert.Equal(["online", "offline"], status.Messages.Select(m => m.PayloadAsString()));

        // Retained: a dashboard connecting later sees "offline".
        var (code, output, error) = await MosquittoBroker.RunToolAsync("mosquitto_sub",
            ["-h", broker.Host, "-p", broker.Port.ToString(), "-t", "dev1/status", "-C", "1", "-W", "20"], Wait.Long);
        Assert.True(code == 0, error);
        Assert.Equal("offline", output.Trim());
    }

    [Fact]
    public async Task A_broker_outage_of_10_s_loses_no_QoS_1_event_and_subscriptions_are_restored()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        // The receiver keeps a persistent session, so the broker (which saves it at SIGTERM) queues events for it
        // even if our publisher reconnects first.
        var receiverOptions = Options(broker, "receiver") with { CleanSession = false };
        await using var receiver = new MqttClient(receiverOptions);
        var events = new MessageCollector();
        await receiver.SubscribeAsync("outage/events", events.Handle, MqttQos.AtLeastOnce, TestContext.Current.CancellationToken);
        await receiver.ConnectAsync(TestContext.Current.CancellationToken);

        // The device uses a clean session: its command subscription survives only because the client re-sends it.
        await using var device = new MqttClient(Options(broker, "device") with { QueueCapacity = 10 });
        var deviceEvents = new ClientEvents(device);
        var commands = new MessageCollector();
        await device.SubscribeAsync("outage/commands/#", commands.Handle, MqttQos.AtLeastOnce, TestContext.Current.CancellationToken);
        await device.ConnectAsync(TestContext.Current.CancellationToken);
        await deviceEvents.NextConnectedAsync();

        const int before = 5, during = 50;
        for (var i = 0; i < before; i++)
        {
            Assert.True(device.TryEnqueue("outage/events", Encoding.UTF8.GetBytes($"e{i}"), MqttQos.AtLeastOnce));
        }
        await events.WaitForCountAsync(before, "events before the outage");

        await broker.StopAsync();
        var lost = await deviceEvents.NextDisconnectedAsync();
        for (var i = before; i < before + during; i++)
        {
            Assert.True(device.TryEnqueue("outage/events", Encoding.UTF8.GetBytes($"e{i}"), MqttQos.AtLeastOnce));
        }
        for (var i = 0; i < 25; i++)
        {
            Assert.True(device.TryEnqueue("outage/tracks", [(byte)i], MqttQos.AtMostOnce));
        }
        Assert.Equal(during, device.GetCounters().ReliableQueueDepth);
        Assert.Equal(10, device.GetCounters().QueueDepth);
        Assert.Equal(15, device.GetCounters().Dropped); // tracks: the oldest went, the newest 10 wait
        await Task.Delay(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken); // the outage itself, not a synchronisation
        await broker.StartAsync();

        var back = await deviceEvents.NextConnectedAsync();
        Assert.True(back.IsReconnect);
        // At least once: a duplicate is allowed, a gap or a reordering is not.
        await events.WaitForAsync(m => m.Select(x => x.PayloadAsString()).Distinct().Count() >= before + during, "every event published during the outage");
        Assert.Equal(Enumerable.Range(0, before + during).Select(i => $"e{i}"), events.Messages.Select(m => m.PayloadAsString()).Distinct());

        await receiver.PublishAsync("outage/commands/cam0", "after"u8.ToArray(), MqttQos.AtLeastOnce, cancellationToken: TestContext.Current.CancellationToken);
        await commands.WaitForCountAsync(1, "a command after the restart (resubscribed)");
        var counters = device.GetCounters();
        Assert.True(counters.Reconnects >= 1, $"reconnects {counters.Reconnects}; {deviceEvents.History}");
        Assert.Equal(0, counters.ReliableQueueDepth);
        Assert.Equal(0, counters.ReliableRefused);
        Assert.False(string.IsNullOrEmpty(lost.Reason));
    }

    [Fact]
    public async Task A_persistent_session_receives_a_command_sent_while_the_client_was_away()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var options = Options(broker, "persistent-dev") with { CleanSession = false };
        await using (var first = new MqttClient(options))
        {
            await first.SubscribeAsync("away/cmd", _ => ValueTask.CompletedTask, MqttQos.AtLeastOnce, TestContext.Current.CancellationToken);
            await first.ConnectAsync(TestContext.Current.CancellationToken);
        }

        var (code, _, error) = await MosquittoBroker.RunToolAsync("mosquitto_pub",
            ["-h", broker.Host, "-p", broker.Port.ToString(), "-t", "away/cmd", "-q", "1", "-m", "sent while away"], Wait.Long);
        Assert.True(code == 0, error);

        await using var second = new MqttClient(options);
        var received = new MessageCollector();
        var events = new ClientEvents(second);
        await second.SubscribeAsync("away/cmd", received.Handle, MqttQos.AtLeastOnce, TestContext.Current.CancellationToken);
        await second.ConnectAsync(TestContext.Current.CancellationToken);
        Assert.True((await events.NextConnectedAsync()).SessionPresent);
        await received.WaitForCountAsync(1, "the command sent while away");
        Assert.Equal("sent while away", received.Messages[0].PayloadAsString());
    }

    [Fact]
    public async Task A_wrong_password_is_refused_with_a_clear_error()
    {
        // mosquitto_passwd writes the hashed password file the broker reads.
        await using var broker = await MosquittoBroker.StartAsync("password_file {dir}/passwords", allowAnonymous: false,
            prepare: async dir =>
            {
                var (code, _, error) = await MosquittoBroker.RunToolAsync("mosquitto_passwd",
                    ["-b", "-c", Path.Combine(dir, "passwords"), "edge", "right-password"], Wait.Long);
                Assert.True(code == 0, error);
            });

        await using var good = new MqttClient(Options(broker, "good") with { UserName = "edge", Password = "right-password" });
        await good.ConnectAsync(TestContext.Current.CancellationToken);
        Assert.Equal(MqttConnectionState.Connected, good.State);

        await using var bad = new MqttClient(Options(broker, "bad") with { UserName = "edge", Password = "wrong" });
        var error = await Assert.ThrowsAsync<MqttConnectException>(() => bad.ConnectAsync(TestContext.Current.CancellationToken));
        // mosquitto 2.0 answers a wrong password with 5 (not authorised), not 4.
        Assert.Equal(MqttConnectReturnCode.NotAuthorized, error.ReturnCode);
        Assert.Equal($"the MQTT broker at 127.0.0.1:{broker.Port} refused the connection: not authorised (wrong user name or password, or access denied) (CONNACK return code 5)", error.Message);
        Assert.Equal(MqttConnectionState.Disconnected, bad.State);
    }

    [Fact]
    public async Task Subscriptions_added_and_removed_while_connected_take_effect_at_once()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var client = new MqttClient(Options(broker, "live"));
        await client.ConnectAsync(TestContext.Current.CancellationToken);
        var first = new MessageCollector();
        var second = new MessageCollector();
        await client.SubscribeAsync("live/+/a", first.Handle, MqttQos.AtLeastOnce, TestContext.Current.CancellationToken);
        await client.SubscribeAsync("live/#", second.Handle, MqttQos.AtMostOnce, TestContext.Current.CancellationToken);
        await client.PublishAsync("live/x/a", "1"u8.ToArray(), MqttQos.AtLeastOnce, cancellationToken: TestContext.Current.CancellationToken);
        await first.WaitForCountAsync(1, "the first filter");
        await second.WaitForCountAsync(1, "the overlapping filter");

        await client.UnsubscribeAsync("live/+/a", TestContext.Current.CancellationToken);
        await client.PublishAsync("live/x/a", "2"u8.ToArray(), MqttQos.AtLeastOnce, cancellationToken: TestContext.Current.CancellationToken);
        await second.WaitForCountAsync(2, "the remaining filter");
        Assert.Single(first.Messages);
        Assert.Equal(["1", "2"], second.Messages.Select(m => m.PayloadAsString()));

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => client.SubscribeAsync("a/#/b", first.Handle, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("uses # other than as the whole last level", refused.Message);
    }

    [Fact]
    public async Task Ten_thousand_QoS_1_events_arrive_complete_and_in_order()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var receiver = new MqttClient(Options(broker, "bulk-receiver"));
        var received = new MessageCollector();
        await receiver.SubscribeAsync("bulk/events", received.Handle, MqttQos.AtLeastOnce, TestContext.Current.CancellationToken);
        await receiver.ConnectAsync(TestContext.Current.CancellationToken);
        await using var sender = new MqttClient(Options(broker, "bulk-sender") with { ReliableQueueCapacity = 20_000 });
        await sender.ConnectAsync(TestContext.Current.CancellationToken);

        const int count = 10_000;
        var payload = new byte[128];
        var watch = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(payload, i);
            Assert.True(sender.TryEnqueue("bulk/events", payload, MqttQos.AtLeastOnce));
        }
        var enqueued = watch.Elapsed;
        await received.WaitForCountAsync(count, "every event");
        var elapsed = watch.Elapsed;
        var order = received.Messages.Select(m => System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(m.Payload.Span)).ToList();
        Assert.Equal(Enumerable.Range(0, count), order);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{count} QoS 1 events of 128 bytes: enqueued in {enqueued.TotalMilliseconds:0} ms, all received in order after {elapsed.TotalMilliseconds:0} ms ({count / elapsed.TotalSeconds:0} msg/s, loopback, in-flight window 32)");
    }

    [Fact]
    public async Task A_connection_killed_mid_stream_loses_no_QoS_1_event_in_flight()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var receiver = new MqttClient(Options(broker, "stream-receiver"));
        var received = new MessageCollector();
        await receiver.SubscribeAsync("stream/events", received.Handle, MqttQos.AtLeastOnce, TestContext.Current.CancellationToken);
        await receiver.ConnectAsync(TestContext.Current.CancellationToken);
        await using var sender = new MqttClient(Options(broker, "stream-sender"));
        var senderEvents = new ClientEvents(sender);
        await sender.ConnectAsync(TestContext.Current.CancellationToken);
        await senderEvents.NextConnectedAsync();

        const int count = 3_000;
        for (var i = 0; i < count; i++)
        {
            Assert.True(sender.TryEnqueue("stream/events", BitConverter.GetBytes(i), MqttQos.AtLeastOnce));
        }
        await received.WaitForCountAsync(100, "the stream to start");
        var inFlightAtAbort = sender.GetCounters().InFlight;
        sender.AbortConnection(); // as a crash of the link would: unacknowledged messages must be re-sent
        await senderEvents.NextDisconnectedAsync();
        Assert.True((await senderEvents.NextConnectedAsync()).IsReconnect);

        await received.WaitForAsync(m => m.Select(x => BitConverter.ToInt32(x.Payload.Span)).Distinct().Count() >= count, "every event after the abort");
        var firstOccurrences = received.Messages.Select(m => BitConverter.ToInt32(m.Payload.Span)).Distinct().ToList();
        Assert.Equal(Enumerable.Range(0, count), firstOccurrences);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"aborted with {inFlightAtAbort} in flight; {received.Messages.Count - count} duplicate(s) delivered (at least once), none lost, order kept");
    }

    [Fact]
    public async Task A_client_started_before_its_broker_connects_when_it_appears_and_delivers_what_was_queued()
    {
        var port = MosquittoBroker.FreePort();
        var options = new MqttClientOptions
        {
            Host = "127.0.0.1", Port = port, ClientId = "early-bird", ConnectTimeout = TimeSpan.FromSeconds(20),
            ReconnectMinDelay = TimeSpan.FromMilliseconds(100), ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
        };
        await using var device = new MqttClient(options);
        var events = new ClientEvents(device);
        var reconnecting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        device.Reconnecting += (_, _) => reconnecting.TrySetResult();
        device.Start();
        for (var i = 0; i < 3; i++)
        {
            Assert.True(device.TryEnqueue("early/events", [(byte)i], MqttQos.AtLeastOnce));
        }
        await Wait.ForAsync(reconnecting.Task, "a failed first attempt (no broker yet)");
        Assert.NotEqual(MqttConnectionState.Connected, device.State);

        await using var broker = await MosquittoBroker.StartAsync(port: port);
        // Delivery is proven by the broker's PUBACKs (MessagesSent counts acknowledged QoS 1 messages).
        Assert.False((await events.NextConnectedAsync()).IsReconnect);
        await Wait.ForAsync(Task.Run(async () =>
        {
            while (device.GetCounters().ReliableQueueDepth > 0) await Task.Delay(20, TestContext.Current.CancellationToken);
        }, TestContext.Current.CancellationToken), "the queued events to be acknowledged");
        Assert.Equal(3, device.GetCounters().MessagesSent);
    }
}
