using EdgeTracker.Camera.Frames;
using EdgeTracker.Inference;

namespace EdgeTracker.Tracking.VitTrack;

/// <summary>
/// VitTrack's trackers of one camera over one shared model: each frame every target puts its template and its
/// search crop into its own batch item, and the one-stream transformer runs once for all of them. VitTrack has no
/// second network and no per-target search of its own, so the whole step is batched.
/// </summary>
/// <remarks>
/// The file declares a batch of 1; it is rewritten and proved item by item (<see cref="BatchedSession"/>): the
/// shared vitTracker.onnx matches single runs within about 1e-6. Each target keeps its 128×128 template and copies
/// it into its item each frame (196 KB, a few µs next to a run of about 10 ms).
/// </remarks>
public sealed class VitTrackGroup : BatchedTrackerGroup<VitTrackTracker>
{
    private readonly BatchedSession _model;

    /// <summary>Loads the shared model for up to <paramref name="maxBatch"/> targets a run.</summary>
    /// <param name="manifest">A <c>vittrack</c> manifest.</param>
    /// <param name="files">Resolved files by role (<c>model</c>).</param>
    /// <param name="options">Session options; the group takes ownership.</param>
    /// <param name="batchOptions">Session options of the batched model (e.g. a TensorRT batch profile); the group takes ownership; null = <paramref name="options"/>.</param>
    /// <param name="maxBatch">The most targets one run takes; 1 runs them in turn.</param>
    /// <param name="notBatchedReason">When <paramref name="maxBatch"/> is 1, why.</param>
    /// <param name="confidence">State thresholds of every tracker.</param>
    /// <param name="channelOrder">Overrides the manifest's channel order.</param>
    public VitTrackGroup(ModelManifest manifest, IReadOnlyDictionary<string, string> files, OrtSessionOptions options, OrtSessionOptions? batchOptions,
        int maxBatch, string? notBatchedReason = null, ConfidenceOptions? confidence = null, string? channelOrder = null)
        : base(manifest, options, batchOptions, confidence, channelOrder)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _model = VitTrackTracker.LoadModel(manifest, files["model"], options, maxBatch, batchOptions, notBatchedReason);
        Batching = new BatchingInfo(_model.Batched, _model.Capacity, _model.Reason);
    }

    /// <inheritdoc />
    public override BatchingInfo Batching { get; }

    /// <inheritdoc />
    public override ISingleObjectTracker CreateTracker() =>
        new VitTrackTracker(Manifest, _model, ownsModel: false, Options.Provider, Confidence, ChannelOrder);

    /// <inheritdoc />
    protected override int Capacity => _model.Capacity;

    /// <inheritdoc />
    protected override bool IsMember(VitTrackTracker tracker) => ReferenceEquals(tracker.Model, _model);

    /// <inheritdoc />
    protected override void Prepare(VitTrackTracker tracker, Frame frame, int item) => tracker.Prepare(frame, item);

    /// <inheritdoc />
    protected override void RunBatch(int count) => _model.Run(count);

    /// <inheritdoc />
    protected override void Collect(VitTrackTracker tracker, int item, long runTicks) => tracker.Collect(item, runTicks);

    /// <inheritdoc />
    protected override TrackResult Finish(VitTrackTracker tracker, Frame frame) => tracker.Finish(frame);

    /// <inheritdoc />
    protected override void DisposeSessions() => _model.Dispose();
}
