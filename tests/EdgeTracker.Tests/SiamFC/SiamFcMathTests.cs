using EdgeTracker.Tracking.SiamFC;

namespace EdgeTracker.Tests.SiamFC;

public sealed class SiamFcMathTests
{
    [Fact]
    public void Hanning_matches_numpy()
    {
        // np.hanning(5) = [0, 0.5, 1, 0.5, 0]
        var w = new float[5];
        ScoreWindows.Hanning(w);
        Assert.Equal([0f, 0.5f, 1f, 0.5f, 0f], w.Select(v => MathF.Round(v, 6)).ToArray());
    }

    [Fact]
    public void Centered_hann_matches_OpenCVs_TrackerVit()
    {
        // 0.5(1 − cos(2π(i+1)/(n+1))) for n = 3: i=0 → 0.5(1−cos(π/2)) = 0.5, i=1 → 1, i=2 → 0.5
        var w = new float[3];
        ScoreWindows.CenteredHann(w);
        Assert.Equal(0.5f, w[0], 6);
        Assert.Equal(1f, w[1], 6);
        Assert.Equal(0.5f, w[2], 6);
    }

    [Fact]
    public void Normalised_2D_window_sums_to_one_and_peaks_in_the_middle()
    {
        var w = ScoreWindows.Hanning2D(9, normalizeSum: true);
        Assert.Equal(1.0, w.Sum(v => (double)v), 5);
        Assert.Equal(w.Max(), w[4 * 9 + 4]);
    }

    [Fact]
    public void Exemplar_side_uses_a_quarter_of_the_perimeter_as_context()
    {
        // w=100, h=50, context 0.5: p = 75 → √(175·125) = 147.902...
        Assert.Equal(MathF.Sqrt(175f * 125f), SiamFcMath.ExemplarSide(100, 50, 0.5f), 4);
        Assert.Equal(147.902f * 255 / 127, SiamFcMath.SearchSide(147.902f, 127, 255), 2);
    }

