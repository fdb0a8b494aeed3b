using EdgeTracker.Camera.Frames;
using EdgeTracker.Inference;

namespace EdgeTracker.Tracking;

/// <summary>
/// NanoTrack's trackers of one camera over one shared backbone. <see cref="BatchedTrackerGroup{TTracker}.TrackAll"/> crops every target's
/// search region into its own item of the backbone's batch, runs the backbone once for all of them, and then each
/// target's own head (its template is folded into its head, so heads cannot share a run). The backbone is about
/// two thirds of a NanoTrack step, and on a GPU one batched run costs little more than one crop.
/// </summary>
/// <remarks>
/// Each target gets what it would get alone: the same crop, the same features (the batch is proved item by item
/// when the group is made, <see cref="NanoTrackBackbone"/>), the same head and post-processing. A target that is
/// lost runs its wider search afterwards on its own. Sharing the backbone also means one backbone session per
/// camera instead of two per target.
/// </remarks>
public sealed class NanoTrackGroup : BatchedTrackerGroup<NanoTrackTracker>
{
    private readonly IReadOnlyDictionary<string, string> _files;
    private readonly NanoTrackBackbone _backbone;

    /// <summary>Loads the shared backbone for up to <paramref name="maxBatch"/> targets a run.</summary>
    /// <param name="manifest">A <c>nanotrack</c> manifest.</param>
    /// <param name="files">Resolved files by role (<c>backbone</c>, <c>head</c>).</param>
    /// <param name="options">Session options of the heads and the template backbone; the group takes ownership.</param>
    /// <param name="batchOptions">Session options of the batched search backbone (e.g. a TensorRT batch profile); the group takes ownership; null = <paramref name="options"/>.</param>
    /// <param name="maxBatch">The most targets one backbone run takes; 1 runs them in turn.</param>
    /// <param name="notBatchedReason">When <paramref name="maxBatch"/> is 1, why (for <see cref="Batching"/>).</param>
    /// <param name="confidence">State machine thresholds of every tracker.</param>
    /// <param name="channelOrder">Overrides the manifest's channel order.</param>
    public NanoTrackGroup(ModelManifest manifest, IReadOnlyDictionary<string, string> files, OrtSessionOptions options, OrtSessionOptions? batchOptions,
        int maxBatch, string? notBatchedReason = null, ConfidenceOptions? confidence = null, string? channelOrder = null)
        : base(manifest, options, batchOptions, confidence, channelOrder)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _files = files;
        _backbone = NanoTrackBackbone.Load(manifest, files["backbone"], options, batchOptions, maxBatch, notBatchedReason);
        Batching = _backbone.Batching;
    }

    /// <inheritdoc />
    public override BatchingInfo Batching { get; }

    /// <inheritdoc />
    public override ISingleObjectTracker CreateTracker() =>
        new NanoTrackTracker(Manifest, _files, _backbone, ownsBackbone: false, Options, ownsSessionOptions: false, Confidence, ChannelOrder);

    /// <inheritdoc />
    protected override int Capacity => _backbone.Capacity;

    /// <inheritdoc />
    protected override bool IsMember(NanoTrackTracker tracker) => ReferenceEquals(tracker.Backbone, _backbone);

    /// <inheritdoc />
    protected override void Prepare(NanoTrackTracker tracker, Frame frame, int item) => tracker.CropSearch(frame, _backbone.SearchInput.Item(item));

    /// <inheritdoc />
    protected override void RunBatch(int count) => _backbone.RunSearch(count);

    /// <inheritdoc />
    /// <remarks>Every target copies its features before any finishes: a lost target's wider search reuses the first item.</remarks>
    protected override void Collect(NanoTrackTracker tracker, int item, long runTicks) => tracker.TakeFeatures(_backbone.SearchFeatures.Item(item), runTicks);

    /// <inheritdoc />
    protected override TrackResult Finish(NanoTrackTracker tracker, Frame frame) => tracker.CompleteTrack(frame);

    /// <inheritdoc />
    protected override void DisposeSessions() => _backbone.Dispose();
}
