using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeTracker.Messaging.Mqtt;

/// <summary>
/// An MQTT 3.1.1 client session that stays connected: it reconnects with jittered exponential backoff, restores
/// its subscriptions, re-sends unacknowledged QoS 1 messages in order, and keeps a bounded outgoing queue across
/// outages (QoS 0 dropped oldest-first when full, QoS 1 kept in order; both counted). Knows no domain type.
/// </summary>
/// <remarks>
/// Threads: <see cref="TryEnqueue"/> may be called from any thread (the frame loop) and never blocks on I/O.
/// Handlers run one at a time on the client's dispatch task, in arrival order; a slow handler delays the next
/// message, not the connection. Events are raised on the client's background task; handlers must not block.
/// <code>
/// await using var client = new MqttClient(new MqttClientOptions { Host = "127.0.0.1", ClientId = "dev1",
///     Will = new MqttWill("edgetracker/dev1/status", "offline"u8.ToArray()) });
/// await client.SubscribeAsync("edgetracker/dev1/+/target/set", m => { Handle(m); return ValueTask.CompletedTask; });
/// await client.ConnectAsync(ct);
/// client.TryEnqueue("edgetracker/dev1/cam0/tracks", json, MqttQos.AtMostOnce);
/// </code>
/// </remarks>
public sealed class MqttClient : IAsyncDisposable
{
    private readonly MqttClientOptions _options;
    private readonly ILogger _logger;
    private readonly MqttOutgoingQueue _queue;
    private readonly SemaphoreSlim _sendSignal = new(0, int.MaxValue);
    private readonly Lock _subscriptionsLock = new();
    private readonly List<(string Filter, MqttQos Qos, Func<MqttMessage, ValueTask> Handler)> _subscriptions = new();
    private readonly Channel<MqttMessage> _incoming = Channel.CreateBounded<MqttMessage>(
        new BoundedChannelOptions(1024) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _lifetime = new();
    private readonly object _packetIdLock;
    private readonly TaskCompletionSource<(string Reason, Exception? Error)?> _firstConnection = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<ushort, TaskCompletionSource<MqttPacket>> _pendingAcks = new();
    private ushort _lastPacketId;
    private Session? _session;
    private bool _subscriptionsLive; // guarded by _subscriptionsLock: the current session has sent every registered filter
    private Task? _supervisor;
    private Task? _dispatcher;
    private int _started;
    private int _disconnecting;
    private volatile MqttConnectionState _state = MqttConnectionState.Disconnected; // of the connection; see State
    private volatile bool _disposed;
    private long _reconnects;
    private long _messagesSent;
    private long _messagesReceived;
    private long _packetsSent;
    private long _packetsReceived;
    private long _protocolErrors;

    /// <summary>Creates a client; nothing happens on the network until <see cref="ConnectAsync"/> or <see cref="Start"/>.</summary>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public MqttClient(MqttClientOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _queue = new MqttOutgoingQueue(options.QueueCapacity, options.ReliableQueueCapacity);
        _packetIdLock = _queue.SyncRoot;
    }

    /// <summary>The options the client was built with.</summary>
    public MqttClientOptions Options => _options;

    /// <summary>The current connection state.</summary>
    public MqttConnectionState State => _disposed ? MqttConnectionState.Disposed : _state;

    /// <summary>A connection is up and subscriptions are restored.</summary>
    public event EventHandler<MqttConnectedEventArgs>? Connected;

    /// <summary>An established connection ended; the client will try to reconnect unless disposed.</summary>
    public event EventHandler<MqttDisconnectedEventArgs>? Disconnected;

    /// <summary>The client is about to wait <see cref="MqttReconnectingEventArgs.Delay"/> and try again.</summary>
    public event EventHandler<MqttReconnectingEventArgs>? Reconnecting;

    /// <summary>Counters for /metrics: queue depths, dropped, refused, reconnects, messages and packets sent/received.</summary>
    public MqttClientCounters GetCounters() => new(
        _queue.QueueDepth, _queue.ReliableDepth, _queue.InFlightCount, _queue.Dropped, _queue.Refused,
        Interlocked.Read(ref _reconnects), Interlocked.Read(ref _messagesSent), Interlocked.Read(ref _messagesReceived),
        Interlocked.Read(ref _packetsSent), Interlocked.Read(ref _packetsReceived), Interlocked.Read(ref _protocolErrors));