    [Fact]
    public void Scale_factors_are_powers_of_the_step_around_one()
    {
        var f = new float[5];
        SiamFcMath.ScaleFactors(5, 1.0375f, f);
        Assert.Equal(1f / (1.0375f * 1.0375f), f[0], 6);
        Assert.Equal(1f / 1.0375f, f[1], 6);
        Assert.Equal(1f, f[2]);
        Assert.Equal(1.0375f, f[3], 6);
        Assert.Equal(1.0375f * 1.0375f, f[4], 6);
        Assert.Throws<ArgumentOutOfRangeException>(() => SiamFcMath.ScaleFactors(4, 1.0375f, new float[4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => SiamFcMath.ScaleFactors(3, 0.9f, new float[3]));
    }

    [Fact]
    public void Cubic_weights_match_Keys_kernel_with_a_minus_three_quarters()
    {
        Span<float> w = stackalloc float[4];
        BicubicUpsampler.CubicWeights(0.5f, w);
        // By hand: |x| = 1.5 → a(1.5³ − 5·1.5² + 8·1.5 − 4) = −0.75·0.125; |x| = 0.5 → 1.25·0.125 − 2.25·0.25 + 1
        Assert.Equal(-0.09375f, w[0], 6);
        Assert.Equal(0.59375f, w[1], 6);
        Assert.Equal(0.59375f, w[2], 6);
        Assert.Equal(-0.09375f, w[3], 6);
    }

    [Fact]
    public void Upsampling_an_impulse_gives_the_product_of_kernel_weights()
    {
        var input = new float[16];
        input[1 * 4 + 1] = 1f;
        var up = new BicubicUpsampler(4, 2);
        var output = new float[64];
        up.Upsample(input, output);
        // Output 2 samples input 0.75: distance 0.25 from sample 1 → 1.25·0.25³ − 2.25·0.25² + 1 = 0.87890625.
        Assert.Equal(0.87890625f * 0.87890625f, output[2 * 8 + 2], 6);
        // Output 1 samples input 0.25: distance 0.75 → 1.25·0.421875 − 2.25·0.5625 + 1 = 0.2617188.
        Assert.Equal(0.26171875f * 0.87890625f, output[1 * 8 + 2], 6);
    }

    [Fact]
    public void Upsampling_keeps_constants_and_follows_a_ramp_closely()
    {
        var n = 17;
        var constant = Enumerable.Repeat(0.7f, n * n).ToArray();
        var ramp = new float[n * n];
        for (var y = 0; y < n; y++)
        {
            for (var x = 0; x < n; x++)
            {
                ramp[y * n + x] = 2f * x + 3f;
            }
        }
        var up = new BicubicUpsampler(n, 16);
        var output = new float[272 * 272];
        up.Upsample(constant, output);
        Assert.All(output, v => Assert.Equal(0.7f, v, 5));
        up.Upsample(ramp, output);
        // Keys' kernel with a = −0.75 (OpenCV's) only approximates a line (a = −0.5 would be exact): it stays
        // within 0.05 of a sample (0.1 on this slope of 2), and it stays monotonic.
        for (var o = 40; o < 232; o++)
        {
            var source = (o + 0.5f) / 16 - 0.5f;
            Assert.InRange(output[100 * 272 + o] - (2f * source + 3f), -0.1f, 0.1f);
            Assert.True(output[100 * 272 + o + 1] > output[100 * 272 + o]);
        }
    }

    [Fact]
    public void Displacement_of_the_centre_is_zero_and_scales_with_stride_and_crop()
    {
        var (cx, cy) = SiamFcResponse.Displacement(135, 135, 271, 8, 16, 510, 255);
        Assert.Equal(0f, cx, 5);
        Assert.Equal(0f, cy, 5);
        // (271 − 135.5) = 135.5 upsampled cells · 8/16 crop px · 510/255 frame px = 135.5 px
        var (dx, dy) = SiamFcResponse.Displacement(271, 0, 272, 8, 16, 510, 255);
        Assert.Equal(135.5f, dx, 3);
        Assert.Equal(-135.5f, dy, 3);
    }

    [Fact]
    public void Locate_picks_the_penalised_best_scale_and_the_planted_peak()
    {
        const int n = 17, scales = 3;
        var responses = new float[scales * n * n];
        // Scale 0: peak 1.0 (beats scale 1's 0.99 once penalised? 1.0·0.9745 = 0.9745 < 0.99 → no).
        responses[0 * n * n + 8 * n + 8] = 1.0f;
        // Scale 1 (middle): peak 0.99 at (x=11, y=6).
        responses[1 * n * n + 6 * n + 11] = 0.99f;
        // Scale 2: peak 0.5.
        responses[2 * n * n + 8 * n + 8] = 0.5f;
        var processor = new SiamFcResponse(n, 16, scales, 8);
        var factors = new float[3];
        SiamFcMath.ScaleFactors(3, 1.0375f, factors);
        var peak = processor.Locate(responses, factors, 400f, 255, 0.9745f, 0f);
        Assert.Equal(1, peak.ScaleIndex);
        // Without a window the arg-max is the upsampled impulse's centre: input 11 ↔ outputs 16·11+7, +8 (tie → first).
        Assert.Equal(16 * 11 + 7, peak.PeakX);
        Assert.Equal(16 * 6 + 7, peak.PeakY);
        var expected = (16 * 11 + 7 - 135.5f) * 8f / 16f * 400f / 255f;
        Assert.Equal(expected, peak.DisplacementX, 3);

        // With a strong scale-0 peak the penalty no longer saves the middle scale.
        responses[0 * n * n + 8 * n + 8] = 1.2f;
        Assert.Equal(0, processor.Locate(responses, factors, 400f, 255, 0.9745f, 0f).ScaleIndex);
    }

    [Fact]
    public void The_window_pulls_a_tie_towards_the_centre()
    {
        const int n = 17;
        var responses = new float[n * n];
        responses[8 * n + 8] = 1f;
        responses[1 * n + 1] = 1f;
        var processor = new SiamFcResponse(n, 16, 1, 8);
        var peak = processor.Locate(responses, [1f], 400f, 255, 1f, 0.2f);
        Assert.InRange(peak.PeakX, 16 * 8, 16 * 8 + 15);
        Assert.InRange(peak.PeakY, 16 * 8, 16 * 8 + 15);
    }
}
