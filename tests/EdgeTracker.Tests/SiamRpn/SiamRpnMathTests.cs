using EdgeTracker.Tracking.SiamRpn;

namespace EdgeTracker.Tests.SiamRpn;

public sealed class SiamRpnMathTests
{
    internal static readonly float[] PysotRatios = [0.33f, 0.5f, 1f, 2f, 3f];

    [Fact]
    public void Base_anchors_match_pysots_truncated_sizes()
    {
        // stride 8 → area 64; ratio r: ws = ⌊√(64/r)⌋, hs = ⌊ws·r⌋, times scale 8.
        var sizes = Anchors.BaseSizes(8, PysotRatios, [8f]);
        Assert.Equal([(104f, 32f), (88f, 40f), (64f, 64f), (40f, 80f), (32f, 96f)], sizes);
    }

    [Fact]
    public void Anchors_are_anchor_major_and_centred_on_the_crop()
    {
        var anchors = Anchors.Generate(8, PysotRatios, [8f], 25);
        Assert.Equal(5 * 25 * 25, anchors.Length);
        // Cell (0, 0) sits 12 cells up-left of the centre; the centre cell at 0.
        Assert.Equal(new Anchor(-96, -96, 104, 32), anchors[0]);
        Assert.Equal(new Anchor(0, 0, 104, 32), anchors[12 * 25 + 12]);
        // Anchor 2 (ratio 1), row 3, column 20.
        Assert.Equal(new Anchor(-96 + 20 * 8, -96 + 3 * 8, 64, 64), anchors[2 * 625 + 3 * 25 + 20]);
        Assert.Throws<ArgumentOutOfRangeException>(() => Anchors.BaseSizes(8, [0f], [8f]));
    }

    [Fact]
    public void Penalty_is_one_without_change_and_matches_a_hand_computation()
    {
        var size = SiamRpnDecoder.PaddedSize(64, 64);
        Assert.Equal(128f, size, 4);
        Assert.Equal(1f, SiamRpnDecoder.Penalty(64, 64, size, 1f, 0.05f), 6);
        // 96×64 vs 64×64: padded √(176·144) / 128, ratio change 1.5.
        var sc = MathF.Sqrt(176f * 144f) / 128f;
        var expected = MathF.Exp(-(1.5f * sc - 1f) * 0.05f);
        Assert.Equal(expected, SiamRpnDecoder.Penalty(96, 64, size, 1f, 0.05f), 6);
        Assert.Equal(0.95764f, expected, 4);
    }

    [Fact]
    public void A_planted_peak_decodes_to_the_hand_computed_box()
    {
        const int k = 5, s = 5, cells = s * s, count = k * cells;
        var anchors = Anchors.Generate(8, PysotRatios, [8f], s);
        var decoder = new SiamRpnDecoder(anchors, k, s);
        var cls = new float[2 * count];
        var loc = new float[4 * count];
        for (var i = 0; i < count; i++)
        {
            cls[i] = 0f;          // background logit
            cls[count + i] = -5f; // foreground logit
        }
        // Anchor 2 (64×64) at row 1, column 3: centre (−16 + 24, −16 + 8) = (8, −8).
        var index = 2 * cells + 1 * s + 3;
        cls[count + index] = 5f;
        loc[index] = 0.25f;                   // dx · 64 → +16
        loc[count + index] = -0.5f;           // dy · 64 → −32
        loc[2 * count + index] = MathF.Log(1.5f); // w = 1.5 · 64
        loc[3 * count + index] = 0f;          // h = 64
        var choice = decoder.Decode(cls, loc, 64, 64, penaltyK: 0.05f, windowInfluence: 0f);
        Assert.Equal(index, choice.Index);
        Assert.Equal(24f, choice.CenterX, 4);
        Assert.Equal(-40f, choice.CenterY, 4);
        Assert.Equal(96f, choice.Width, 3);
        Assert.Equal(64f, choice.Height, 4);
        Assert.Equal(1f / (1f + MathF.Exp(-5f)), choice.Score, 6);
        Assert.Equal(SiamRpnDecoder.Penalty(96, 64, 128f, 1f, 0.05f), choice.Penalty, 6);
        Assert.Equal(choice.Penalty * choice.Score * 0.38f, choice.SizeRate(0.38f), 6);
    }

    [Fact]
    public void The_tiled_window_beats_a_slightly_stronger_peak_at_the_border()
    {
        const int k = 5, s = 5, cells = s * s, count = k * cells;
        var decoder = new SiamRpnDecoder(Anchors.Generate(8, PysotRatios, [8f], s), k, s);
        var cls = new float[2 * count];
        var loc = new float[4 * count];
        Array.Fill(cls, -5f, count, count);
        cls[count + 2 * cells + 2 * s + 2] = 2f;     // centre cell, ratio 1
        cls[count + 2 * cells + 0 * s + 1] = 2.5f;   // border cell: window 0 there
        Assert.Equal(2 * cells + 2 * s + 2, decoder.Decode(cls, loc, 64, 64, 0.05f, 0.4f).Index);
        Assert.Equal(2 * cells + 0 * s + 1, decoder.Decode(cls, loc, 64, 64, 0.05f, 0f).Index);
        // The window is the same for every anchor.
        Assert.Equal(decoder.Window[2 * s + 2], decoder.Window[4 * cells + 2 * s + 2]);
    }

    [Fact]
    public void Wrong_output_sizes_are_named()
    {
        var decoder = new SiamRpnDecoder(Anchors.Generate(8, PysotRatios, [8f], 5), 5, 5);
        var error = Assert.Throws<ArgumentException>(() => decoder.Decode(new float[10], new float[500], 64, 64, 0.05f, 0.4f));
        Assert.Contains("classification", error.Message);
    }
}
