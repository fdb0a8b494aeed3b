using System.Diagnostics;
using EdgeTracker.Camera.Frames;

namespace EdgeTracker.Camera.Sources;

/// <summary>Where a <see cref="CameraCapture"/> is in its life.</summary>
public enum CameraState
{
    /// <summary>Constructed, <see cref="CameraCapture.Start"/> not called yet.</summary>
    Created,

    /// <summary>Opening (first open or a reopen attempt in progress).</summary>
    Opening,

    /// <summary>Delivering frames.</summary>
    Streaming,

    /// <summary>Lost; waiting out the backoff before the next attempt.</summary>
    Retrying,

    /// <summary>A non-looping replay reached its end.</summary>
    Ended,

    /// <summary>Cannot work (see <see cref="CameraFailed"/>); not retried.</summary>
    Failed,

    /// <summary>Disposed.</summary>
    Stopped,
}

/// <summary>
/// One camera or replay: owns its capture thread, which pulls frames from GStreamer (or libturbojpeg for image
/// sequences) into a bounded <see cref="FramePool"/> and hands them to one consumer — live sources through a
/// latest-frame slot (older frames dropped and counted), replays through a bounded queue (nothing dropped).
/// Live sources that error, end or stall are reopened with exponential backoff and jitter; every transition is
/// raised as a <see cref="CameraEvent"/> on <see cref="Transition"/>.
/// </summary>
/// <example>
/// <code>
/// using var camera = new CameraCapture(SourceDescription.Parse("rtsp://10.0.0.5/stream"), new CameraOptions());
/// camera.Transition += (_, e) => Console.WriteLine(e);
/// camera.Start();
/// while (!camera.IsCompleted)
/// {
///     if (!camera.TryRead(TimeSpan.FromSeconds(1), out var frame)) continue;
///     using (frame) Track(frame);
/// }
/// </code>
/// </example>
public sealed class CameraCapture : IDisposable
{
    private readonly CameraOptions _options;
    private readonly FrameQueue _queue;
    private readonly FramePool _pool;
    private readonly CancellationTokenSource _stop = new();
    private readonly Random _jitter;
    private readonly Thread _thread;
    private long _captured;
    private long _poolDrops;
    private long _reconnects;
    private long _sequence;
    private int _state = (int)CameraState.Created;
    private int _started;
    private bool _disposed;
    private long _pendingOutageStart; // capture thread only: Stopwatch time of the loss being recovered from, 0 if none
    private int _pendingAttempts;     // capture thread only: reopen attempts in the current outage

    /// <summary>Parses <paramref name="uri"/> (see <see cref="SourceDescription.Parse"/>) and creates the capture.</summary>
    /// <exception cref="SourceUriException">The URI is malformed.</exception>
    public CameraCapture(string uri, CameraOptions? options = null)
        : this(SourceDescription.Parse(uri), options)
    {
    }

    /// <summary>Creates the capture for <paramref name="source"/>; nothing is opened until <see cref="Start"/>.</summary>
    public CameraCapture(SourceDescription source, CameraOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        _options = options ?? new CameraOptions();
        _options.Validate();
        Source = source;
        var everyFrame = _options.Delivery switch
        {
            FrameDelivery.EveryFrame => true,
            FrameDelivery.LatestFrame => false,
            _ => !source.IsLive,
        };
        Delivery = everyFrame ? FrameDelivery.EveryFrame : FrameDelivery.LatestFrame;
        _queue = new FrameQueue(everyFrame ? _options.QueueCapacity : 1, dropOldest: !everyFrame);
        // queue + the frame being filled + the one being read + what the consumer may keep.
        _pool = new FramePool(_queue.Capacity + 2 + _options.ConsumerHeldFrames, 640 * 480 * 3);
        _jitter = _options.JitterSeed is { } seed ? new Random(seed) : new Random();
        _thread = new Thread(Run) { IsBackground = true, Name = $"capture {source.Kind}" };
    }

    /// <summary>Raised on the capture thread at every transition; handlers must be quick and must not throw.</summary>
    public event EventHandler<CameraEvent>? Transition;

    /// <summary>The parsed source.</summary>
    public SourceDescription Source { get; }

    /// <summary>The hand-off in use (<see cref="FrameDelivery.Auto"/> resolved).</summary>
    public FrameDelivery Delivery { get; }

    /// <summary>The current state.</summary>
    public CameraState State => (CameraState)Volatile.Read(ref _state);

    /// <summary>The last <see cref="CameraOpened"/> (picture size, rate, format), or null before the first open.</summary>
    public CameraOpened? Format { get; private set; }

    /// <summary>Frames captured and handed to the queue.</summary>
    public long FramesCaptured => Interlocked.Read(ref _captured);

    /// <summary>Frames dropped: replaced in the latest-frame slot before being read, or with every pooled frame held.</summary>
    public long FramesDropped => _queue.Dropped + Interlocked.Read(ref _poolDrops);

    /// <summary>Successful recoveries after a loss.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>The frame pool (its <see cref="FramePool.Created"/> never exceeds <see cref="FramePool.MaxFrames"/>).</summary>
    public FramePool Pool => _pool;

    /// <summary>True when the source ended, failed or was disposed and every delivered frame has been read.</summary>
    public bool IsCompleted => _queue.IsDrained;

