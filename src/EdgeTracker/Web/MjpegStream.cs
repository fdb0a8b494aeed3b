using System.Globalization;
using System.Buffers;
using System.Text;
using System.Text.Json;
using System.IO.Pipelines;
using EdgeTracker.Hosting.Pipeline;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace EdgeTracker.Web;

/// <summary>
/// A camera's preview as a multipart MJPEG stream (<c>multipart/x-mixed-replace</c>, what IP cameras serve and
/// VLC, ffmpeg and an <c>&lt;img&gt;</c> tag play). Each part is one JPEG with <c>Content-Type</c>,
/// <c>Content-Length</c>, <c>X-Frame</c> (the frame's sequence number), <c>X-Capture-Time</c> and
/// <c>X-Targets</c> (the boxes tracked on that frame).
/// </summary>
/// <remarks>
/// Pictures are encoded once per camera by its <see cref="PreviewEncoder"/>; every client copies the same bytes.
/// A client always gets the newest picture: one that reads slower than pictures are made skips pictures, and
/// what waits for it is bounded by Kestrel's response pipe (its flush does not return while the pipe is full) and
/// a small socket send buffer, so nothing grows per client and the tracking thread never waits for a client. A
/// client that stops reading altogether is disconnected after <c>Http:StreamStallSeconds</c>.
/// </remarks>
public sealed class MjpegStream : IResult
{
    /// <summary>The part boundary; long and unusual, though parts are delimited by their Content-Length anyway.</summary>
    public const string Boundary = "edgetracker-mjpeg-part";

    public const string ContentType = "multipart/x-mixed-replace; boundary=" + Boundary;

    /// <summary>The most pictures a second a client may ask for with <c>?fps=</c>.</summary>
    public const double MaxFps = 60;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly byte[] PartEnd = "\r\n"u8.ToArray();

    // How long a client waits for a picture before asking again (the camera may be away; asking renews demand).
    private static readonly TimeSpan WaitPerPicture = TimeSpan.FromSeconds(5);

    // The kernel's send buffer for a stream's socket (Linux doubles it). Kept small so what a slow client is shown
    // stays recent: by default loopback autotunes to 4 MB, seconds of pictures queued behind a slow reader.
    private const int SocketSendBufferBytes = 128 * 1024;

    private readonly PreviewEncoder _preview;
    private readonly StreamStats _stats;
    private readonly double? _fps;
    private readonly TimeSpan _stallTimeout;

    /// <param name="preview">The camera's shared encoder.</param>
    /// <param name="stats">The camera's stream counters.</param>
    /// <param name="fps">The client's cap (<c>?fps=</c>); null: every picture made.</param>
    /// <param name="stallTimeout">A client that takes no bytes for this long is disconnected.</param>
    public MjpegStream(PreviewEncoder preview, StreamStats stats, double? fps, TimeSpan stallTimeout)
    {
        _preview = preview;
        _stats = stats;
        _fps = fps;
        _stallTimeout = stallTimeout;
    }

