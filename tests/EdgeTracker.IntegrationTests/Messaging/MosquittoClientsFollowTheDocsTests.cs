using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using EdgeTracker.Messaging.Contract;
using EdgeTracker.Messaging.Mqtt;

namespace EdgeTracker.IntegrationTests.Messaging;

/// <summary>
/// A third-party client (mosquitto_pub / mosquitto_sub) runs the shell session of docs/mqtt.md — the very
/// command lines, read from the document, with only host and port changed — against a device built on our
/// client and contract, and prints exactly the replies and events the document shows.
/// </summary>
public sealed class MosquittoClientsFollowTheDocsTests
{
    private static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Edge.sln"))) return dir.FullName;
            throw new InvalidOperationException($"no Edge.sln above {AppContext.BaseDirectory}");
        }
    }

    /// <summary>The minimal device side: what the daemon's command handler will do, on the public API.</summary>
    private sealed class MiniDevice : IAsyncDisposable
    {
        private readonly TopicMap _topics = new("dev1");
        private readonly HashSet<string> _targets = new();
        private readonly ContractWriter _json = new();
        public MqttClient Client { get; }

        public MiniDevice(MosquittoBroker broker)
        {
            Client = new MqttClient(new MqttClientOptions
            {
                Host = broker.Host, Port = broker.Port, ClientId = "edgetracker-dev1", CleanSession = false,
                ConnectTimeout = TimeSpan.FromSeconds(20),
                Will = new MqttWill(_topics.Status, "offline"u8.ToArray(), MqttQos.AtLeastOnce, Retain: true),
            });
        }

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            foreach (var filter in _topics.CommandFilters)
                await Client.SubscribeAsync(filter, OnCommandAsync, MqttQos.AtLeastOnce, cancellationToken);
            await Client.ConnectAsync(cancellationToken);
            await Client.PublishAsync(_topics.Status, "online"u8.ToArray(), MqttQos.AtLeastOnce, retain: true, cancellationToken);
        }

        private async ValueTask OnCommandAsync(MqttMessage message)
        {
            if (!_topics.TryParseCommandTopic(message.Topic, out var kind, out var camera)) return;
            var parsed = CommandParser.Parse(kind, camera, message.Payload.Span);
            var now = DateTimeOffset.UtcNow;
            Reply reply;
            switch (parsed.Request)
            {
                case null:
                    reply = Reply.Failure(parsed.Error!);
                    break;
                case TargetSetRequest set:
                    if (!set.TryResolvePixels(640, 480, out _, out var outside))
                    {
                        reply = Reply.Failure(outside!);
                        break;
                    }
                    var id = set.Id ?? $"t{_targets.Count + 1}";
                    _targets.Add(id);
                    reply = Reply.Success(set.RequestId, id, set.Frame);
                    Client.TryEnqueue(_topics.Camera(set.Camera).Events, _json.Write(new EventMessage(set.Camera, EventType.TargetAcquired, now, id, set.Frame, set.Label)), MqttQos.AtLeastOnce);
                    break;
                case TargetClearRequest clear:
                    foreach (var id2 in _targets.Where(t => clear.Id is null || t == clear.Id).ToList())
                    {
                        _targets.Remove(id2);
                        Client.TryEnqueue(_topics.Camera(clear.Camera).Events, _json.Write(new EventMessage(clear.Camera, EventType.TargetCleared, now, id2)), MqttQos.AtLeastOnce);
                    }
                    reply = Reply.Success(clear.RequestId);
                    break;
                default:
                    reply = Reply.Success(parsed.Request.RequestId);
                    break;
            }
            await Client.PublishAsync(_topics.Reply, ContractJson.Serialize(reply), MqttQos.AtLeastOnce);
        }

        public ValueTask DisposeAsync() => Client.DisposeAsync();
    }

    /// <summary>Splits a shell line into words, honouring single quotes (all the document uses).</summary>
    private static List<string> Words(string line)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        var inWord = false;
        foreach (var c in line)
        {
            if (c == '\'') { quoted = !quoted; inWord = true; continue; }
            if (char.IsWhiteSpace(c) && !quoted)
            {
                if (inWord) words.Add(current.ToString());
                current.Clear();
                inWord = false;
                continue;
            }
            current.Append(c);
            inWord = true;
        }
        Assert.False(quoted, $"unbalanced quote in: {line}");
        if (inWord) words.Add(current.ToString());
        return words;
    }

    private static string Section(string doc, string marker)
    {
        var start = doc.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(start >= 0, $"docs/mqtt.md lacks {marker}");
        var open = doc.IndexOf("```", start, StringComparison.Ordinal);
        var bodyStart = doc.IndexOf('\n', open) + 1;
        var close = doc.IndexOf("```", bodyStart, StringComparison.Ordinal);
        return doc[bodyStart..close];
    }

    private static List<string> Localise(List<string> words, MosquittoBroker broker)
    {
        var host = words.IndexOf("-h");
        Assert.True(host >= 0 && words[host + 1] == "localhost", string.Join(' ', words));
        words[host + 1] = broker.Host;
        words.Insert(host + 2, "-p");
        words.Insert(host + 3, broker.Port.ToString());
        return words;
    }

    /// <summary>A long-running mosquitto_sub: started with -d so "received SUBACK" tells when it listens.</summary>
    private sealed class Subscriber
    {
        private readonly Process _process;
        private readonly List<string> _payloads = new();
        private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly StringBuilder _all = new();

        public Subscriber(List<string> words, int count)
        {
            // stdbuf -oL: mosquitto_sub's stdout is a pipe here, fully buffered otherwise — lines would come late.
            var info = new ProcessStartInfo("stdbuf", new[] { "-oL" }.Concat(words).Concat(["-d", "-C", count.ToString(), "-W", "90"]))
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            _process = Process.Start(info)!;
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (_all) _all.AppendLine(e.Data);
                if (e.Data.Contains("received SUBACK", StringComparison.Ordinal)) _subscribed.TrySetResult();
                else if (!e.Data.StartsWith("Client ", StringComparison.Ordinal) && !e.Data.StartsWith("Subscribed ", StringComparison.Ordinal))
                    lock (_payloads) _payloads.Add(e.Data);
            };
            _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_all) _all.AppendLine("stderr: " + e.Data); };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public Task Subscribed => Wait.ForAsync(_subscribed.Task, "mosquitto_sub's SUBACK");

        public string Output { get { lock (_all) return _all.ToString(); } }

        public async Task<List<string>> ResultAsync()
        {
            await Wait.ForAsync(_process.WaitForExitAsync(), "mosquitto_sub to receive every message: " + Output, TimeSpan.FromSeconds(100));
            Assert.True(_process.ExitCode == 0, $"mosquitto_sub exited with {_process.ExitCode}: {Output}");
            lock (_payloads) return _payloads.ToList();
        }
    }

    [Fact]
    public async Task The_shell_session_of_docs_mqtt_md_gives_the_documented_output()
    {
        var doc = File.ReadAllText(Path.Combine(RepoRoot, "docs", "mqtt.md"));
        var commands = Section(doc, "<!-- shell-example:start -->").Split('\n')
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(Words).ToList();
        var expectedReplies = Section(doc, "<!-- shell-output:replies -->").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var expectedEvents = Section(doc, "<!-- shell-output:events -->").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, commands.Count);

        await using var broker = await MosquittoBroker.StartAsync();
        await using var device = new MiniDevice(broker);
        await device.StartAsync(TestContext.Current.CancellationToken);

        // 1. status (retained, -C 1 in the document: it ends by itself)
        var status = Localise(commands[0], broker);
        var (code, output, error) = await MosquittoBroker.RunToolAsync(status[0], status.Skip(1).Concat(["-W", "60"]), Wait.Long);
        Assert.True(code == 0, error);
        Assert.Equal("online", output.Trim());

        // 2. the two listening terminals
        var replies = new Subscriber(Localise(commands[1], broker), expectedReplies.Length);
        var events = new Subscriber(Localise(commands[2], broker), expectedEvents.Length);
        await replies.Subscribed;
        await events.Subscribed;

        // 3. the commands, in order
        foreach (var publish in commands.Skip(3))
        {
            var words = Localise(publish, broker);
            Assert.Equal("mosquitto_pub", words[0]);
            (code, _, error) = await MosquittoBroker.RunToolAsync(words[0], words.Skip(1), Wait.Long);
            Assert.True(code == 0, error);
        }

        Assert.Equal(expectedReplies, await replies.ResultAsync());
        static string NoTime(string json) => Regex.Replace(json, "\"time\":\"[^\"]*\"", "\"time\":\"…\"");
        var received = await events.ResultAsync();
        Assert.Equal(expectedEvents.Select(NoTime), received.Select(NoTime));
        Assert.All(received, e => Assert.Matches("\"time\":\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z\"", e));
    }
}