    /// <summary>
    /// Connects once and returns when the broker accepted us and subscriptions registered so far are acknowledged;
    /// from then on the client keeps the connection up by itself.
    /// </summary>
    /// <exception cref="MqttConnectException">The broker is unreachable, TLS failed, or the broker refused us
    /// (wrong credentials, …); the message says which. The client can then be disposed or <see cref="Start"/>ed.
    /// If the connection is accepted but drops while the subscriptions are restored, this throws too, but the
    /// client is started and keeps reconnecting in the background; dispose it to stop.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Volatile.Read(ref _started) != 0)
        {
            throw new InvalidOperationException("The client is already started.");
        }
        var session = await EstablishAsync(cancellationToken).ConfigureAwait(false);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException("The client is already started.");
        }
        StartBackground(session);
        if (await _firstConnection.Task.WaitAsync(cancellationToken).ConfigureAwait(false) is { } failure)
        {
            throw new MqttConnectException($"the connection to {_options.Host}:{_options.Port} failed while subscribing: {failure.Reason}", inner: failure.Error);
        }
    }

    /// <summary>Starts connecting in the background (retrying with backoff); returns at once. Use when the
    /// broker may not be up yet — the queue keeps messages meanwhile. Does nothing if already started.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            StartBackground(null);
        }
    }

    /// <summary>
    /// Queues a message without blocking and (in steady state) without allocating: the payload is copied into a
    /// pooled buffer. QoS 0: always accepted; when the queue is full the oldest QoS 0 message is dropped (counted).
    /// QoS 1: false when the reliable queue is full (counted) — queued QoS 1 messages are never dropped.
    /// Works while disconnected: messages wait for the next connection.
    /// </summary>
    /// <param name="topic">A topic name: non-empty, no wildcards, no U+0000, at most 65,535 UTF-8 bytes (checked
    /// without allocating — a bad topic queued as QoS 1 would otherwise poison every future connection).</param>
    /// <param name="payload">The bytes to send; copied, so the caller may reuse its buffer at once.</param>
    /// <param name="qos">QoS 0 for droppable high-rate data, QoS 1 for events that must arrive.</param>
    /// <param name="retain">Ask the broker to keep the message as the topic's current value.</param>
    /// <exception cref="ArgumentException">A programming error: an invalid topic, QoS other than 0 or 1, or a payload
    /// larger than <see cref="MqttClientOptions.MaxPacketSize"/>.</exception>
    public bool TryEnqueue(string topic, ReadOnlySpan<byte> payload, MqttQos qos, bool retain = false)
    {
        CheckTopic(topic);
        CheckPublishable(payload.Length, qos);
        if (_disposed)
        {
            return false;
        }
        var accepted = _queue.TryEnqueue(topic, payload, qos, retain, null);
        Signal();
        return accepted;
    }

    /// <summary>
    /// Publishes and waits: QoS 0 completes when written to the socket, QoS 1 when the broker's PUBACK arrives
    /// (possibly after reconnects). Goes through the same queue, so ordering with <see cref="TryEnqueue"/> holds.
    /// </summary>
    /// <exception cref="ArgumentException">The topic is not a valid topic name.</exception>
    /// <exception cref="InvalidOperationException">The reliable queue is full.</exception>
    /// <exception cref="MqttMessageDroppedException">QoS 0 only: dropped from the full queue before it was sent.</exception>
    public async Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, MqttQos qos = MqttQos.AtLeastOnce,
        bool retain = false, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckTopic(topic);
        CheckPublishable(payload.Length, qos);
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.TryEnqueue(topic, payload.Span, qos, retain, completion))
        {
            throw new InvalidOperationException($"The MQTT reliable queue is full ({_options.ReliableQueueCapacity} messages); '{topic}' was refused.");
        }
        Signal();
        await completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Routes messages matching <paramref name="filter"/> (with <c>+</c> and <c>#</c>) to <paramref name="handler"/>,
    /// for the client's whole life: the subscription is re-sent after every reconnect. Registering before
    /// <see cref="ConnectAsync"/> is how a persistent session receives what arrived while away. If connected,
    /// returns once the broker acknowledged the subscription.
    /// </summary>
    /// <exception cref="ArgumentException">The filter is invalid.</exception>
    /// <exception cref="InvalidOperationException">The broker refused the subscription (SUBACK failure).</exception>
    public async Task SubscribeAsync(string filter, Func<MqttMessage, ValueTask> handler,
        MqttQos qos = MqttQos.AtLeastOnce, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(handler);
        if (!MqttTopic.IsValidFilter(filter, out var reason))
        {
            throw new ArgumentException($"MQTT topic filter '{filter}' {reason}.", nameof(filter));
        }
        Session? session;
        lock (_subscriptionsLock)
        {
            _subscriptions.Add((filter, qos, handler));
            // Under the same lock as the session's "subscriptions restored" step: either that step sees this
            // filter, or this call sees the connection as up and subscribes itself — never neither.
            session = _subscriptionsLive ? _session : null;
        }
        if (session is not null)
        {
            byte code;
            try
            {
                var codes = await SubscribeOnAsync(session, [new MqttSubscription(filter, qos)], cancellationToken).ConfigureAwait(false);
                code = codes[0];
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or MqttConnectException or ObjectDisposedException
                                      && !cancellationToken.IsCancellationRequested)
            {
                // The connection dropped meanwhile; the subscription is sent again on reconnect.
                return;
            }
            if (code == SubAckPacket.Failure)
            {
                lock (_subscriptionsLock)
                {
                    _subscriptions.RemoveAll(s => s.Filter == filter && s.Handler == handler);
                }
                throw new InvalidOperationException($"The MQTT broker refused the subscription to '{filter}'.");
            }
        }
    }

    /// <summary>Removes every handler of <paramref name="filter"/> and unsubscribes at the broker.</summary>
    public async Task UnsubscribeAsync(string filter, CancellationToken cancellationToken = default)
    {
        lock (_subscriptionsLock)
        {
            _subscriptions.RemoveAll(s => s.Filter == filter);
        }
        if (_session is { } session && _state == MqttConnectionState.Connected)
        {
            var id = NextPacketId();
            var ack = RegisterAck(id);
            await session.Channel.SendAsync(new UnsubscribePacket(id, [filter]), cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _packetsSent);
            await WaitAckAsync(id, ack, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits up to <paramref name="drainTimeout"/> for queued and in-flight messages to go out, then sends
    /// DISCONNECT (so the broker does NOT publish the will) and stops. Messages still queued are discarded and logged.
    /// </summary>
    public async Task DisconnectAsync(TimeSpan drainTimeout)
    {
        if (Interlocked.Exchange(ref _disconnecting, 1) != 0)
        {
            return;
        }
        var deadline = Stopwatch.GetTimestamp() + (long)(drainTimeout.TotalSeconds * Stopwatch.Frequency);
        while (_state == MqttConnectionState.Connected && !_queue.IsEmpty && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }
        _disposed = true;
        var session = _session;
        if (session is not null && session.IsUp)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await session.Channel.SendAsync(EmptyPacket.Disconnect, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                _logger.LogDebug("MQTT DISCONNECT could not be sent: {Error}", e.Message);
            }
        }
        await _lifetime.CancelAsync().ConfigureAwait(false);
        session?.Fail("disposed", null);
        if (_supervisor is not null)
        {
            await _supervisor.ConfigureAwait(false);
        }
        else if (session is not null)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
        // Fail the waiters first: a handler awaiting a PUBACK must not keep the dispatcher (and so us) waiting.
        var lost = _queue.Clear(new ObjectDisposedException(nameof(MqttClient)));
        if (lost > 0)
        {
            _logger.LogWarning("MQTT client stopped with {Count} QoS 1 message(s) not acknowledged by the broker", lost);
        }
        _incoming.Writer.TryComplete();
        if (_dispatcher is not null)
        {
            await _dispatcher.ConfigureAwait(false);
        }
    }

    /// <summary>Same as <see cref="DisconnectAsync"/> with a 2-second drain.</summary>
    public async ValueTask DisposeAsync()
    {
        await DisconnectAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        _lifetime.Dispose();
    }

    /// <summary>Drops the current connection without DISCONNECT, as a crash would (the broker publishes the will);
    /// the client then reconnects as after any loss. For tests and fault drills.</summary>
    internal void AbortConnection() => _session?.Channel.Abort();

    private static void CheckTopic(string topic)
    {
        if (!MqttTopic.IsValidTopicName(topic, out var reason)
            || (topic.Length > MqttLimits.MaxStringBytes / 3 && Encoding.UTF8.GetByteCount(topic) > MqttLimits.MaxStringBytes))
        {
            throw new ArgumentException($"MQTT topic '{(topic.Length > 80 ? topic[..80] + "…" : topic)}' {reason ?? "is longer than 65535 UTF-8 bytes"}.", nameof(topic));
        }
    }

    private void CheckPublishable(int payloadLength, MqttQos qos)
    {
        if (qos is not (MqttQos.AtMostOnce or MqttQos.AtLeastOnce))
        {
            throw new ArgumentOutOfRangeException(nameof(qos), qos, "Only QoS 0 and 1 are supported.");
        }
        if (payloadLength > _options.MaxPacketSize)
        {
            throw new ArgumentException($"The payload is {payloadLength} bytes; MaxPacketSize is {_options.MaxPacketSize}.", "payload");
        }
    }

    private void Signal()
    {
        if (_sendSignal.CurrentCount == 0)
        {
            _sendSignal.Release();
        }
    }

    private void StartBackground(Session? established)
    {
        _dispatcher = Task.Run(DispatchLoopAsync);
        _supervisor = Task.Run(() => SuperviseAsync(established));
    }

    // ---- connection life cycle ----

    private async Task SuperviseAsync(Session? session)
    {
        var retry = 0; // retries since the last successful connection
        var firstAttempt = session is null;
        var everConnected = false;
        Exception? lastError = null;
        var token = _lifetime.Token;
        while (!token.IsCancellationRequested)
        {
            if (session is null)
            {
                if (!firstAttempt)
                {
                    retry++;
                    var delay = BackoffDelay(retry - 1);
                    Raise(Reconnecting, new MqttReconnectingEventArgs(retry, delay, lastError));
                    try
                    {
                        await Task.Delay(delay, token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
                firstAttempt = false;
                try
                {
                    session = await EstablishAsync(token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e)
                {
                    lastError = e;
                    _logger.LogWarning("MQTT connection to {Host}:{Port} failed (retry {Retry}): {Error}", _options.Host, _options.Port, retry, e.Message);
                    continue;
                }
            }

            retry = 0;
            firstAttempt = false;
            lastError = null;
            if (everConnected)
            {
                Interlocked.Increment(ref _reconnects);
            }
            var (reason, error) = await RunSessionAsync(session, everConnected).ConfigureAwait(false);
            everConnected = true;
            try
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _logger.LogDebug("MQTT connection cleanup failed: {Error}", e.Message);
            }
            _session = null;
            session = null;
            _state = MqttConnectionState.Disconnected;
            if (reason != "disposed")
            {
                _logger.LogWarning("MQTT connection to {Host}:{Port} lost: {Reason}", _options.Host, _options.Port, reason);
            }
            Raise(Disconnected, new MqttDisconnectedEventArgs(reason, error));
            lastError = error;
        }
        if (session is not null)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>min × 2^<paramref name="attempt"/> capped at max, minus up to <c>jitter</c> of itself at random.</summary>
    private TimeSpan BackoffDelay(int attempt)
    {
        var min = _options.ReconnectMinDelay.TotalMilliseconds;
        var max = _options.ReconnectMaxDelay.TotalMilliseconds;
        var baseDelay = Math.Min(max, min * Math.Pow(2, Math.Min(attempt, 30)));
        var jittered = baseDelay * (1 - _options.ReconnectJitter * Random.Shared.NextDouble());
        return TimeSpan.FromMilliseconds(Math.Max(min * (1 - _options.ReconnectJitter), jittered));
    }

    /// <summary>TCP/TLS, CONNECT, CONNACK — within the connect timeout.</summary>
    private async Task<Session> EstablishAsync(CancellationToken cancellationToken)
    {
        _state = MqttConnectionState.Connecting;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        MqttChannel? channel = null;
        var established = false;
        try
        {
            channel = await MqttChannel.OpenAsync(_options, timeout.Token).ConfigureAwait(false);
            var connect = new ConnectPacket(
                _options.ClientId, _options.CleanSession, (ushort)_options.KeepAlive.TotalSeconds, _options.UserName,
                PasswordBytes(), _options.Will);
            await channel.SendAsync(connect, timeout.Token).ConfigureAwait(false);
            Interlocked.Increment(ref _packetsSent);
            var reply = await channel.ReadPacketAsync(timeout.Token).ConfigureAwait(false);
            Interlocked.Increment(ref _packetsReceived);
            if (reply is not ConnAckPacket connAck)
            {
                throw new MqttConnectException($"the broker answered CONNECT with {reply.Type} instead of CONNACK");
            }
            if (connAck.ReturnCode != MqttConnectReturnCode.Accepted)
            {
                throw new MqttConnectException(
                    $"the MQTT broker at {_options.Host}:{_options.Port} refused the connection: {Describe(connAck.ReturnCode)} (CONNACK return code {(int)connAck.ReturnCode})",
                    connAck.ReturnCode);
            }
            var session = new Session(channel, connAck.SessionPresent, _lifetime.Token);
            channel = null; // owned by the session now
            established = true;
            return session;
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MqttConnectException($"connecting to the MQTT broker at {_options.Host}:{_options.Port} timed out after {_options.ConnectTimeout.TotalSeconds:0.#} s", inner: e);
        }
        catch (Exception e) when (e is IOException or MqttProtocolException)
        {
            throw new MqttConnectException($"connecting to the MQTT broker at {_options.Host}:{_options.Port} failed: {e.Message}", inner: e);
        }
        finally
        {
            if (channel is not null)
            {
                await channel.DisposeAsync().ConfigureAwait(false);
            }
            if (!established)
            {
                _state = MqttConnectionState.Disconnected;
            }
        }
    }

    // Careful: the null literal converts to an empty, non-null ReadOnlyMemory — which would set the password flag.
    private ReadOnlyMemory<byte>? PasswordBytes() =>
        _options.Password is null ? (ReadOnlyMemory<byte>?)null : Encoding.UTF8.GetBytes(_options.Password);

    private static string Describe(MqttConnectReturnCode code) => code switch
    {
        MqttConnectReturnCode.UnacceptableProtocolVersion => "unacceptable protocol version (the broker does not speak MQTT 3.1.1)",
        MqttConnectReturnCode.IdentifierRejected => "client identifier rejected",
        MqttConnectReturnCode.ServerUnavailable => "server unavailable",
        MqttConnectReturnCode.BadUserNameOrPassword => "bad user name or password",
        MqttConnectReturnCode.NotAuthorized => "not authorised (wrong user name or password, or access denied)",
        _ => "unknown reason",
    };

    /// <summary>Runs one connection until it fails; returns why.</summary>
    private async Task<(string Reason, Exception? Error)> RunSessionAsync(Session session, bool isReconnect)
    {
        _session = session;
        _state = MqttConnectionState.Connecting; // until the subscriptions are restored
        var receive = Task.Run(() => ReceiveLoopAsync(session));
        var keepAlive = Task.Run(() => KeepAliveLoopAsync(session));
        try
        {
            // Restore subscriptions before announcing the connection, so "Connected" means "commands will arrive".
            // Filters registered while this runs are picked up by the next round, until none is missing.
            var sent = new HashSet<string>(StringComparer.Ordinal);
            while (true)
            {
                List<MqttSubscription> wanted;
                lock (_subscriptionsLock)
                {
                    wanted = _subscriptions.Where(s => !sent.Contains(s.Filter)).GroupBy(s => s.Filter)
                        .Select(g => new MqttSubscription(g.Key, g.Max(s => s.Qos))).ToList();
                    if (wanted.Count == 0)
                    {
                        _subscriptionsLive = true;
                        break;
                    }
                }
                var codes = await SubscribeOnAsync(session, wanted, session.Token).ConfigureAwait(false);
                for (var i = 0; i < wanted.Count; i++)
                {
                    sent.Add(wanted[i].Filter);
                    if (codes[i] == SubAckPacket.Failure)
                    {
                        _logger.LogError("MQTT broker refused the subscription to '{Filter}'", wanted[i].Filter);
                    }
                }
            }
            _state = MqttConnectionState.Connected;
            _logger.LogInformation("MQTT connected to {Host}:{Port} as '{ClientId}' (session present: {SessionPresent})",
                _options.Host, _options.Port, _options.ClientId, session.SessionPresent);
            _firstConnection.TrySetResult(null);
            Raise(Connected, new MqttConnectedEventArgs(session.SessionPresent, isReconnect));
            var send = Task.Run(() => SendLoopAsync(session));
            await session.Completion.ConfigureAwait(false);
            await Task.WhenAll(send.ContinueWith(_ => { }, TaskScheduler.Default)).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Whatever went wrong, this connection ends and the supervisor carries on: nothing escapes a session.
            session.Fail(e is OperationCanceledException ? "the subscription was not acknowledged in time" : e.Message, e);
        }
        lock (_subscriptionsLock)
        {
            _subscriptionsLive = false;
        }
        session.Fail("stopped", null);
        session.Channel.Abort();
        await Task.WhenAll(receive, keepAlive).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        FailPendingAcks();
        var result = await session.Completion.ConfigureAwait(false);
        _firstConnection.TrySetResult(result);
        return result;
    }

    private async Task<IReadOnlyList<byte>> SubscribeOnAsync(Session session, IReadOnlyList<MqttSubscription> subscriptions, CancellationToken cancellationToken)
    {
        var id = NextPacketId();
        var ack = RegisterAck(id);
        await session.Channel.SendAsync(new SubscribePacket(id, subscriptions), cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _packetsSent);
        session.MarkSent();
        var reply = await WaitAckAsync(id, ack, cancellationToken).ConfigureAwait(false);
        if (reply is not SubAckPacket subAck || subAck.ReturnCodes.Count != subscriptions.Count)
        {
            throw new MqttConnectException($"the broker answered SUBSCRIBE with {reply.Type} and a wrong number of return codes");
        }
        return subAck.ReturnCodes;
    }

    private TaskCompletionSource<MqttPacket> RegisterAck(ushort id)
    {
        var ack = new TaskCompletionSource<MqttPacket>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_packetIdLock)
        {
            _pendingAcks[id] = ack;
        }
        return ack;
    }

    private async Task<MqttPacket> WaitAckAsync(ushort id, TaskCompletionSource<MqttPacket> ack, CancellationToken cancellationToken)
    {
        try
        {
            return await ack.Task.WaitAsync(_options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new MqttConnectException($"the broker did not acknowledge within {_options.ConnectTimeout.TotalSeconds:0.#} s", inner: e);
        }
        finally
        {
            lock (_packetIdLock)
            {
                _pendingAcks.Remove(id);
            }
        }
    }

    private void FailPendingAcks()
    {
        List<TaskCompletionSource<MqttPacket>> pending;
        lock (_packetIdLock)
        {
            pending = _pendingAcks.Values.ToList();
            _pendingAcks.Clear();
        }
        foreach (var ack in pending)
        {
            ack.TrySetException(new IOException("the connection was lost before the broker acknowledged"));
        }
    }

    private ushort NextPacketId()
    {
        lock (_packetIdLock)
        {
            for (var tries = 0; tries < 65535; tries++)
            {
                _lastPacketId = _lastPacketId == ushort.MaxValue ? (ushort)1 : (ushort)(_lastPacketId + 1);
                if (!_pendingAcks.ContainsKey(_lastPacketId) && !_queue.IsInFlight(_lastPacketId))
                {
                    return _lastPacketId;
                }
            }
        }
        throw new InvalidOperationException("No free MQTT packet identifier.");
    }

    // ---- the three loops of one connection ----

    private async Task ReceiveLoopAsync(Session session)
    {
        try
        {
            while (!session.Token.IsCancellationRequested)
            {
                var packet = await session.Channel.ReadPacketAsync(session.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _packetsReceived);
                session.MarkReceived();
                switch (packet)
                {
                    case PublishPacket publish:
                        Interlocked.Increment(ref _messagesReceived);
                        if (publish.Qos == MqttQos.AtLeastOnce)
                        {
                            await session.Channel.SendAsync(new PacketIdPacket(MqttPacketType.PubAck, publish.PacketId), session.Token).ConfigureAwait(false);
                            Interlocked.Increment(ref _packetsSent);
                            session.MarkSent();
                        }
                        else if (publish.Qos != MqttQos.AtMostOnce)
                        {
                            throw new MqttProtocolException($"QoS {(int)publish.Qos} PUBLISH on '{publish.Topic}', but this client never subscribes above QoS 1");
                        }
                        await _incoming.Writer.WriteAsync(
                            new MqttMessage(publish.Topic, publish.Payload, publish.Qos, publish.Retain, publish.Duplicate), session.Token).ConfigureAwait(false);
                        break;
                    case PacketIdPacket { Kind: MqttPacketType.PubAck } pubAck:
                        if (_queue.Acknowledge(pubAck.PacketId))
                        {
                            Interlocked.Increment(ref _messagesSent);
                            Signal(); // the in-flight window has room again
                        }
                        else
                        {
                            _logger.LogDebug("MQTT PUBACK for unknown packet {PacketId} ignored", pubAck.PacketId);
                        }
                        break;
                    case SubAckPacket or PacketIdPacket { Kind: MqttPacketType.UnsubAck }:
                        var id = packet is SubAckPacket s ? s.PacketId : ((PacketIdPacket)packet).PacketId;
                        TaskCompletionSource<MqttPacket>? waiter;
                        lock (_packetIdLock)
                        {
                            _pendingAcks.TryGetValue(id, out waiter);
                        }
                        waiter?.TrySetResult(packet);
                        break;
                    case EmptyPacket { Type: MqttPacketType.PingResp }:
                        break;
                    default:
                        throw new MqttProtocolException($"unexpected {packet.Type} from the broker");
                }
            }
        }
        catch (MqttProtocolException e)
        {
            Interlocked.Increment(ref _protocolErrors);
            _logger.LogError("MQTT protocol violation from {Host}:{Port}: {Fault}; closing the connection", _options.Host, _options.Port, e.Message);
            session.Fail($"protocol violation: {e.Message}", e);
        }
        catch (OperationCanceledException) when (session.Token.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            session.Fail(e is EndOfStreamException ? "the broker closed the connection" : $"receive failed: {e.Message}", e);
        }
    }

    private async Task SendLoopAsync(Session session)
    {
        try
        {
            // Unacknowledged QoS 1 messages first, in their original order, marked as duplicates.
            foreach (var message in _queue.SnapshotInFlight())
            {
                await session.Channel.SendPublishAsync(message.Topic, message.Payload, message.Qos, message.Retain, true, message.PacketId, session.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _packetsSent);
                session.MarkSent();
            }
            while (!session.Token.IsCancellationRequested)
            {
                while (_queue.TryTakeNext(_options.MaxInFlight, NextPacketId, out var message))
                {
                    try
                    {
                        await session.Channel.SendPublishAsync(message.Topic, message.Payload, message.Qos, message.Retain, false, message.PacketId, session.Token).ConfigureAwait(false);
                    }
                    catch when (message.Qos == MqttQos.AtMostOnce)
                    {
                        MqttOutgoingQueue.Release(message, new IOException("the connection was lost while sending"));
                        throw;
                    }
                    Interlocked.Increment(ref _packetsSent);
                    session.MarkSent();
                    if (message.Qos == MqttQos.AtMostOnce)
                    {
                        Interlocked.Increment(ref _messagesSent);
                        MqttOutgoingQueue.Release(message, null);
                    }
                }
                await _sendSignal.WaitAsync(session.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (session.Token.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            session.Fail($"send failed: {e.Message}", e);
        }
    }

    private async Task KeepAliveLoopAsync(Session session)
    {
        if (_options.KeepAlive <= TimeSpan.Zero)
        {
            return;
        }
        var tick = TimeSpan.FromMilliseconds(Math.Clamp(_options.KeepAlive.TotalMilliseconds / 4, 50, 1000));
        using var timer = new PeriodicTimer(tick);
        try
        {
            while (await timer.WaitForNextTickAsync(session.Token).ConfigureAwait(false))
            {
                var now = Stopwatch.GetTimestamp();
                if (session.PingSentAt is { } pingSent)
                {
                    if (session.LastReceived > pingSent)
                    {
                        session.PingSentAt = null;
                    }
                    else if (Stopwatch.GetElapsedTime(pingSent, now) > _options.PingTimeout)
                    {
                        session.Fail($"ping timeout: no answer to PINGREQ within {_options.PingTimeout.TotalSeconds:0.#} s", null);
                        return;
                    }
                }
                // Ping when we have been quiet (the protocol's rule) and also when the broker has: a stream of
                // QoS 0 tracks alone would otherwise never reveal a half-open connection.
                if (session.PingSentAt is null
                    && (Stopwatch.GetElapsedTime(session.LastSent, now) >= _options.KeepAlive
                        || Stopwatch.GetElapsedTime(session.LastReceived, now) >= _options.KeepAlive))
                {
                    // The clock starts before the write: a write stuck behind a full socket buffer is exactly what
                    // the timeout must catch, so this loop never waits on it.
                    session.PingSentAt = now;
                    _ = SendPingAsync(session);
                }
            }
        }
        catch (OperationCanceledException) when (session.Token.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            session.Fail($"ping failed: {e.Message}", e);
        }
    }

    private async Task SendPingAsync(Session session)
    {
        try
        {
            await session.Channel.SendAsync(EmptyPacket.PingReq, session.Token).ConfigureAwait(false);
            Interlocked.Increment(ref _packetsSent);
            session.MarkSent();
        }
        catch (OperationCanceledException) when (session.Token.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            session.Fail($"ping failed: {e.Message}", e);
        }
    }

    private async Task DispatchLoopAsync()
    {
        await foreach (var message in _incoming.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            (string Filter, MqttQos Qos, Func<MqttMessage, ValueTask> Handler)[] matching;
            lock (_subscriptionsLock)
            {
                matching = _subscriptions.Where(s => MqttTopic.Matches(s.Filter, message.Topic)).ToArray();
            }
            foreach (var subscription in matching)
            {
                try
                {
                    await subscription.Handler(message).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    _logger.LogError(e, "MQTT handler for '{Filter}' failed on a message to '{Topic}'", subscription.Filter, message.Topic);
                }
            }
        }
    }

    private void Raise<T>(EventHandler<T>? handler, T args)
    {
        try
        {
            handler?.Invoke(this, args);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "An MQTT client event handler failed");
        }
    }

    /// <summary>One connection: its channel, its cancellation, its liveness clock and the first reason it failed.</summary>
    private sealed class Session : IAsyncDisposable
    {
        private readonly CancellationTokenSource _cancellation;
        private readonly TaskCompletionSource<(string, Exception?)> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _lastSent = Stopwatch.GetTimestamp();
        private long _lastReceived = Stopwatch.GetTimestamp();

        public Session(MqttChannel channel, bool sessionPresent, CancellationToken lifetime)
        {
            Channel = channel;
            SessionPresent = sessionPresent;
            _cancellation = CancellationTokenSource.CreateLinkedTokenSource(lifetime);
        }

        public MqttChannel Channel { get; }
        public bool SessionPresent { get; }
        public CancellationToken Token => _cancellation.Token;
        public Task<(string Reason, Exception? Error)> Completion => _completion.Task;
        public bool IsUp => !_completion.Task.IsCompleted;
        public long LastSent => Interlocked.Read(ref _lastSent);
        public long LastReceived => Interlocked.Read(ref _lastReceived);
        public long? PingSentAt { get; set; }

        public void MarkSent() => Interlocked.Exchange(ref _lastSent, Stopwatch.GetTimestamp());

        public void MarkReceived() => Interlocked.Exchange(ref _lastReceived, Stopwatch.GetTimestamp());

        public void Fail(string reason, Exception? error)
        {
            if (_completion.TrySetResult((reason, error)))
            {
                try
                {
                    _cancellation.Cancel();
                }
                catch (ObjectDisposedException)
                {
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            Fail("disposed", null);
            await Channel.DisposeAsync().ConfigureAwait(false);
            _cancellation.Dispose();
        }
    }
}
