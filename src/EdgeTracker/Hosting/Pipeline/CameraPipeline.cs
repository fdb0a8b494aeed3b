using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using EdgeTracker.Camera.Frames;
using EdgeTracker.Hosting.Metrics;
using EdgeTracker.Tracking;
using Microsoft.Extensions.Logging;

namespace EdgeTracker.Hosting.Pipeline;

/// <summary>Settings one pipeline needs.</summary>
public sealed record PipelineSettings(string Camera, string SourceUri, int MaxTargets = 4, double HistorySeconds = 2, int HistoryMaxFrames = 120, double PreviewFps = 10);

/// <summary>
/// One camera's pipeline: the source's capture thread hands frames over; this pipeline's own tracking thread
/// runs every target's tracker (all of them in one batched inference run where the model allows it, see
/// <see cref="ITrackerGroup"/>), keeps the frame history, applies commands between frames, and queues results
/// for publishing behind bounded queues, so neither the broker nor the web page can slow it down.
/// </summary>
/// <remarks>
/// Commands are applied on the tracking thread between frames: trackers are never touched by two threads, and
/// need no locks. A command's caller awaits its reply.
/// </remarks>
public sealed class CameraPipeline : IDisposable
{
    private const int TakeTimeoutMs = 100;
    private readonly IFrameSource _source;
    private readonly ITrackerFactory _factory;
    private readonly ITrackerGroup _group;
    private readonly ISingleObjectTracker[] _stepTrackers;
    private readonly TrackResult[] _stepResults;
    private readonly Exception?[] _stepFailures;
    private readonly ILogger _logger;
    private readonly ITargetFollower? _follower;
    private readonly FrameHistory _history;
    private readonly List<Target> _targets = [];
    private readonly ConcurrentQueue<Action> _commands = new();
    private readonly ConcurrentBag<ISingleObjectTracker> _idleTrackers = [];
    private readonly ConcurrentQueue<TrackFrame> _framePool = new();
    private readonly Channel<TrackFrame> _tracks;
    private readonly Channel<PipelineEvent> _events;
    private readonly TargetSnapshot[] _snapshot;
    private readonly CancellationTokenSource _stop = new();
    private Thread? _thread;
    private long _heartbeat = Stopwatch.GetTimestamp();
    private long _lastFrameTimestamp;
    private long _lastFrame = -1;
    private int _nextTargetNumber;
    private volatile int _targetCount;
    private volatile SourceState _sourceState = SourceState.Starting;
    private volatile string? _sourceReason;
    private readonly Lock _healthLock = new();
    private readonly TargetSnapshot[] _healthTargets;
    private int _healthCount;
    private long _allocatedBytes;
    private bool _wasLost;

