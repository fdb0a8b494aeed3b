using System.Diagnostics;
using System.Threading.Channels;
using EdgeTracker.Hosting.Commands;
using EdgeTracker.Hosting.Configuration;
using EdgeTracker.Hosting.Pipeline;
using EdgeTracker.Messaging.Contract;
using EdgeTracker.Messaging.Mqtt;
using EdgeTracker.Web;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ContractCameraState = EdgeTracker.Messaging.Contract.CameraState;

namespace EdgeTracker.Hosting;

/// <summary>
/// The daemon on MQTT: availability (online, and offline as the last will), the retained state, targets and
/// config, each camera's tracks (QoS 0) and events (QoS 1), snapshots, and the command topics routed to the
/// <see cref="CommandHandler"/> with every reply on the reply topic. Publishing runs on its own tasks reading
/// the pipelines' bounded queues; the MQTT client queues without blocking, so a slow broker never reaches tracking.
/// </summary>
public sealed class MqttBridge : BackgroundService, IBrokerStatus, ISnapshotPublisher
{
    private static readonly byte[] Online = "online"u8.ToArray();
    private static readonly byte[] Offline = "offline"u8.ToArray();
    private volatile bool _stopping;
    private readonly MqttOptions _options;
    private readonly DaemonState _state;
    private readonly CommandHandler _handler;
    private readonly PreviewRegistry _previews;
    private readonly ILogger<MqttBridge> _logger;
    private readonly TopicMap _topics;
    private readonly MqttClient _client;
    private readonly Channel<MqttMessage> _commands = Channel.CreateBounded<MqttMessage>(
        new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private long _commandsDropped;

    public MqttBridge(EdgeTrackerOptions options, DaemonState state, CommandHandler handler, PreviewRegistry previews, ILoggerFactory loggers)
    {
        _options = options.Mqtt;
        _state = state;
        _handler = handler;
        _previews = previews;
        _logger = loggers.CreateLogger<MqttBridge>();
        _topics = new TopicMap(options.Device.Id, _options.TopicPrefix);
        var clientOptions = new MqttClientOptions
        {
            Host = _options.Host,
            Port = _options.Port,
            ClientId = _options.ClientId.Length > 0 ? _options.ClientId : $"edgetracker-{options.Device.Id}",
            // A persistent session: commands sent while the daemon was away are delivered when it returns.
            CleanSession = false,
            KeepAlive = TimeSpan.FromSeconds(_options.KeepAliveSeconds),
            UserName = _options.Username.Length > 0 ? _options.Username : null,
            Password = _options.Password.Length > 0 ? _options.Password : null,
            Will = new MqttWill(_topics.Status, Offline, MqttQos.AtLeastOnce, Retain: true),
            Tls = _options.UseTls ? new MqttTlsOptions { CaFile = _options.CaFile.Length > 0 ? _options.CaFile : null } : null,
            QueueCapacity = _options.QueueCapacity,
            ReconnectMaxDelay = TimeSpan.FromSeconds(_options.ReconnectMaxSeconds),
        };
        _client = new MqttClient(clientOptions, loggers.CreateLogger<MqttClient>());
        _client.Connected += (_, e) => OnConnected(e.IsReconnect);
        _client.Disconnected += (_, e) =>
        {
            // Our own clean stop is news, not a problem; anything else is worth a warning.
            if (_stopping)
            {
                _logger.LogInformation("MQTT: disconnected from {Host}:{Port} ({Reason}) while stopping", _options.Host, _options.Port, e.Reason);
            }
            else
            {
                _logger.LogWarning("MQTT: disconnected from {Host}:{Port}: {Reason}", _options.Host, _options.Port, e.Reason);
            }
        };
        handler.Snapshots = this;
        handler.Settings.Changed += PublishConfig;
    }

    public TopicMap Topics => _topics;

    public string State => _client.State switch
    {
        MqttConnectionState.Connected => "connected",
        MqttConnectionState.Connecting => "connecting",
        MqttConnectionState.Disposed => "stopped",
        _ => "disconnected",
    };

    public long QueueDepth { get { var c = _client.GetCounters(); return c.QueueDepth + c.ReliableQueueDepth; } }

    public long Dropped { get { var c = _client.GetCounters(); return c.Dropped + c.ReliableRefused + Interlocked.Read(ref _commandsDropped); } }

    public long Reconnects => _client.GetCounters().Reconnects;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _state.Broker = this;
        foreach (var filter in _topics.CommandFilters)
        {
            await _client.SubscribeAsync(filter, OnCommand, MqttQos.AtLeastOnce, stoppingToken).ConfigureAwait(false);
        }
        // Connect in the background: a broker that is down at boot must not keep the cameras from starting.
        _client.Start();
        _logger.LogInformation("MQTT: connecting to {Host}:{Port} as {Root}", _options.Host, _options.Port, _topics.Root);
        await _state.Started.WaitAsync(stoppingToken).ConfigureAwait(false);

        var tasks = new List<Task> { ProcessCommandsAsync(stoppingToken), PublishStatePeriodicallyAsync(stoppingToken) };
        foreach (var pipeline in _state.Pipelines)
        {
            tasks.Add(Task.Run(() => PublishTracksAsync(pipeline, stoppingToken), stoppingToken));
            tasks.Add(Task.Run(() => PublishEventsAsync(pipeline, stoppingToken), stoppingToken));
        }
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void OnConnected(bool reconnect)
    {
        _logger.LogInformation("MQTT: {What} {Host}:{Port}", reconnect ? "reconnected to" : "connected to", _options.Host, _options.Port);
        // The will said "offline" if we vanished: say we are back, and refresh every retained value.
        _client.TryEnqueue(_topics.Status, Online, MqttQos.AtLeastOnce, retain: true);
        PublishState();
        PublishConfig();
        foreach (var p in _state.Pipelines)
        {
            PublishTargets(p.Name);
        }
    }

    private ValueTask OnCommand(MqttMessage message)
    {
        // Commands are carried out on their own task: the client's receive loop must never wait for a pipeline.
        if (!_commands.Writer.TryWrite(message))
        {
            Interlocked.Increment(ref _commandsDropped);
            _logger.LogWarning("MQTT: command on {Topic} dropped: more than 256 commands are waiting", message.Topic);
        }
        return ValueTask.CompletedTask;
    }

    private async Task ProcessCommandsAsync(CancellationToken token)
    {
        await foreach (var message in _commands.Reader.ReadAllAsync(token).ConfigureAwait(false))
        {
            if (!_topics.TryParseCommandTopic(message.Topic, out var kind, out var camera))
            {
                continue;
            }
            RoutedReply reply;
            try
            {
                reply = await _handler.HandleAsync(kind, camera, message.Payload).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "MQTT: command on {Topic} failed", message.Topic);
                var failure = Reply.Failure(null, "$", e.Message);
                reply = new RoutedReply(false, failure, ContractJson.Serialize(failure));
            }
            _client.TryEnqueue(_topics.Reply, reply.Json, MqttQos.AtLeastOnce);
            if (reply.Ok && camera is not null && kind is CommandKind.TargetSet or CommandKind.TargetClear)
            {
                PublishTargets(camera);
            }
            if (reply.Ok && kind == CommandKind.PanTiltSet)
            {
                PublishState();
            }
        }
    }

