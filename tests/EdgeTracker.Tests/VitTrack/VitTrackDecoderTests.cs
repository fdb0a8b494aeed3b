using EdgeTracker.Tracking;
using EdgeTracker.Tracking.VitTrack;

namespace EdgeTracker.Tests.VitTrack;

public sealed class VitTrackDecoderTests
{
    [Fact]
    public void A_planted_cell_decodes_to_the_hand_computed_box()
    {
        const int n = 16, cells = n * n;
        var decoder = new VitTrackDecoder(n);
        var score = new float[cells];
        var size = new float[2 * cells];
        var offset = new float[2 * cells];
        var cell = 9 * n + 5;
        score[cell] = 0.9f;
        size[cell] = 0.25f;
        size[cells + cell] = 0.125f;
        offset[cell] = 0.3f;
        offset[cells + cell] = 0.6f;
        var choice = decoder.Decode(score, size, offset);
        Assert.Equal((5, 9), (choice.CellX, choice.CellY));
        Assert.Equal(5.3f / 16, choice.CenterX, 6);
        Assert.Equal(9.6f / 16, choice.CenterY, 6);
        // Windowed score: 0.9 · hann(9) · hann(5) with hann(i) = 0.5(1 − cos(2π(i+1)/17)).
        var expected = 0.9f * 0.5f * (1 - MathF.Cos(2 * MathF.PI * 10 / 17)) * 0.5f * (1 - MathF.Cos(2 * MathF.PI * 6 / 17));
        Assert.Equal(expected, choice.Score, 5);
        // A 400-pixel crop at (100, 50): centre (100 + 132.5, 50 + 240), size 100 × 50.
        var box = choice.ToFrame(100, 50, 400);
        Assert.Equal(new BoxF(100 + 132.5f - 50, 50 + 240 - 25, 100, 50), box);
    }

    [Fact]
    public void The_window_prefers_the_centre_over_a_slightly_higher_edge_score()
    {
        var decoder = new VitTrackDecoder(16);
        var score = new float[256];
        score[7 * 16 + 7] = 0.6f;
        score[0] = 0.9f;
        var choice = decoder.Decode(score, new float[512], new float[512]);
        Assert.Equal((7, 7), (choice.CellX, choice.CellY));
    }

    [Fact]
    public void Crop_side_follows_OpenCV()
    {
        Assert.Equal(200, VitTrackDecoder.CropSide(50, 50, 4));
        Assert.Equal((int)MathF.Ceiling(MathF.Sqrt(30 * 70) * 2), VitTrackDecoder.CropSide(30, 70, 2));
    }
}