    /// <summary>Starts the capture thread (once). Subscribe to <see cref="Transition"/> first.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _thread.Start();
        }
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for the next frame. The caller owns the frame and must dispose it.
    /// False on timeout, or when <see cref="IsCompleted"/>.
    /// </summary>
    public bool TryRead(TimeSpan timeout, out Frame frame) => _queue.TryRead(timeout, out frame);

    // ---- the capture thread

    private void Run()
    {
        var token = _stop.Token;
        var attempt = 0;
        long outageStart = 0; // Stopwatch timestamp of the loss; 0 while not in an outage
        try
        {
            while (!token.IsCancellationRequested)
            {
                SetState(CameraState.Opening);
                SessionOutcome outcome;
                bool wasOpen;
                // The session (pipeline, sockets, device) is torn down before any event or backoff wait.
                using (var session = Source.Kind == SourceKind.Images
                           ? (ICaptureSession)new ImageSequenceSession(Source, token)
                           : new GstCaptureSession(Source, _options, token))
                {
                    outcome = session.Run(this);
                    wasOpen = session.OpenedAt != 0;
                }
                switch (outcome.Kind)
                {
                    case OutcomeKind.Stopped:
                        return;
                    case OutcomeKind.Ended:
                        SetState(CameraState.Ended);
                        Raise(new CameraEnded(Source.Uri, DateTimeOffset.UtcNow, outcome.Frames));
                        return;
                    case OutcomeKind.Failed:
                        Fail(outcome.Reason);
                        return;
                }
                if (wasOpen)
                {
                    // It was open: this is a loss. An attempt that never opened extends the current outage.
                    attempt = 0;
                    outageStart = outcome.LostAt != 0 ? outcome.LostAt : Stopwatch.GetTimestamp();
                    Raise(new CameraLost(Source.Uri, DateTimeOffset.UtcNow, outcome.Reason, outcome.Stalled));
                }
                if (!Source.IsLive)
                {
                    // Reopening a replay would deliver its frames twice: say so instead.
                    Fail($"Replay stopped: {outcome.Reason}");
                    return;
                }
                attempt++;
                _pendingOutageStart = outageStart;
                _pendingAttempts = attempt;
                var delay = _options.Backoff.DelayFor(attempt, _jitter.NextDouble());
                SetState(CameraState.Retrying);
                Raise(new CameraRetrying(Source.Uri, DateTimeOffset.UtcNow, attempt, delay, outcome.Reason));
                if (token.WaitHandle.WaitOne(delay))
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or CameraException)
        {
            Fail(ex.Message);
        }
        catch (Exception ex)
        {
            // A bug of ours must still end in an event and a completed queue, never a silently dead thread.
            Fail($"Capture thread failed: {ex.GetType().Name}: {ex.Message}");
        }
        finally
        {
            _queue.Complete();
        }
    }

    /// <summary>Called by a session when its first frame is in hand (before it is published).</summary>
    internal void OnOpened(int width, int height, double fps, string format)
    {
        SetState(CameraState.Streaming);
        var opened = new CameraOpened(Source.Uri, DateTimeOffset.UtcNow, width, height, fps, format);
        Format = opened;
        Raise(opened);
        if (_pendingOutageStart != 0)
        {
            var outage = Stopwatch.GetElapsedTime(_pendingOutageStart);
            Interlocked.Increment(ref _reconnects);
            Raise(new CameraRecovered(Source.Uri, DateTimeOffset.UtcNow, outage, _pendingAttempts));
        }
        _pendingOutageStart = 0;
        _pendingAttempts = 0;
    }

    /// <summary>The next sequence number of a live source (monotonic across reconnects, from 1).</summary>
    internal long NextSequence() => Interlocked.Increment(ref _sequence);

    /// <summary>Hands a frame to the consumer; false when stopping (the frame is disposed).</summary>
    internal bool Publish(Frame frame, CancellationToken token)
    {
        if (!_queue.Write(frame, token))
        {
            return false;
        }
        Interlocked.Increment(ref _captured);
        return true;
    }

    internal bool WaitForFreeFrames => Delivery == FrameDelivery.EveryFrame;

    internal FramePool FramePool => _pool;

    internal void CountPoolDrop() => Interlocked.Increment(ref _poolDrops);

    private void Fail(string reason)
    {
        SetState(CameraState.Failed);
        Raise(new CameraFailed(Source.Uri, DateTimeOffset.UtcNow, reason));
    }

    private void SetState(CameraState state) => Volatile.Write(ref _state, (int)state);

    private void Raise(CameraEvent e)
    {
        try
        {
            Transition?.Invoke(this, e);
        }
        catch (Exception)
        {
            // A faulty handler must not kill the capture thread: capture goes on, the handler's owner sees its own bug.
        }
    }

    /// <summary>Stops the capture thread (tearing the pipeline down) and releases queued frames.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _stop.Cancel();
        if (_thread.IsAlive && !_thread.Join(TimeSpan.FromSeconds(15)))
        {
            // A native call that never returns (a hung driver): the background thread is abandoned, not waited on forever.
        }
        _queue.CompleteAndClear();
        SetState(CameraState.Stopped);
        if (!_thread.IsAlive)
        {
            _stop.Dispose();
        }
    }
}
