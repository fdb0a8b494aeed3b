using EdgeTracker.Camera.Frames;
using EdgeTracker.Camera.Sources;

namespace EdgeTracker.Evaluation;

/// <summary>
/// Frames of a video file for <c>edgetracker track</c>, through Camera's <c>file://</c> source (GStreamer decodebin)
/// with <see cref="FrameDelivery.EveryFrame"/>: every frame in order, numbered from 1, decoded on the capture
/// thread a few frames ahead of the tracker. A file that cannot be decoded, at the start or part-way, fails naming it.
/// </summary>
internal sealed class VideoFrames : IFrameSource
{
    // Long enough for a loaded machine; the wait loops, so it only bounds how often cancellation is checked.
    private static readonly TimeSpan ReadWait = TimeSpan.FromSeconds(1);

    private readonly string _path;
    private readonly CameraCapture _capture;
    private volatile CameraFailed? _failure;

    public VideoFrames(string videoPath)
    {
        _path = videoPath;
        if (!File.Exists(videoPath))
        {
            throw new FileNotFoundException($"Video '{videoPath}' does not exist.", videoPath);
        }
        _capture = new CameraCapture(FileUri(Path.GetFullPath(videoPath)), new CameraOptions { Delivery = FrameDelivery.EveryFrame });
        // Raised on the capture thread before its queue completes, so once the queue is drained the outcome is known.
        _capture.Transition += (_, e) =>
        {
            if (e is CameraFailed failed)
            {
                _failure = failed;
            }
        };
        _capture.Start();
    }

    /// <summary>
    /// A <c>file://</c> URI for an absolute path. The source unescapes the path and treats '?' as the start of its
    /// options, so only '%' and '?' are escaped: the path stays readable in the source's messages.
    /// </summary>
    internal static string FileUri(string absolutePath) =>
        "file://" + absolutePath.Replace("%", "%25", StringComparison.Ordinal).Replace("?", "%3F", StringComparison.Ordinal);

    /// <summary>The next frame (Sequence 1, 2, …), or null at the end; throws <see cref="InvalidDataException"/> naming the file if decoding failed.</summary>
    public ValueTask<Frame?> NextAsync(CancellationToken cancellationToken = default)
    {
        // TryRead blocks the calling thread; for the one-shot track command that is simpler than a hand-off to async.
        while (!_capture.IsCompleted)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_capture.TryRead(ReadWait, out var frame))
            {
                return ValueTask.FromResult<Frame?>(frame);
            }
        }
        if (_failure is { } failed)
        {
            throw new InvalidDataException($"'{_path}' could not be decoded as a video: {failed.Reason}");
        }
        return ValueTask.FromResult<Frame?>(null);
    }

    public ValueTask DisposeAsync()
    {
        _capture.Dispose();
        return ValueTask.CompletedTask;
    }
}
