using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using EdgeTracker.Camera.Frames;

namespace EdgeTracker.Evaluation;

/// <summary>
/// Frames of a video file for <c>edgetracker track</c>, decoded by an <c>ffmpeg</c> child process into raw BGR on
/// its stdout. A stand-in until EdgeTracker.Camera's file source is merged.
/// </summary>
internal sealed class FfmpegFrames : IFrameSource
{
    private readonly Process _process;
    private readonly Channel<Frame> _channel = Channel.CreateBounded<Frame>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
    private readonly Task _reader;
    private readonly CancellationTokenSource _stop = new();

    public FfmpegFrames(string videoPath)
    {
        if (!File.Exists(videoPath))
        {
            throw new FileNotFoundException($"Video '{videoPath}' does not exist.", videoPath);
        }
        var (width, height) = Probe(videoPath);
        _process = Process.Start(new ProcessStartInfo("ffmpeg")
        {
            ArgumentList = { "-v", "error", "-i", videoPath, "-f", "rawvideo", "-pix_fmt", "bgr24", "-" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("ffmpeg could not be started.");
        var pool = new FramePool(8, width * height * 3);
        _reader = Task.Run(async () =>
        {
            var stream = _process.StandardOutput.BaseStream;
            try
            {
                for (long sequence = 1; ; sequence++)
                {
                    Frame frame;
                    while (!pool.TryRent(out frame))
                    {
                        await Task.Delay(1, _stop.Token).ConfigureAwait(false);
                    }
                    frame.Reset(width, height, width * 3, sequence, Stopwatch.GetTimestamp(), DateTimeOffset.UtcNow);
                    var read = 0;
                    var pixels = frame.Pixels.Length;
                    while (read < pixels)
                    {
                        var n = await ReadIntoFrameAsync(stream, frame, read, _stop.Token).ConfigureAwait(false);
                        if (n == 0)
                        {
                            break;
                        }
                        read += n;
                    }
                    if (read < pixels)
                    {
                        frame.Dispose();
                        break;
                    }
                    await _channel.Writer.WriteAsync(frame, _stop.Token).ConfigureAwait(false);
                }
                await _process.WaitForExitAsync(_stop.Token).ConfigureAwait(false);
                if (_process.ExitCode != 0)
                {
                    var error = await _process.StandardError.ReadToEndAsync(_stop.Token).ConfigureAwait(false);
                    throw new InvalidDataException($"ffmpeg could not decode '{videoPath}': {error.Trim()}");
                }
                _channel.Writer.TryComplete();
            }
            catch (Exception e)
            {
                _channel.Writer.TryComplete(e);
            }
        });
    }

    private static ValueTask<int> ReadIntoFrameAsync(Stream stream, Frame frame, int offset, CancellationToken cancellationToken)
    {
        // Frame.Pixels is a span over a pinned array; a synchronous read into it keeps this allocation-free.
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(stream.Read(frame.Pixels[offset..]));
    }

    private static (int Width, int Height) Probe(string videoPath)
    {
        using var probe = Process.Start(new ProcessStartInfo("ffprobe")
        {
            ArgumentList = { "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0:s=x", videoPath },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("ffprobe could not be started.");
        var text = probe.StandardOutput.ReadToEnd().Trim();
        var error = probe.StandardError.ReadToEnd().Trim();
        probe.WaitForExit();
        var parts = text.Split('x');
        if (probe.ExitCode != 0 || parts.Length < 2
            || !int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var w)
            || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var h))
        {
            throw new InvalidDataException($"'{videoPath}' is not a video ffprobe can read: {(error.Length > 0 ? error : text)}");
        }
        return (w, h);
    }

    public async ValueTask<Frame?> NextAsync(CancellationToken cancellationToken = default)
    {
        while (await _channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_channel.Reader.TryRead(out var frame))
            {
                return frame;
            }
        }
        await _channel.Reader.Completion.ConfigureAwait(false);
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (!_process.HasExited)
        {
            _process.Kill();
        }
        try
        {
            await _reader.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        while (_channel.Reader.TryRead(out var frame))
        {
            frame.Dispose();
        }
        _process.Dispose();
        _stop.Dispose();
    }
}
