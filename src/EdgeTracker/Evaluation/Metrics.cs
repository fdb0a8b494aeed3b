using EdgeTracker.Tracking;

namespace EdgeTracker.Evaluation;

/// <summary>One sequence's scores (OTB / pysot one-pass evaluation, as the shared sequences' README defines).</summary>
/// <param name="Auc">Mean success rate over the 21 IoU thresholds 0, 0.05, …, 1 (success = IoU &gt; threshold).</param>
/// <param name="Precision20">Share of frames whose centre error is at most 20 px.</param>
/// <param name="NormPrecision">Share of frames whose centre error, divided per axis by the ground truth's size, is at most 0.2.</param>
/// <param name="ScoredFrames">Frames with valid ground truth (the denominator).</param>
/// <param name="SuccessCurve">Success rate at each of the 21 thresholds.</param>
public sealed record SequenceScore(double Auc, double Precision20, double NormPrecision, int ScoredFrames, double[] SuccessCurve);

/// <summary>The scoring convention: frame 1 counted (its box is the ground truth, IoU 1), invalid ground truth left out.</summary>
public static class Metrics
{
    /// <summary>The 21 overlap thresholds 0, 0.05, …, 1.</summary>
    public static readonly double[] Thresholds = [.. Enumerable.Range(0, 21).Select(i => i * 0.05)];

    /// <summary>IoU of two boxes in double precision (no +1 pixel convention, as pysot's overlap_ratio).</summary>
    public static double IoU(BoxF a, BoxF b)
    {
        double ix = Math.Max(0, Math.Min((double)a.X + a.W, (double)b.X + b.W) - Math.Max(a.X, b.X));
        double iy = Math.Max(0, Math.Min((double)a.Y + a.H, (double)b.Y + b.H) - Math.Max(a.Y, b.Y));
        var intersection = ix * iy;
        var union = (double)a.W * a.H + (double)b.W * b.H - intersection;
        return union > 0 ? intersection / union : 0;
    }

    /// <summary>True when a ground-truth box counts: finite, width and height above zero.</summary>
    public static bool IsValidTruth(BoxF box) => box.IsValid;

    /// <summary>Scores predictions against ground truth; both lists are per frame, frame 1 first.</summary>
    public static SequenceScore Score(IReadOnlyList<BoxF> predictions, IReadOnlyList<BoxF> truth)
    {
        if (predictions.Count != truth.Count)
        {
            throw new ArgumentException($"{predictions.Count} predictions for {truth.Count} ground-truth boxes.");
        }
        var successCounts = new int[Thresholds.Length];
        int scored = 0, precise = 0, normPrecise = 0;
        for (var i = 0; i < truth.Count; i++)
        {
            var gt = truth[i];
            if (!IsValidTruth(gt))
            {
                continue;
            }
            scored++;
            var p = predictions[i];
            var iou = p.IsValid ? IoU(p, gt) : 0;
            for (var t = 0; t < Thresholds.Length; t++)
            {
                if (iou > Thresholds[t])
                {
                    successCounts[t]++;
                }
            }
            double dx = (p.X + p.W / 2.0) - (gt.X + gt.W / 2.0);
            double dy = (p.Y + p.H / 2.0) - (gt.Y + gt.H / 2.0);
            if (Math.Sqrt(dx * dx + dy * dy) <= 20)
            {
                precise++;
            }
            var nx = dx / gt.W;
            var ny = dy / gt.H;
            if (Math.Sqrt(nx * nx + ny * ny) <= 0.2)
            {
                normPrecise++;
            }
        }
        if (scored == 0)
        {
            return new SequenceScore(0, 0, 0, 0, new double[Thresholds.Length]);
        }
        var curve = successCounts.Select(c => (double)c / scored).ToArray();
        return new SequenceScore(curve.Average(), (double)precise / scored, (double)normPrecise / scored, scored, curve);
    }

    /// <summary>
    /// ROC AUC of a score separating positives from negatives (the probability a random positive scores above a
    /// random negative, ties counting half); NaN when either class is empty.
    /// </summary>
    public static double RocAuc(IReadOnlyList<(double Score, bool Positive)> samples)
    {
        var sorted = samples.OrderBy(s => s.Score).ToArray();
        long positives = sorted.Count(s => s.Positive);
        long negatives = sorted.Length - positives;
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }
        // Mann–Whitney U with average ranks for ties.
        double rankSum = 0;
        var i = 0;
        while (i < sorted.Length)
        {
            var j = i;
            while (j + 1 < sorted.Length && sorted[j + 1].Score == sorted[i].Score)
            {
                j++;
            }
            var averageRank = (i + j + 2) / 2.0; // 1-based ranks i+1 … j+1
            for (var k = i; k <= j; k++)
            {
                if (sorted[k].Positive)
                {
                    rankSum += averageRank;
                }
            }
            i = j + 1;
        }
        return (rankSum - positives * (positives + 1) / 2.0) / (positives * (double)negatives);
    }
}
