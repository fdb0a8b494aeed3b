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
public sealed record Picture(long Frame, int Width, int Height, byte[] Jpeg, TargetSnapshot[] Targets)
{
    public DateTime EncodedAt { get; } = DateTime.UtcNow;
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

    private void OnOffered()
    {
        if (_offered.CurrentCount == 0)
        {
            try { _offered.Release(); } catch (SemaphoreFullException) { }
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
                var jpeg = _encoder.Encode(frame, _quality());
                _latest = new Picture(frame.Sequence, frame.Width, frame.Height, jpeg.ToArray(), _targets.AsSpan(0, count).ToArray());
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
