using EdgeTracker.Camera.Frames;

namespace EdgeTracker.Tracking;

/// <summary>Whether a group runs its targets' per-frame network in one batch (<c>Tracking:Batching</c>).</summary>
public enum BatchMode
{
    /// <summary>Batch on a GPU provider (TensorRT, CUDA), where one run for several crops costs little more than one;
    /// on the CPU run the targets in turn: there a batch measured no reliable gain, often a loss (docs/performance.md).</summary>
    Auto,

    /// <summary>Batch whenever the model allows it.</summary>
    On,

    /// <summary>Run the targets one after another.</summary>
    Off,
}

/// <summary>How a group runs its targets, for the start-up log, /metrics and tests.</summary>
/// <param name="Batched">True when <see cref="ITrackerGroup.TrackAll"/> runs the per-frame network once for all targets.</param>
/// <param name="MaxBatch">The most targets one run takes (1 when not batched).</param>
/// <param name="Reason">Why it is (or is not) batched, in a sentence.</param>
public sealed record BatchingInfo(bool Batched, int MaxBatch, string Reason);

/// <summary>
/// The trackers of one camera for one model. Trackers made by <see cref="CreateTracker"/> share the group's
/// sessions where the family allows it, and <see cref="TrackAll"/> runs the per-frame network of all of them in
/// one batched call when <see cref="Batching"/> says so; otherwise it tracks them in turn. Either way each target
/// keeps its own state and gets the result it would get alone.
/// </summary>
/// <remarks>
/// One thread (a camera's tracking thread) uses the group and its trackers; only <see cref="CreateTracker"/> may be
/// called from another thread, because creating sessions is slow and must not hold up tracking. Dispose the
/// trackers before the group.
/// </remarks>
public interface ITrackerGroup : IDisposable
{
    /// <summary>The model's name, as in its manifest.</summary>
    string ModelName { get; }

    /// <summary>The ONNX Runtime execution provider running the model.</summary>
    string ExecutionProvider { get; }

    /// <summary>Whether and how the targets are batched.</summary>
    BatchingInfo Batching { get; }

    /// <summary>A new tracker of this group (thread-safe).</summary>
    ISingleObjectTracker CreateTracker();

    /// <summary>
    /// Tracks every tracker in <paramref name="trackers"/> (all made by this group and initialised) on
    /// <paramref name="frame"/>. <paramref name="results"/>[i] receives tracker i's result; when tracker i fails,
    /// <paramref name="failures"/>[i] receives the exception and its result is left as it was, while the others are
    /// still tracked. Allocates nothing.
    /// </summary>
    void TrackAll(Frame frame, ReadOnlySpan<ISingleObjectTracker> trackers, Span<TrackResult> results, Span<Exception?> failures);
}

/// <summary>
/// A group whose trackers run one after another: every family without a batched path, and any model when batching
/// is off or not possible.
/// </summary>
/// <param name="modelName">The model's name.</param>
/// <param name="executionProvider">The provider running it.</param>
/// <param name="create">Makes one tracker (thread-safe).</param>
/// <param name="reason">Why the targets are not batched.</param>
/// <param name="first">A tracker already made (e.g. to prove the model loads), handed out by the first <see cref="CreateTracker"/>.</param>
public sealed class SequentialTrackerGroup(string modelName, string executionProvider, Func<ISingleObjectTracker> create, string reason,
    ISingleObjectTracker? first = null) : ITrackerGroup
{
    private ISingleObjectTracker? _first = first;

    /// <inheritdoc />
    public string ModelName { get; } = modelName;

    /// <inheritdoc />
    public string ExecutionProvider { get; } = executionProvider;

    /// <inheritdoc />
    public BatchingInfo Batching { get; } = new(false, 1, reason);

    /// <inheritdoc />
    public ISingleObjectTracker CreateTracker() => Interlocked.Exchange(ref _first, null) ?? create();

    /// <inheritdoc />
    public void TrackAll(Frame frame, ReadOnlySpan<ISingleObjectTracker> trackers, Span<TrackResult> results, Span<Exception?> failures)
    {
        for (var i = 0; i < trackers.Length; i++)
        {
            failures[i] = null;
            try
            {
                results[i] = trackers[i].Track(frame);
            }
            catch (Exception e)
            {
                failures[i] = e;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => Interlocked.Exchange(ref _first, null)?.Dispose();
}
