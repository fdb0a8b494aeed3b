using EdgeTracker.Camera.Frames;

namespace EdgeTracker.Evaluation;

/// <summary>Frames for the offline commands, decoded ahead of the tracker. Each returned frame is disposed by the caller.</summary>
internal interface IFrameSource : IAsyncDisposable
{
    /// <summary>The next frame, or null at the end; throws the decoder's error naming the input.</summary>
    ValueTask<Frame?> NextAsync(CancellationToken cancellationToken = default);
}