    /// <summary>Parses <c>?fps=</c>: absent is null (every picture made); otherwise a number in (0, <see cref="MaxFps"/>].</summary>
    public static bool TryParseFps(string? text, out double? fps, out string error)
    {
        fps = null;
        error = "";
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value <= 0 || value > MaxFps)
        {
            error = $"fps '{text}' must be a number in (0, {MaxFps.ToString(CultureInfo.InvariantCulture)}]";
            return false;
        }
        fps = value;
        return true;
    }

    /// <summary>The targets as the page reads them. The serializer's default encoder escapes non-ASCII and control characters, so the result is a safe header value.</summary>
    public static string TargetsJson(TargetSnapshot[] targets)
    {
        var items = new object[targets.Length];
        for (var i = 0; i < targets.Length; i++)
        {
            var t = targets[i];
            items[i] = new
            {
                id = t.Id,
                state = CameraPipeline.StateName(t.State),
                x = t.Box.X,
                y = t.Box.Y,
                w = t.Box.W,
                h = t.Box.H,
                confidence = t.Confidence,
            };
        }
        return JsonSerializer.Serialize(items, Json);
    }

    /// <summary>One part's header: boundary line, the part's headers, the blank line; the JPEG and a CRLF follow it.</summary>
    public static byte[] PartHeader(long frame, DateTimeOffset captureTime, int jpegLength, string targetsJson) =>
        Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"--{Boundary}\r\nContent-Type: image/jpeg\r\nContent-Length: {jpegLength}\r\nX-Frame: {frame}\r\nX-Capture-Time: {captureTime.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}\r\nX-Targets: {targetsJson}\r\n\r\n"));

    public async Task ExecuteAsync(HttpContext context)
    {
        var response = context.Response;
        var cancellation = context.RequestAborted;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-store";
        // Tells a reverse proxy (nginx) not to buffer the endless response.
        response.Headers["X-Accel-Buffering"] = "no";
        var minInterval = _fps is { } fps ? TimeSpan.FromSeconds(1 / fps) : TimeSpan.Zero;
        if (context.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
        {
            socket.SendBufferSize = SocketSendBufferBytes;
        }
        // Our own stall timeout below decides when a client that stopped reading goes (and counts it), not
        // Kestrel's minimum data rate, which would also cut off a client on a link slower than 240 bytes a second.
        if (context.Features.Get<IHttpMinResponseDataRateFeature>() is { } rate)
        {
            rate.MinDataRate = null;
        }
        // One timer, armed around each flush: it fires only when a flush stays blocked. It is a source of its own,
        // so that a stall is recognised by the timer itself: Kestrel answers a flush cancelled by its token by
        // aborting the connection, which also cancels RequestAborted, and then the two look alike.
        var stallTimer = new CancellationTokenSource();
        var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellation, stallTimer.Token);
        _stats.ClientOpened();
        try
        {
            await response.StartAsync(cancellation).ConfigureAwait(false);
            var body = response.BodyWriter;
            Picture? previous = null;
            var lastSent = DateTime.MinValue;
            while (!cancellation.IsCancellationRequested)
            {
                if (minInterval > TimeSpan.Zero)
                {
                    var wait = lastSent + minInterval - DateTime.UtcNow;
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, cancellation).ConfigureAwait(false);
                    }
                }
                var picture = await _preview.NextAfterAsync(previous, WaitPerPicture, cancellation).ConfigureAwait(false);
                if (picture is null)
                {
                    continue;
                }
                if (previous is not null && picture.Index > previous.Index + 1)
                {
                    _stats.Skipped(picture.Index - previous.Index - 1);
                }
                previous = picture;
                lastSent = DateTime.UtcNow;
                body.Write(picture.PartHeader);
                body.Write(picture.Jpeg);
                body.Write(PartEnd);
                // Returns once the pipe is below Kestrel's response buffer limit: a slow reader holds this loop
                // (and so skips pictures), never more memory.
                stallTimer.CancelAfter(_stallTimeout);
                FlushResult flushed = default;
                var stalled = false;
                try
                {
                    flushed = await body.FlushAsync(stall.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or IOException && stallTimer.IsCancellationRequested)
                {
                    stalled = true;
                }
                if (stalled || (flushed.IsCanceled && stallTimer.IsCancellationRequested))
                {
                    // The client stopped reading: drop it rather than hold its connection and buffers forever.
                    _stats.Stalled();
                    context.Abort();
                    break;
                }
                stallTimer.CancelAfter(Timeout.InfiniteTimeSpan);
                if (stallTimer.IsCancellationRequested)
                {
                    // The timer fired just as the flush completed: fresh sources, so the next flush is not cut short.
                    stall.Dispose();
                    stallTimer.Dispose();
                    stallTimer = new CancellationTokenSource();
                    stall = CancellationTokenSource.CreateLinkedTokenSource(cancellation, stallTimer.Token);
                }
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    break;
                }
                _stats.Sent(picture.PartHeader.Length + picture.Jpeg.Length + PartEnd.Length);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
        catch (IOException)
        {
            // The connection broke (reset, or cut off by Kestrel for not reading).
        }
        catch (InvalidOperationException) when (cancellation.IsCancellationRequested)
        {
            // Writing to a response Kestrel already aborted.
        }
        finally
        {
            stall.Dispose();
            stallTimer.Dispose();
            _stats.ClientClosed();
        }
    }
}

/// <summary>One camera's stream counters, for /metrics.</summary>
public sealed class StreamStats
{
    private long _clients;
    private long _parts;
    private long _bytes;
    private long _skipped;
    private long _stalled;

    /// <summary>Clients streaming now.</summary>
    public long Clients => Interlocked.Read(ref _clients);

    /// <summary>Parts written to clients.</summary>
    public long Parts => Interlocked.Read(ref _parts);

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Pictures clients skipped because they read slower than pictures were made (or asked for fewer).</summary>
    public long SkippedPictures => Interlocked.Read(ref _skipped);

    /// <summary>Clients disconnected because they stopped reading.</summary>
    public long StalledClients => Interlocked.Read(ref _stalled);

    internal void Stalled() => Interlocked.Increment(ref _stalled);

    internal void ClientOpened() => Interlocked.Increment(ref _clients);

    internal void ClientClosed() => Interlocked.Decrement(ref _clients);

    internal void Sent(int bytes)
    {
        Interlocked.Increment(ref _parts);
        Interlocked.Add(ref _bytes, bytes);
    }

    internal void Skipped(long pictures) => Interlocked.Add(ref _skipped, pictures);
}
