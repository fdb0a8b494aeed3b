using EdgeTracker.Camera.Frames;
using EdgeTracker.Hosting.Pipeline;

namespace EdgeTracker.Web;

/// <summary>Encodes a BGR frame to JPEG into a reused buffer (EdgeTracker.Camera's libturbojpeg encoder in the daemon).</summary>
public interface IJpegEncoder : IDisposable
{
    /// <summary>Encodes <paramref name="frame"/>; returns the JPEG bytes, valid until the next call.</summary>
    ReadOnlyMemory<byte> Encode(Frame frame, int quality);
}

/// <summary>One encoded picture for the page, with the frame number it shows and the targets tracked on it.</summary>
/// <remarks>
/// Built once on the encoder thread and shared by every client: the targets' JSON and the MJPEG part header are
/// formatted here, so a stream client only copies bytes.
/// </remarks>
public sealed record Picture(long Frame, int Width, int Height, byte[] Jpeg, TargetSnapshot[] Targets)
{
    public DateTime EncodedAt { get; } = DateTime.UtcNow;

    /// <summary>When the camera captured the frame.</summary>
    public DateTimeOffset CaptureTime { get; init; }

    /// <summary>Pictures the encoder had made before this one: a stream client counts the ones it skipped.</summary>
    public long Index { get; init; }

    /// <summary>The targets as the page reads them (header <c>X-Targets</c>): ASCII JSON.</summary>
    public string TargetsJson { get; init; } = "[]";

    /// <summary>This picture's part header in <see cref="MjpegStream"/>'s multipart stream (boundary line to blank line).</summary>
    public byte[] PartHeader { get; init; } = [];
}

/// <summary>
/// Per camera, a thread that turns the pipeline's preview frames into JPEGs for the page, off the tracking thread.
/// Waiters (long-polling page requests) are released when a newer picture exists.
/// </summary>
public sealed class PreviewEncoder : IDisposable
{
    private readonly CameraPipeline _pipeline;
    private readonly IJpegEncoder _encoder;
    private readonly Func<int> _quality;
    private readonly SemaphoreSlim _offered = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly TargetSnapshot[] _targets;
    private readonly Thread _thread;
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile Picture? _latest;

    public PreviewEncoder(CameraPipeline pipeline, IJpegEncoder encoder, Func<int> quality)
    {
        _pipeline = pipeline;
        _encoder = encoder;
        _quality = quality;
        _targets = new TargetSnapshot[pipeline.Settings.MaxTargets];
        pipeline.Preview.Offered += OnOffered;
        _thread = new Thread(Run) { Name = $"preview-{pipeline.Name}", IsBackground = true };
        _thread.Start();
    }

    public Picture? Latest => _latest;

    /// <summary>A picture no older than <paramref name="maxAge"/>: the newest if fresh, else the next one (snapshots).</summary>
    public async Task<Picture?> FreshAsync(TimeSpan maxAge, TimeSpan timeout, CancellationToken cancellation)
    {
        if (_latest is { } p && DateTime.UtcNow - p.EncodedAt <= maxAge)
        {
            return p;
        }
        var next = await NextAsync(_latest?.Frame ?? -1, timeout, cancellation).ConfigureAwait(false);
        return next is not null && DateTime.UtcNow - next.EncodedAt <= maxAge + timeout ? next : null;
    }

    public long Encoded { get; private set; }

    /// <summary>The MJPEG stream's clients and counters for this camera.</summary>
    public StreamStats Stream { get; } = new();

    private void OnOffered()
    {
        if (_offered.CurrentCount == 0)
        {
            try { _offered.Release(); } catch (SemaphoreFullException) { }
        }
    }

    /// <summary>
    /// The newest picture other than <paramref name="previous"/> (null: any), waiting up to <paramref name="timeout"/>
    /// for one; null when none came. A client that takes pictures slower than they are made gets the newest each
    /// time and skips the rest: nothing queues per client.
    /// </summary>
    public async Task<Picture?> NextAfterAsync(Picture? previous, TimeSpan timeout, CancellationToken cancellation)
    {
        _pipeline.Preview.Demand(timeout.TotalSeconds + 5);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var next = Volatile.Read(ref _next).Task;
            if (_latest is { } p && !ReferenceEquals(p, previous))
            {
                return p;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return null;
            }
            try
            {
                await next.WaitAsync(left, cancellation).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return null;
            }
        }
    }

    /// <summary>The newest picture after frame <paramref name="after"/>, waiting up to <paramref name="timeout"/> for one.</summary>
    public async Task<Picture?> NextAsync(long after, TimeSpan timeout, CancellationToken cancellation)
    {
        // A page keeps asking while it is open; pictures stop a few seconds after the last request.
        _pipeline.Preview.Demand(timeout.TotalSeconds + 5);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var next = Volatile.Read(ref _next).Task;
            if (_latest is { } p && p.Frame != after)
            {
                return p;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return _latest;
            }
            try
            {
                await next.WaitAsync(left, cancellation).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return _latest;
            }
        }
    }

    private void Run()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                _offered.Wait(token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (!_pipeline.Preview.TryTake(out var frame, _targets, out var count))
            {
                continue;
            }
            try
            {
                var jpeg = _encoder.Encode(frame, _quality()).ToArray();
                var targets = _targets.AsSpan(0, count).ToArray();
                var targetsJson = MjpegStream.TargetsJson(targets);
                _latest = new Picture(frame.Sequence, frame.Width, frame.Height, jpeg, targets)
                {
                    CaptureTime = frame.CaptureTime,
                    Index = Encoded,
                    TargetsJson = targetsJson,
                    PartHeader = MjpegStream.PartHeader(frame.Sequence, frame.CaptureTime, jpeg.Length, targetsJson),
                };
                Encoded++;
            }
            catch (Exception)
            {
                // A picture that cannot be encoded is skipped; the page keeps the previous one.
            }
            finally
            {
                frame.Dispose();
            }
            Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    public void Dispose()
    {
        _pipeline.Preview.Offered -= OnOffered;
        _stop.Cancel();
        _thread.Join(TimeSpan.FromSeconds(2));
        _encoder.Dispose();
        _stop.Dispose();
    }
}