    private async Task PublishTracksAsync(CameraPipeline pipeline, CancellationToken token)
    {
        var topic = _topics.Camera(pipeline.Name).Tracks;
        var writer = new ContractWriter();
        var targets = new List<TrackTarget>(pipeline.Settings.MaxTargets);
        long lastSent = 0;
        await foreach (var frame in pipeline.Tracks.ReadAllAsync(token).ConfigureAwait(false))
        {
            try
            {
                var rate = _handler.Settings.TracksMaxRateHz;
                var now = Stopwatch.GetTimestamp();
                // Catch-up results always go out: they are the new target's first track, and a rate limit would hide them.
                if (rate > 0 && !frame.CatchUp && now - lastSent < Stopwatch.Frequency / rate)
                {
                    continue;
                }
                lastSent = now;
                targets.Clear();
                for (var i = 0; i < frame.Count; i++)
                {
                    ref readonly var t = ref frame.Targets[i];
                    targets.Add(new TrackTarget(t.Id, t.Box.ToWire(), t.Box.Normalise(frame.Width, frame.Height), t.Score, t.Confidence, t.State.ToWire(), Math.Round(t.LatencyMs, 2), t.Label));
                }
                _client.TryEnqueue(topic, writer.Write(new TracksMessage(pipeline.Name, frame.Sequence, frame.CaptureTime, targets)), MqttQos.AtMostOnce);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One bad message must not end the camera's publishing for good.
                _logger.LogError(e, "MQTT: tracks of {Camera} frame {Frame} not published", pipeline.Name, frame.Sequence);
            }
            finally
            {
                pipeline.ReturnTrackFrame(frame);
            }
        }
    }

    private async Task PublishEventsAsync(CameraPipeline pipeline, CancellationToken token)
    {
        var topic = _topics.Camera(pipeline.Name).Events;
        var writer = new ContractWriter();
        await foreach (var e in pipeline.Events.ReadAllAsync(token).ConfigureAwait(false))
        {
            try
            {
                PublishEvent(pipeline, e, topic, writer);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogError(ex, "MQTT: event {Kind} of {Camera} not published", e.Kind, pipeline.Name);
            }
        }
    }

