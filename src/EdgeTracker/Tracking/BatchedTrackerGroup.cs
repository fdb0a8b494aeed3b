using EdgeTracker.Camera.Frames;
using EdgeTracker.Inference;

namespace EdgeTracker.Tracking;

/// <summary>
/// The frame loop shared by the families whose per-frame network runs for several targets at once: every target
/// prepares its inputs in its own batch item, the network runs once for all of them, every target collects its
/// outputs, then every target finishes its frame (post-processing, state, any search of its own). A target that
/// fails in any phase is reported alone; the others go on.
/// </summary>
/// <typeparam name="TTracker">The family's tracker, made by this group.</typeparam>
public abstract class BatchedTrackerGroup<TTracker> : ITrackerGroup where TTracker : class, ISingleObjectTracker
{
    private TTracker?[] _members = [];

    /// <summary>Takes ownership of the session options (disposed after the derived group's sessions).</summary>
    /// <param name="manifest">The model's manifest.</param>
    /// <param name="options">Session options of the group's sessions.</param>
    /// <param name="batchOptions">Session options of the batched session (e.g. a TensorRT batch profile); null = <paramref name="options"/>.</param>
    /// <param name="confidence">State thresholds of every tracker.</param>
    /// <param name="channelOrder">Overrides the manifest's channel order.</param>
    protected BatchedTrackerGroup(ModelManifest manifest, OrtSessionOptions options, OrtSessionOptions? batchOptions, ConfidenceOptions? confidence, string? channelOrder)
    {
        Manifest = manifest;
        Options = options;
        BatchOptions = batchOptions;
        Confidence = confidence;
        ChannelOrder = channelOrder;
    }

    /// <summary>The model's manifest.</summary>
    protected ModelManifest Manifest { get; }

    /// <summary>Session options of the group's sessions.</summary>
    protected OrtSessionOptions Options { get; }

    /// <summary>Session options of the batched session, when they differ.</summary>
    protected OrtSessionOptions? BatchOptions { get; }

    /// <summary>State thresholds of every tracker.</summary>
    protected ConfidenceOptions? Confidence { get; }

    /// <summary>The channel order override, if any.</summary>
    protected string? ChannelOrder { get; }

    /// <inheritdoc />
    public string ModelName => Manifest.Name;

    /// <inheritdoc />
    public string ExecutionProvider => Options.Provider;

    /// <inheritdoc />
    public abstract BatchingInfo Batching { get; }

    /// <inheritdoc />
    public abstract ISingleObjectTracker CreateTracker();

    /// <summary>The most targets one network run takes.</summary>
    protected abstract int Capacity { get; }

    /// <summary>Whether <paramref name="tracker"/> was made by this group (it runs on this group's sessions).</summary>
    protected abstract bool IsMember(TTracker tracker);

    /// <summary>Phase 1: the tracker writes its inputs into batch item <paramref name="item"/> (throws when it cannot, e.g. before Init).</summary>
    protected abstract void Prepare(TTracker tracker, Frame frame, int item);

    /// <summary>The network, once, for the first <paramref name="count"/> items.</summary>
    protected abstract void RunBatch(int count);

    /// <summary>Phase 2, right after the run and before any target finishes: the tracker takes its outputs from item <paramref name="item"/>.</summary>
    protected abstract void Collect(TTracker tracker, int item, long runTicks);

    /// <summary>Phase 3: the tracker finishes its frame.</summary>
    protected abstract TrackResult Finish(TTracker tracker, Frame frame);

    /// <inheritdoc />
    public void TrackAll(Frame frame, ReadOnlySpan<ISingleObjectTracker> trackers, Span<TrackResult> results, Span<Exception?> failures)
    {
        var capacity = Capacity;
        if (_members.Length < capacity)
        {
            _members = new TTracker?[capacity];
        }
        for (var start = 0; start < trackers.Length; start += capacity)
        {
            var count = Math.Min(capacity, trackers.Length - start);
            TrackBatch(frame, trackers.Slice(start, count), results.Slice(start, count), failures.Slice(start, count));
        }
    }

    private void TrackBatch(Frame frame, ReadOnlySpan<ISingleObjectTracker> trackers, Span<TrackResult> results, Span<Exception?> failures)
    {
        var count = 0;
        for (var i = 0; i < trackers.Length; i++)
        {
            failures[i] = null;
            _members[i] = null;
            try
            {
                if (trackers[i] is not TTracker tracker || !IsMember(tracker))
                {
                    throw new ArgumentException($"Tracker {i} ({trackers[i].GetType().Name}) was not made by this group.", nameof(trackers));
                }
                Prepare(tracker, frame, count);
                _members[i] = tracker;
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

        var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            RunBatch(count);
        }
        catch (Exception e)
        {
            for (var i = 0; i < trackers.Length; i++)
            {
                if (_members[i] is not null)
                {
                    failures[i] = e;
                    _members[i] = null;
                }
            }
            return;
        }
        var runTicks = System.Diagnostics.Stopwatch.GetTimestamp() - t0;
        for (int i = 0, item = 0; i < trackers.Length; i++)
        {
            if (_members[i] is { } tracker)
            {
                Collect(tracker, item++, runTicks);
            }
        }
        for (var i = 0; i < trackers.Length; i++)
        {
            if (_members[i] is not { } tracker)
            {
                continue;
            }
            _members[i] = null; // holds no tracker between frames
            try
            {
                results[i] = Finish(tracker, frame);
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
        DisposeSessions();
        BatchOptions?.Dispose();
        Options.Dispose();
    }

    /// <summary>Releases the derived group's sessions (before the options they were made with).</summary>
    protected abstract void DisposeSessions();
}
