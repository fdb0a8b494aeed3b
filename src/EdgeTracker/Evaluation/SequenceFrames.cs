using System.Threading.Channels;
using EdgeTracker.Camera;
using EdgeTracker.Camera.Frames;
using EdgeTracker.Camera.Jpeg;

namespace EdgeTracker.Evaluation;

/// <summary>
/// Decodes a sequence's JPEGs on a background task into pooled frames, a few frames ahead of the tracker, so the
/// tracker's timing never includes decoding. Consumers dispose each frame when done. Decoding is Camera's
/// <see cref="JpegDecoder"/> (libturbojpeg, grayscale expanded to BGR as OpenCV's imread does), strict: a damaged
/// JPEG fails naming its file rather than being scored as a half-grey frame.
/// </summary>
internal sealed class SequenceFrames : IFrameSource
{
    private readonly Channel<Frame> _channel;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _producer;

    private readonly int _count;
    private readonly int _ahead;

    public SequenceFrames(IReadOnlyList<string> framePaths, int ahead = 8)
    {
        _count = framePaths.Count;
        _ahead = ahead;
        _channel = Channel.CreateBounded<Frame>(new BoundedChannelOptions(ahead) { SingleReader = true, SingleWriter = true });
        // Frames start empty and grow to the images' size on first decode (a pool of 720p frames would waste memory on small sequences).
        var pool = new FramePool(ahead + 3, 3);
        _producer = Task.Run(async () =>
        {
            using var decoder = new JpegDecoder { AcceptRecoverableDamage = false };
            try
            {
                for (var i = 0; i < framePaths.Count; i++)
                {
                    var path = framePaths[i];
                    var bytes = await File.ReadAllBytesAsync(path, _stop.Token).ConfigureAwait(false);
                    Frame frame;
                    while (!pool.TryRent(out frame))
                    {
                        // Every pooled frame is queued or held by the tracker: wait for one to come back.
                        await Task.Delay(1, _stop.Token).ConfigureAwait(false);
                    }
                    try
                    {
                        decoder.Decode(bytes, frame, i + 1);
                    }
                    catch (CameraException e)
                    {
                        frame.Dispose();
                        throw new InvalidDataException($"'{path}' could not be decoded: {e.Message}", e);
                    }
                    await _channel.Writer.WriteAsync(frame, _stop.Token).ConfigureAwait(false);
                }
                _channel.Writer.TryComplete();
            }
            catch (Exception e)
            {
                _channel.Writer.TryComplete(e);
            }
        });
    }

    /// <summary>Waits until the read-ahead buffer is full (or everything is decoded), so tracking then runs without a decoder competing for the CPU.</summary>
    public async Task WaitUntilBufferedAsync(CancellationToken cancellationToken = default)
    {
        var target = Math.Min(_ahead, _count);
        while (_channel.Reader.Count < target && !_channel.Reader.Completion.IsCompleted)
        {
            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The next frame, or null at the end. Throws the decoder's error (naming the file) if one occurred.</summary>
    public async ValueTask<Frame?> NextAsync(CancellationToken cancellationToken = default)
    {
        while (await _channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_channel.Reader.TryRead(out var frame))
            {
                return frame;
            }
        }
        await _channel.Reader.Completion.ConfigureAwait(false); // rethrows a decoding error
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _producer.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        while (_channel.Reader.TryRead(out var frame))
        {
            frame.Dispose();
        }
        _stop.Dispose();
    }
}