    private void PublishEvent(CameraPipeline pipeline, PipelineEvent e, string topic, ContractWriter writer)
    {
        EventType? type = e.Kind switch
        {
            "target.acquired" => EventType.TargetAcquired,
            "target.lost" => EventType.TargetLost,
            "target.reacquired" => EventType.TargetReacquired,
            "target.cleared" => EventType.TargetCleared,
            "camera.lost" => EventType.CameraLost,
            "camera.recovered" => EventType.CameraRecovered,
            "camera.ended" => EventType.CameraEnded,
            "camera.failed" => EventType.CameraFailed,
            _ => null, // opened and retrying are states, not events: they go into the retained state
        };
        if (type is { } t)
        {
            var message = e.Reason;
            if (e.OutageSeconds is { } outage)
            {
                message = $"recovered after an outage of {outage:0.0} s";
            }
            var label = e.TargetId is null ? null : pipeline.Health(_state.StallSeconds).Targets.FirstOrDefault(x => x.Id == e.TargetId)?.Label;
            _client.TryEnqueue(topic, writer.Write(new EventMessage(pipeline.Name, t, e.Time, e.TargetId, e.Frame, label, message)), MqttQos.AtLeastOnce);
        }
        if (e.Kind.StartsWith("camera.", StringComparison.Ordinal))
        {
            PublishState();
        }
        else if (e.Kind is "target.lost" or "target.reacquired")
        {
            PublishTargets(pipeline.Name);
        }
    }

    private async Task PublishStatePeriodicallyAsync(CancellationToken token)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
        var lastSnapshot = Stopwatch.GetTimestamp();
        while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false))
        {
            PublishState();
            var interval = _handler.Settings.SnapshotIntervalSeconds;
            if (interval > 0 && Stopwatch.GetElapsedTime(lastSnapshot).TotalSeconds >= interval)
            {
                lastSnapshot = Stopwatch.GetTimestamp();
                foreach (var p in _state.Pipelines) await PublishAsync(p.Name).ConfigureAwait(false);
            }
        }
    }

    private void PublishState()
    {
        var cameras = _state.Health().Select(h => new CameraStatus(h.Camera, h.Source switch
        {
            "open" => ContractCameraState.Running,
            "starting" => ContractCameraState.Starting,
            "lost" or "retrying" => ContractCameraState.Lost,
            _ => ContractCameraState.Stopped,
        }, Math.Round(h.Fps, 2), h.Targets.Count, h.SourceReason)).ToList();
        var version = typeof(MqttBridge).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        HeadStatus? head = null;
        if (_state.PanTilt is PanTiltFollower follower)
        {
            var status = follower.Controller.Status;
            head = new HeadStatus(status.State.ToString().ToLowerInvariant(), status.Enabled, Math.Round(status.PanDeg, 2), Math.Round(status.TiltDeg, 2),
                follower.Camera.Length > 0 ? follower.Camera : null, follower.FollowedTarget);
        }
        var message = new StateMessage(version, _state.Model, _state.Provider, Math.Round(_state.UptimeSeconds, 1), DateTimeOffset.UtcNow, cameras, head);
        _client.TryEnqueue(_topics.State, ContractJson.Serialize(message), MqttQos.AtLeastOnce, retain: true);
    }

    private void PublishConfig()
    {
        var s = _handler.Settings;
        var panTilt = _state.PanTilt is PanTiltFollower f ? f.Controller.Status.Enabled : (bool?)null;
        var message = new ConfigMessage(DateTimeOffset.UtcNow, new RuntimeSettings(s.TracksMaxRateHz, s.SnapshotIntervalSeconds, s.SnapshotQuality, panTilt));
        _client.TryEnqueue(_topics.Config, ContractJson.Serialize(message), MqttQos.AtLeastOnce, retain: true);
    }

    private void PublishTargets(string camera)
    {
        if (_state.Find(camera) is not { } pipeline)
        {
            return;
        }
        var targets = pipeline.Health(_state.StallSeconds).Targets
            .Select(t => new TargetSummary(t.Id, t.State switch { "tracking" => TrackState.Tracking, "uncertain" => TrackState.Uncertain, _ => TrackState.Lost }, t.Label))
            .ToList();
        _client.TryEnqueue(_topics.Camera(camera).Targets, ContractJson.Serialize(new TargetsMessage(camera, DateTimeOffset.UtcNow, targets)), MqttQos.AtLeastOnce, retain: true);
    }

    /// <summary>Publishes a current picture of the camera (the page's JPEG, with the boxes' frame) on its snapshot topic.</summary>
    public async Task<bool> PublishAsync(string camera)
    {
        if (_previews.Find(camera) is not { } preview
            || await preview.FreshAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), CancellationToken.None).ConfigureAwait(false) is not { } picture)
        {
            return false;
        }
        return _client.TryEnqueue(_topics.Camera(camera).Snapshot, picture.Jpeg, MqttQos.AtLeastOnce);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        // A clean stop: say offline ourselves (a DISCONNECT suppresses the will), drain, then disconnect.
        _client.TryEnqueue(_topics.Status, Offline, MqttQos.AtLeastOnce, retain: true);
        try
        {
            await _client.DisconnectAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.LogWarning("MQTT: disconnect: {Message}", e.Message);
        }
        await _client.DisposeAsync().ConfigureAwait(false);
    }
}
