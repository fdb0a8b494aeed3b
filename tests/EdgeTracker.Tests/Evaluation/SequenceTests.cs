using EdgeTracker.Evaluation;
using EdgeTracker.Testing;
using EdgeTracker.Tracking;

namespace EdgeTracker.Tests.Evaluation;

/// <summary>Sequence layouts and their quirks, on files written in temp folders and on the shared sequences.</summary>
public sealed class SequenceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("et-seq-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void OTB_ground_truth_accepts_commas_tabs_CRLF_NaN_and_no_final_newline()
    {
        var path = Path.Combine(_dir, "groundtruth_rect.txt");
        File.WriteAllText(path, "1,2,3,4\r\n5\t6\t7\t8\r\nNaN,NaN,NaN,NaN\r\n9, 10, 11, 12");
        var boxes = Sequence.ReadGroundTruth(path);
        Assert.Equal(4, boxes.Count);
        Assert.Equal(new BoxF(1, 2, 3, 4), boxes[0]);
        Assert.Equal(new BoxF(5, 6, 7, 8), boxes[1]);
        Assert.False(boxes[2].IsValid);
        Assert.Equal(new BoxF(9, 10, 11, 12), boxes[3]);
    }

    [Fact]
    public void VOT_polygons_become_the_min_max_box_of_their_corners()
    {
        var path = Path.Combine(_dir, "groundtruth.txt");
        File.WriteAllText(path, "492.760,401.532,492.768,447.512,539.792,447.503,539.784,401.523\n");
        var box = Assert.Single(Sequence.ReadGroundTruth(path));
        Assert.Equal(492.760f, box.X, 3);
        Assert.Equal(401.523f, box.Y, 3);
        Assert.Equal(539.792f - 492.760f, box.W, 3);
        Assert.Equal(447.512f - 401.523f, box.H, 3);
    }

    [Fact]
    public void A_line_that_is_not_numbers_is_named_with_its_line_number()
    {
        var path = Path.Combine(_dir, "groundtruth_rect.txt");
        File.WriteAllText(path, "1,2,3,4\n1,2,x,4\n");
        var e = Assert.Throws<InvalidDataException>(() => Sequence.ReadGroundTruth(path));
        Assert.Contains("line 2", e.Message);
        Assert.Contains("'x'", e.Message);
    }

    [Fact]
    public void Frame_and_ground_truth_counts_must_match()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "img"));
        File.Copy(Path.Combine(TestData.Sequence("otb_crossing"), "img", "0001.jpg"), Path.Combine(_dir, "img", "0001.jpg"));
        File.WriteAllText(Path.Combine(_dir, "groundtruth_rect.txt"), "1,2,3,4\n1,2,3,4\n");
        var e = Assert.Throws<InvalidDataException>(() => Sequence.Load(_dir));
        Assert.Contains("1 frames but", e.Message);
    }

    [Theory]
    [InlineData("otb_biker", 142, 640, 360)]
    [InlineData("uav123_10fps_group3_2_first170_pbbat", 170, 1280, 720)]
    [InlineData("vot_ball1_staple", 105, 1280, 720)]
    [InlineData("otb_toy_ldes", 271, 320, 240)]
    public async Task Shared_sequences_load_and_decode(string name, int frames, int width, int height)
    {
        var sequence = Sequence.Load(TestData.Sequence(name));
        Assert.Equal(frames, sequence.FramePaths.Count);
        Assert.True(sequence.GroundTruth[0].IsValid);
        await using var source = new SequenceFrames(sequence.FramePaths);
        using var first = await source.NextAsync(TestContext.Current.CancellationToken);
        Assert.NotNull(first);
        Assert.Equal((width, height), (first.Width, first.Height));
        if (name == "otb_toy_ldes")
        {
            // A grayscale JPEG is expanded to three equal channels, as OpenCV's imread does.
            var row = first.Row(height / 2);
            for (var i = 0; i < row.Length; i += 3)
            {
                Assert.True(row[i] == row[i + 1] && row[i] == row[i + 2]);
            }
        }
    }

    [Fact]
    public async Task A_damaged_JPEG_fails_naming_the_file()
    {
        var path = Path.Combine(_dir, "0001.jpg");
        await File.WriteAllBytesAsync(path, [0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3], TestContext.Current.CancellationToken);
        await using var source = new SequenceFrames([path]);
        var e = await Assert.ThrowsAsync<InvalidDataException>(async () => await source.NextAsync(TestContext.Current.CancellationToken));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public async Task A_truncated_JPEG_fails_naming_the_file_instead_of_being_scored_half_grey()
    {
        var bytes = await File.ReadAllBytesAsync(Path.Combine(TestData.Sequence("otb_crossing"), "img", "0001.jpg"), TestContext.Current.CancellationToken);
        var path = Path.Combine(_dir, "0001.jpg");
        await File.WriteAllBytesAsync(path, bytes.AsMemory(0, bytes.Length / 2), TestContext.Current.CancellationToken);
        await using var source = new SequenceFrames([path]);
        var e = await Assert.ThrowsAsync<InvalidDataException>(async () => await source.NextAsync(TestContext.Current.CancellationToken));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void UAV123_counts_its_invisible_frames_as_NaN()
    {
        var sequence = Sequence.Load(TestData.Sequence("uav123_10fps_group3_2_first170_pbbat"));
        Assert.Equal(35, sequence.GroundTruth.Count(b => !b.IsValid));
    }
}
