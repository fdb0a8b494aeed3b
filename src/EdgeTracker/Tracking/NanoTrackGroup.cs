using EdgeTracker.Camera.Frames;
using EdgeTracker.Inference;

namespace EdgeTracker.Tracking;

/// <summary>
/// NanoTrack's trackers of one camera over one shared backbone. <see cref="TrackAll"/> crops every target's
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
public sealed class NanoTrackGroup : ITrackerGroup
{
    private readonly ModelManifest _manifest;
    private readonly IReadOnlyDictionary<string, string> _files;
    private readonly OrtSessionOptions _options;
    private readonly OrtSessionOptions? _batchOptions;
    private readonly NanoTrackBackbone _backbone;
    private readonly ConfidenceOptions? _confidence;
    private readonly string? _channelOrder;
    private readonly NanoTrackTracker?[] _batch;

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
    {
        if (maxBatch < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBatch), maxBatch, "A group batches at least one target.");
        }
        _manifest = manifest;
        _files = files;
        _options = options;
        _batchOptions = batchOptions;
        _confidence = confidence;
        _channelOrder = channelOrder;
        _backbone = NanoTrackBackbone.Load(manifest, files["backbone"], options, batchOptions, maxBatch);
        Batching = maxBatch == 1 && notBatchedReason is not null ? _backbone.Batching with { Reason = notBatchedReason } : _backbone.Batching;
        _batch = new NanoTrackTracker?[_backbone.Capacity];
    }

    /// <inheritdoc />
    public string ModelName => _manifest.Name;

    /// <inheritdoc />
    public string ExecutionProvider => _options.Provider;

    /// <inheritdoc />
    public BatchingInfo Batching { get; }

    /// <inheritdoc />
    public ISingleObjectTracker CreateTracker() =>
        new NanoTrackTracker(_manifest, _files, _backbone, ownsBackbone: false, _options, ownsSessionOptions: false, _confidence, _channelOrder);

    /// <inheritdoc />
    public void TrackAll(Frame frame, ReadOnlySpan<ISingleObjectTracker> trackers, Span<TrackResult> results, Span<Exception?> failures)
    {
        var capacity = _backbone.Capacity;
        for (var start = 0; start < trackers.Length; start += capacity)
        {
            var count = Math.Min(capacity, trackers.Length - start);
            TrackBatch(frame, trackers.Slice(start, count), results.Slice(start, count), failures.Slice(start, count));
        }
    }

    private void TrackBatch(Frame frame, ReadOnlySpan<ISingleObjectTracker> trackers, Span<TrackResult> results, Span<Exception?> failures)
    {
        // 1. Every target crops into its own batch item; one that cannot (not initialised, not ours) is left out.
        var count = 0;
        for (var i = 0; i < trackers.Length; i++)
        {
            failures[i] = null;
            _batch[i] = null;
            try
            {
                var tracker = trackers[i] as NanoTrackTracker;
                if (tracker is null || !ReferenceEquals(tracker.Backbone, _backbone))
                {
                    throw new ArgumentException($"Tracker {i} ({trackers[i].GetType().Name}) was not made by this group.", nameof(trackers));
                }
                tracker.CropSearch(frame, _backbone.SearchInput.Item(count));
                _batch[i] = tracker;
                count++;
            }
            catch (Exception e)
            {
                failures[i] = e;
            }
        }
        if (count == 0)
        {
            return;
        }

        // 2. One backbone run for all; each target takes its features before any target runs an extra search
        //    (a lost target's wider search reuses the first item).
        var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            _backbone.RunSearch(count);
        }
        catch (Exception e)
        {
            for (var i = 0; i < trackers.Length; i++)
            {
                if (_batch[i] is not null)
                {
                    failures[i] = e;
                    _batch[i] = null;
                }
            }
            return;
        }
        var backboneTicks = System.Diagnostics.Stopwatch.GetTimestamp() - t0;
        for (int i = 0, item = 0; i < trackers.Length; i++)
        {
            if (_batch[i] is { } tracker)
            {
                tracker.TakeFeatures(_backbone.SearchFeatures.Item(item++), backboneTicks);
            }
        }

        // 3. Each target's own head, post-processing and state.
        for (var i = 0; i < trackers.Length; i++)
        {
            if (_batch[i] is not { } tracker)
            {
                continue;
            }
            _batch[i] = null;
            try
            {
                results[i] = tracker.CompleteTrack(frame);
            }
            catch (Exception e)
            {
                failures[i] = e;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _backbone.Dispose();
        _batchOptions?.Dispose();
        _options.Dispose();
    }
}