    public CameraPipeline(PipelineSettings settings, IFrameSource source, ITrackerFactory factory, ILogger logger, ITargetFollower? follower = null)
    {
        Settings = settings;
        _source = source;
        _factory = factory;
        _logger = logger;
        _follower = follower;
        _history = new FrameHistory(settings.HistorySeconds, settings.HistoryMaxFrames);
        _group = factory.CreateGroup(settings.MaxTargets);
        _stepTrackers = new ISingleObjectTracker[settings.MaxTargets];
        _stepResults = new TrackResult[settings.MaxTargets];
        _stepFailures = new Exception?[settings.MaxTargets];
        _snapshot = new TargetSnapshot[settings.MaxTargets];
        _healthTargets = new TargetSnapshot[settings.MaxTargets];
        for (var i = 0; i < 64; i++)
        {
            _framePool.Enqueue(new TrackFrame(settings.MaxTargets));
        }
        // Bounded, oldest dropped (and counted, and returned to the pool): a stalled consumer costs messages, not memory.
        _tracks = Channel.CreateBounded<TrackFrame>(
            new BoundedChannelOptions(32) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
            dropped => { Metrics.CountTrackMessageDropped(); ReturnTrackFrame(dropped); });
        _events = Channel.CreateBounded<PipelineEvent>(
            new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        Preview = new PreviewSlot(settings.MaxTargets, settings.PreviewFps);
        _source.StateChanged += OnSourceEvent;
    }

    public PipelineSettings Settings { get; }

    public string Name => Settings.Camera;

    public PipelineMetrics Metrics { get; } = new();

    public PreviewSlot Preview { get; }

    /// <summary>Whether this camera's targets share one inference run a frame, and why (not).</summary>
    public BatchingInfo Batching => _group.Batching;

    /// <summary>Each processed frame's results, for the publisher (return them with <see cref="ReturnTrackFrame"/>).</summary>
    public ChannelReader<TrackFrame> Tracks => _tracks.Reader;

    /// <summary>Target and camera events, for the publisher.</summary>
    public ChannelReader<PipelineEvent> Events => _events.Reader;

    public IFrameSource Source => _source;

    public bool HasDeliveredFrame => Volatile.Read(ref _lastFrame) >= 0;

    public long HeartbeatTimestamp => Volatile.Read(ref _heartbeat);

    public void ReturnTrackFrame(TrackFrame frame) => _framePool.Enqueue(frame);

    public void Start()
    {
        _thread = new Thread(Run) { Name = $"track-{Name}", IsBackground = true };
        _thread.Start();
        _source.Start();
    }

    /// <summary>The pipeline's state; <paramref name="stallSeconds"/> decides when a loop that has not turned counts as wedged.</summary>
    public PipelineHealth Health(double stallSeconds)
    {
        var now = Stopwatch.GetTimestamp();
        var loopAge = (now - HeartbeatTimestamp) / (double)Stopwatch.Frequency;
        var lastFrameTs = Volatile.Read(ref _lastFrameTimestamp);
        return new PipelineHealth(
            Name,
            _sourceState.ToString().ToLowerInvariant(),
            loopAge < stallSeconds,
            loopAge,
            Metrics.Frames,
            Volatile.Read(ref _lastFrame),
            lastFrameTs == 0 ? null : (now - lastFrameTs) / (double)Stopwatch.Frequency,
            Metrics.Fps,
            _source.DroppedFrames,
            _source.Reconnects,
            _sourceReason,
            TargetHealthSnapshot());
    }

    /// <summary>Bytes the tracking thread has allocated since it started (steady state: none; exported in /metrics).</summary>
    public long TrackingThreadAllocatedBytes => Volatile.Read(ref _allocatedBytes);

    private TargetHealth[] TargetHealthSnapshot()
    {
        lock (_healthLock)
        {
            var health = new TargetHealth[_healthCount];
            for (var i = 0; i < health.Length; i++)
            {
                ref readonly var t = ref _healthTargets[i];
                health[i] = new TargetHealth(t.Id, StateName(t.State), t.Label, t.Box.X, t.Box.Y, t.Box.W, t.Box.H, t.Confidence);
            }
            return health;
        }
    }

    /// <summary>Sets a target; returns once the tracking thread has applied it (or after <paramref name="timeout"/>).</summary>
    public async Task<CommandReply> SetTargetAsync(SetTargetCommand command, TimeSpan timeout)
    {
        var replaces = command.Id is not null && Array.Exists(TargetHealthSnapshot(), t => t.Id == command.Id);
        if (!replaces && _targetCount >= Settings.MaxTargets)
        {
            return CommandReply.Fail(command.RequestId, "id", $"camera '{Name}' already follows {Settings.MaxTargets} targets (Tracking:MaxTargets); clear one first");
        }
        ISingleObjectTracker tracker;
        try
        {
            // Off the tracking thread: creating sessions takes time, and tracking must not wait for it.
            tracker = _idleTrackers.TryTake(out var idle) ? idle : _group.CreateTracker();
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Camera {Camera}: could not create a tracker for model {Model}", Name, _factory.Model);
            return CommandReply.Fail(command.RequestId, "model", $"could not create a '{_factory.Model}' tracker: {e.Message}");
        }
        var reply = await RunOnTrackingThread(() => ApplySetTarget(command, tracker), command.RequestId, timeout).ConfigureAwait(false);
        return reply;
    }

    /// <summary>Clears one target or all; returns once applied.</summary>
    public Task<CommandReply> ClearTargetAsync(ClearTargetCommand command, TimeSpan timeout) =>
        RunOnTrackingThread(() => ApplyClear(command), command.RequestId, timeout);

    private async Task<CommandReply> RunOnTrackingThread(Func<CommandReply> apply, string? requestId, TimeSpan timeout)
    {
        var done = new TaskCompletionSource<CommandReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _commands.Enqueue(() =>
        {
            try
            {
                done.TrySetResult(apply());
            }
            catch (Exception e)
            {
                done.TrySetResult(CommandReply.Fail(requestId, "", e.Message));
            }
        });
        try
        {
            return await done.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return CommandReply.Fail(requestId, "", $"camera '{Name}' did not apply the command within {timeout.TotalSeconds:0} s (its pipeline is busy or wedged)");
        }
    }

    private void Run()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            Volatile.Write(ref _heartbeat, Stopwatch.GetTimestamp());
            while (_commands.TryDequeue(out var command))
            {
                command();
            }
            if (!_source.TryTake(TakeTimeoutMs, out var frame))
            {
                Metrics.Idle(Stopwatch.GetTimestamp());
                continue;
            }
            try
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                ProcessLiveFrame(frame);
                Volatile.Write(ref _allocatedBytes, _allocatedBytes + GC.GetAllocatedBytesForCurrentThread() - before);
            }
            catch (Exception e)
            {
                // A fault in one frame must not stop the camera: say so and carry on with the next frame.
                _logger.LogError(e, "Camera {Camera}: frame {Frame} failed", Name, frame.Sequence);
            }
            finally
            {
                frame.Dispose();
            }
        }
    }

    private void ProcessLiveFrame(Frame frame)
    {
        var start = Stopwatch.GetTimestamp();
        Volatile.Write(ref _heartbeat, start);
        Metrics.Handoff.Record(start - frame.CaptureTimestamp);
        if (_history.Newest is { } newest && frame.Sequence <= newest.Sequence)
        {
            // The source restarted its numbering (a looping sequence, a reopened camera): old frames no longer match.
            _history.Clear();
        }
        _history.Add(frame);
        Volatile.Write(ref _lastFrame, frame.Sequence);
        Volatile.Write(ref _lastFrameTimestamp, start);

        var count = 0;
        var targets = _targets.Count;
        for (var i = 0; i < targets; i++)
        {
            _stepTrackers[i] = _targets[i].Tracker;
        }
        _group.TrackAll(frame, _stepTrackers.AsSpan(0, targets), _stepResults, _stepFailures);
        for (var i = 0; i < targets; i++)
        {
            var target = _targets[i];
            Apply(target, frame, _stepResults[i], _stepFailures[i]);
            _stepFailures[i] = null;
            _snapshot[count++] = target.Snapshot(frame.CaptureTimestamp);
        }
        var tracked = Stopwatch.GetTimestamp();
        Metrics.Track.Record(tracked - start);

        _follower?.Update(_snapshot.AsSpan(0, count), frame.Width, frame.Height, frame.CaptureTimestamp);
        Publish(frame, _snapshot.AsSpan(0, count), catchUp: false);
        if (Preview.Wants(tracked))
        {
            Preview.Offer(frame, _snapshot.AsSpan(0, count), tracked);
        }
        Metrics.Total.Record(Stopwatch.GetTimestamp() - frame.CaptureTimestamp);
        Metrics.CountFrame(tracked);
        PublishHealth(_snapshot.AsSpan(0, count));
    }

    /// <summary>One target alone (catching up through the history after <c>target/set</c>).</summary>
    private void Step(Target target, Frame frame)
    {
        TrackResult result = default;
        Exception? failure = null;
        try
        {
            result = target.Tracker.Track(frame);
        }
        catch (Exception e)
        {
            failure = e;
        }
        Apply(target, frame, result, failure);
    }

    /// <summary>Takes a target's result for <paramref name="frame"/>: a failed tracker is logged once and reported lost.</summary>
    private void Apply(Target target, Frame frame, TrackResult result, Exception? failure)
    {
        var before = target.Last.State;
        if (failure is not null)
        {
            if (!target.Faulted)
            {
                _logger.LogError(failure, "Camera {Camera}: target {Target}'s tracker failed on frame {Frame}", Name, target.Id, frame.Sequence);
                target.Faulted = true;
            }
            result = target.Last with { State = TargetState.Lost, Confidence = 0 };
        }
        target.Last = result;
        if (before != TargetState.Lost && result.State == TargetState.Lost)
        {
            Emit(new PipelineEvent(Name, "target.lost", frame.CaptureTime, target.Id, Frame: frame.Sequence));
        }
        else if (before == TargetState.Lost && result.State != TargetState.Lost)
        {
            Emit(new PipelineEvent(Name, "target.reacquired", frame.CaptureTime, target.Id, Frame: frame.Sequence));
        }
    }

    private void Publish(Frame frame, ReadOnlySpan<TargetSnapshot> targets, bool catchUp)
    {
        if (!_framePool.TryDequeue(out var message))
        {
            // Every pooled message is still queued or being sent: the consumer is far behind. Count it as dropped.
            Metrics.CountTrackMessageDropped();
            return;
        }
        message.Camera = Name;
        message.Sequence = frame.Sequence;
        message.CaptureTime = frame.CaptureTime;
        message.Width = frame.Width;
        message.Height = frame.Height;
        message.CatchUp = catchUp;
        message.Count = targets.Length;
        targets.CopyTo(message.Targets);
        _tracks.Writer.TryWrite(message);
    }

    private CommandReply ApplySetTarget(SetTargetCommand command, ISingleObjectTracker tracker)
    {
        var reply = TrySetTarget(command, tracker, out var adopted);
        if (!adopted)
        {
            _idleTrackers.Add(tracker);
        }
        return reply;
    }

    private CommandReply TrySetTarget(SetTargetCommand command, ISingleObjectTracker tracker, out bool adopted)
    {
        adopted = false;
        var requestId = command.RequestId;
        if (_history.Newest is not { } newest)
        {
            return CommandReply.Fail(requestId, "frame", $"camera '{Name}' has delivered no frame yet");
        }
        var index = _history.Count - 1;
        string? note = null;
        if (command.Frame is long wanted)
        {
            var found = _history.IndexOf(wanted);
            if (found >= 0)
            {
                index = found;
            }
            else if (wanted > newest.Sequence)
            {
                return CommandReply.Fail(requestId, "frame", $"frame {wanted} has not been captured yet (newest is {newest.Sequence})");
            }
            else
            {
                note = $"frame {wanted} is older than the frame history (oldest kept: {_history.Oldest!.Sequence}); the target was set on the newest frame {newest.Sequence}";
            }
        }
        var start = _history[index];
        var box = command.Box;
        if (command.Normalized)
        {
            box = new BoxF(box.X * start.Width, box.Y * start.Height, box.W * start.Width, box.H * start.Height);
        }
        var clipped = Clip(box, start.Width, start.Height);
        if (clipped.W < 2 || clipped.H < 2)
        {
            return CommandReply.Fail(requestId, "box", $"({box.X:0.#}, {box.Y:0.#}, {box.W:0.#}×{box.H:0.#}) px lies outside the {start.Width}×{start.Height} frame or is under 2 px");
        }
        var id = command.Id;
        if (id is null)
        {
            do
            {
                id = $"t{++_nextTargetNumber}";
            }
            while (_targets.Exists(t => t.Id == id));
        }
        tracker.Init(start, clipped);
        adopted = true;
        var existing = _targets.FindIndex(t => t.Id == id);
        var target = new Target(id, command.Label, tracker) { Last = new TrackResult(clipped, 1, 1, TargetState.Tracking) };
        if (existing >= 0)
        {
            _idleTrackers.Add(_targets[existing].Tracker);
            _targets[existing] = target;
        }
        else
        {
            _targets.Add(target);
        }
        _targetCount = _targets.Count;
        Emit(new PipelineEvent(Name, "target.acquired", start.CaptureTime, id, Frame: start.Sequence));

        // The initial frame's box, then the history replayed up to the live frame: every frame gets its track.
        PublishSingle(target, start);
        for (var k = index + 1; k < _history.Count; k++)
        {
            var frame = _history[k];
            Step(target, frame);
            PublishSingle(target, frame);
        }
        RefreshTargetHealth();
        var caughtUp = _history.Count - 1 - index;
        _logger.LogInformation("Camera {Camera}: target {Target} set on frame {Frame} and caught up over {CaughtUp} frames{Note}",
            Name, id, start.Sequence, caughtUp, note is null ? "" : " — " + note);
        return new CommandReply(requestId, true, id, start.Sequence, Note: note);
    }

    private void PublishSingle(Target target, Frame frame)
    {
        Span<TargetSnapshot> one = [target.Snapshot(frame.CaptureTimestamp)];
        Publish(frame, one, catchUp: true);
    }

    private CommandReply ApplyClear(ClearTargetCommand command)
    {
        var cleared = new List<string>();
        for (var i = _targets.Count - 1; i >= 0; i--)
        {
            if (command.Id is null || _targets[i].Id == command.Id)
            {
                cleared.Add(_targets[i].Id);
                _idleTrackers.Add(_targets[i].Tracker);
                _targets.RemoveAt(i);
            }
        }
        if (command.Id is not null && cleared.Count == 0)
        {
            return CommandReply.Fail(command.RequestId, "id", $"camera '{Name}' has no target '{command.Id}'");
        }
        _targetCount = _targets.Count;
        foreach (var id in cleared)
        {
            Emit(new PipelineEvent(Name, "target.cleared", DateTimeOffset.UtcNow, id));
        }
        RefreshTargetHealth();
        cleared.Reverse();
        return new CommandReply(command.RequestId, true, command.Id, Cleared: cleared);
    }

    private void RefreshTargetHealth()
    {
        var snapshot = _snapshot.AsSpan(0, _targets.Count);
        for (var i = 0; i < _targets.Count; i++)
        {
            snapshot[i] = _targets[i].Snapshot(Stopwatch.GetTimestamp());
        }
        PublishHealth(snapshot);
    }

    /// <summary>Copies the targets' state for /healthz and the page: struct copies under a short lock, no allocation.</summary>
    private void PublishHealth(ReadOnlySpan<TargetSnapshot> targets)
    {
        lock (_healthLock)
        {
            targets.CopyTo(_healthTargets);
            _healthCount = targets.Length;
        }
    }

    public static string StateName(TargetState state) => state switch
    {
        TargetState.Tracking => "tracking",
        TargetState.Uncertain => "uncertain",
        _ => "lost",
    };

    private static BoxF Clip(BoxF box, int width, int height)
    {
        if (!box.IsValid)
        {
            return default;
        }
        var x0 = Math.Clamp(box.X, 0, width);
        var y0 = Math.Clamp(box.Y, 0, height);
        var x1 = Math.Clamp(box.X + box.W, 0, width);
        var y1 = Math.Clamp(box.Y + box.H, 0, height);
        return new BoxF(x0, y0, x1 - x0, y1 - y0);
    }

    private void OnSourceEvent(SourceEvent e)
    {
        _sourceState = e.State;
        _sourceReason = e.Reason;
        var kind = e.State switch
        {
            SourceState.Open when _wasLost || e.Recovered => "camera.recovered",
            SourceState.Open => "camera.opened",
            SourceState.Lost => "camera.lost",
            SourceState.Retrying => "camera.retrying",
            SourceState.Ended => "camera.ended",
            SourceState.Failed => "camera.failed",
            _ => null,
        };
        _wasLost = e.State is SourceState.Lost or SourceState.Retrying || (_wasLost && e.State != SourceState.Open);
        if (kind is not null)
        {
            if (kind is "camera.lost" or "camera.ended" or "camera.failed")
            {
                _logger.LogWarning("Camera {Camera}: {Kind} ({Reason})", Name, kind, e.Reason);
            }
            else
            {
                _logger.LogInformation("Camera {Camera}: {Kind}{Reason}", Name, kind, e.Reason is null ? "" : $" ({e.Reason})");
            }
            Emit(new PipelineEvent(Name, kind, e.Time, Reason: e.Reason, OutageSeconds: e.Outage?.TotalSeconds));
        }
    }

    private void Emit(PipelineEvent e) => _events.Writer.TryWrite(e);

    public void Stop(TimeSpan timeout)
    {
        _stop.Cancel();
        _source.StateChanged -= OnSourceEvent;
        _source.Dispose();
        if (_thread is not null && !_thread.Join(timeout))
        {
            _logger.LogWarning("Camera {Camera}: the tracking thread did not stop within {Timeout}", Name, timeout);
        }
        _tracks.Writer.TryComplete();
        _events.Writer.TryComplete();
    }

    public void Dispose()
    {
        if (!_stop.IsCancellationRequested)
        {
            Stop(TimeSpan.FromSeconds(5));
        }
        if (_thread is null || !_thread.IsAlive)
        {
            _history.Dispose();
            foreach (var t in _targets) t.Tracker.Dispose();
            while (_idleTrackers.TryTake(out var idle)) idle.Dispose();
            Array.Clear(_stepTrackers);
            _group.Dispose(); // after its trackers: they run on its shared sessions
        }
        _stop.Dispose();
    }

    private sealed class Target(string id, string? label, ISingleObjectTracker tracker)
    {
        public string Id { get; } = id;
        public string? Label { get; } = label;
        public ISingleObjectTracker Tracker { get; } = tracker;
        public TrackResult Last { get; set; }
        public bool Faulted { get; set; }

        public TargetSnapshot Snapshot(long captureTimestamp) => new()
        {
            Id = Id,
            Label = Label,
            Box = Last.Box,
            Score = Last.Score,
            Confidence = Last.Confidence,
            State = Last.State,
            LatencyMs = (Stopwatch.GetTimestamp() - captureTimestamp) * 1000.0 / Stopwatch.Frequency,
        };
    }
}
