using EdgeTracker.Evaluation;
using EdgeTracker.Tracking;

namespace EdgeTracker.Tests.Evaluation;

/// <summary>The scoring convention on hand-made data whose answers are worked out by hand.</summary>
public sealed class MetricsTests
{
    private static readonly BoxF Gt = new(0, 0, 10, 10);

    [Fact]
    public void A_perfect_tracker_scores_20_of_21_because_success_needs_IoU_above_the_threshold()
    {
        var score = Metrics.Score([Gt, Gt, Gt], [Gt, Gt, Gt]);
        Assert.Equal(20.0 / 21.0, score.Auc, 12);
        Assert.Equal(1.0, score.Precision20);
        Assert.Equal(21, Metrics.Thresholds.Length);
        Assert.Equal(0.0, score.SuccessCurve[^1]); // IoU 1 is not above threshold 1
    }

    [Fact]
    public void IoU_of_exactly_one_half_succeeds_at_thresholds_0_to_045_only()
    {
        // Frame 1: IoU 1 (20 thresholds); frame 2: IoU 0.5 (thresholds 0 … 0.45, i.e. 10): AUC = 30 / 42.
        var score = Metrics.Score([Gt, new BoxF(0, 0, 10, 5)], [Gt, Gt]);
        Assert.Equal(30.0 / 42.0, score.Auc, 12);
        Assert.Equal(1.0, score.SuccessCurve[9]);  // threshold 0.45
        Assert.Equal(0.5, score.SuccessCurve[10]); // threshold 0.5: only frame 1
    }

    [Fact]
    public void Frames_with_invalid_ground_truth_are_left_out_of_the_denominator()
    {
        var nan = new BoxF(float.NaN, float.NaN, float.NaN, float.NaN);
        var zeroWidth = new BoxF(5, 5, 0, 10);
        var far = new BoxF(500, 500, 10, 10);
        var score = Metrics.Score([Gt, far, far, Gt], [Gt, nan, zeroWidth, Gt]);
        Assert.Equal(2, score.ScoredFrames);
        Assert.Equal(20.0 / 21.0, score.Auc, 12);
    }

    [Fact]
    public void A_lost_frame_scores_zero_and_precision_counts_centre_errors_up_to_20_px()
    {
        var shifted20 = new BoxF(20, 0, 10, 10);   // centre error exactly 20 px, no overlap
        var shifted21 = new BoxF(0, 21, 10, 10);
        var score = Metrics.Score([Gt, shifted20, shifted21, Gt], [Gt, Gt, Gt, Gt]);
        Assert.Equal(3.0 / 4.0, score.Precision20, 12);
        Assert.Equal(2 * 20.0 / (21.0 * 4), score.Auc, 12);
        // Normalised precision: 20 px over a 10 px box is 2.0 > 0.2.
        Assert.Equal(2.0 / 4.0, score.NormPrecision, 12);
    }

    [Fact]
    public void ROC_AUC_is_the_chance_a_positive_outscores_a_negative_with_ties_counting_half()
    {
        Assert.Equal(1.0, Metrics.RocAuc([(0.1, false), (0.4, true), (0.35, false), (0.8, true)]));
        Assert.Equal(0.0, Metrics.RocAuc([(0.9, false), (0.1, true)]));
        Assert.Equal(0.5, Metrics.RocAuc([(0.5, false), (0.5, true)]));
        // Positives 0.6, 0.3; negatives 0.5, 0.2: pairs won 0.6>0.5, 0.6>0.2, 0.3>0.2; lost 0.3<0.5 → 3/4.
        Assert.Equal(0.75, Metrics.RocAuc([(0.6, true), (0.3, true), (0.5, false), (0.2, false)]));
        Assert.True(double.IsNaN(Metrics.RocAuc([(0.5, true)])));
    }
}
