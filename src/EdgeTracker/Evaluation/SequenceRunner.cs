using System.Diagnostics;
using EdgeTracker.Tracking;

namespace EdgeTracker.Evaluation;

/// <summary>One frame's tracker output and the tracker time it took (Stopwatch ticks; 0 for frame 1, which is the ground truth).</summary>
public readonly record struct FrameRecord(BoxF Box, float Score, float Confidence, TargetState State, long Ticks);

/// <summary>A tracker's run over one sequence.</summary>
public sealed record SequenceRun(Sequence Sequence, IReadOnlyList<FrameRecord> Frames, SequenceScore Score, double Fps, int LostFrames)
{
    /// <summary>The predicted boxes, frame 1 first.</summary>
    public IReadOnlyList<BoxF> Boxes => [.. Frames.Select(f => f.Box)];
}

/// <summary>Runs a tracker over a sequence: init on frame 1's ground truth, track the rest; decoding happens ahead, off the clock.</summary>
public static class SequenceRunner
{
    /// <summary>
    /// Runs and scores. <paramref name="progress"/> is told the number of frames done. With <paramref name="preload"/>
    /// every frame is decoded before tracking starts (about 2.7 MB a 720p frame), so no decoder thread competes with
    /// the tracker for the CPU while it is timed; otherwise decoding runs 8 frames ahead on another thread.
    /// </summary>
    public static async Task<SequenceRun> RunAsync(ISingleObjectTracker tracker, Sequence sequence, IProgress<int>? progress = null,
        bool preload = false, CancellationToken cancellationToken = default)
    {
        var records = new FrameRecord[sequence.FramePaths.Count];
        await using var frames = new SequenceFrames(sequence.FramePaths, preload ? sequence.FramePaths.Count : 8);
        if (preload)
        {
            await frames.WaitUntilBufferedAsync(cancellationToken).ConfigureAwait(false);
        }
        long trackTicks = 0;
        var lost = 0;
        for (var i = 0; i < records.Length; i++)
        {
            using var frame = await frames.NextAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidDataException($"Sequence '{sequence.Folder}' ended after {i} frames.");
            if (i == 0)
            {
                var start = sequence.GroundTruth[0];
                tracker.Init(frame, start);
                records[0] = new FrameRecord(start, 1f, 1f, TargetState.Tracking, 0);
                continue;
            }
            var t0 = Stopwatch.GetTimestamp();
            var result = tracker.Track(frame);
            var ticks = Stopwatch.GetTimestamp() - t0;
            trackTicks += ticks;
            if (result.State == TargetState.Lost)
            {
                lost++;
            }
            records[i] = new FrameRecord(result.Box, result.Score, result.Confidence, result.State, ticks);
            if (i % 25 == 0)
            {
                progress?.Report(i);
            }
        }
        progress?.Report(records.Length);
        var score = Metrics.Score([.. records.Select(r => r.Box)], sequence.GroundTruth);
        var fps = trackTicks > 0 ? (records.Length - 1) / ((double)trackTicks / Stopwatch.Frequency) : 0;
        return new SequenceRun(sequence, records, score, fps, lost);
    }

    /// <summary>
    /// The confidence check of docs/tracking.md: positives are frames where the target is visible and tracked
    /// (IoU ≥ 0.3), negatives frames where it is absent (invalid ground truth) or lost (IoU = 0); frame 1 and frames
    /// in between are left out. Returns (score, positive) pairs for the raw score and for our confidence.
    /// </summary>
    public static (List<(double, bool)> Raw, List<(double, bool)> Ours) ConfidenceSamples(IEnumerable<SequenceRun> runs)
    {
        var raw = new List<(double, bool)>();
        var ours = new List<(double, bool)>();
        foreach (var run in runs)
        {
            for (var i = 1; i < run.Frames.Count; i++)
            {
                var gt = run.Sequence.GroundTruth[i];
                var f = run.Frames[i];
                bool positive;
                if (!Metrics.IsValidTruth(gt))
                {
                    positive = false;
                }
                else
                {
                    var iou = Metrics.IoU(f.Box, gt);
                    if (iou >= 0.3) positive = true;
                    else if (iou == 0) positive = false;
                    else continue;
                }
                raw.Add((f.Score, positive));
                ours.Add((f.Confidence, positive));
            }
        }
        return (raw, ours);
    }
}
