using System.Diagnostics;
using EdgeTracker.Camera.Frames;
using EdgeTracker.Camera.Jpeg;
using EdgeTracker.Camera.Sources;
using EdgeTracker.Testing;

namespace EdgeTracker.Camera.Tests;

/// <summary>The real OTB/VOT/UAV123 sequences from the shared data, replayed through <c>images://</c>.</summary>
public sealed class ImageSequenceTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    public static TheoryData<string> SequenceNames() =>
    [
        "otb_biker", "otb_crossing", "otb_dragonbaby_ladcf", "otb_jogging2_rrlt", "otb_motorrolling",
        "otb_surfer_mosse", "otb_toy_ldes", "uav123_10fps_group3_2_first170_pbbat", "vot_ball1_staple",
    ];

    [Theory]
    [MemberData(nameof(SequenceNames))]
    public async Task Every_image_is_delivered_in_order_and_the_count_matches_the_ground_truth(string name)
    {
        var folder = TestData.Sequence(name);
        var expected = GroundTruthLines(folder);
        using var camera = new CameraCapture(SourceDescription.Parse($"images://{folder}?fps=0"));
        var log = new CameraEventLog(camera);
        camera.Start();
        var count = 0;
        while (camera.TryRead(Wait, out var frame))
        {
            using (frame)
            {
                count++;
                Assert.Equal(count, frame.Sequence);
            }
        }
        Assert.True(camera.IsCompleted, "reading stopped before the end (timeout)");
        Assert.Equal(expected, count);
        var ended = await log.WaitFor<CameraEnded>(Wait);
        Assert.Equal(expected, ended.Frames);
        Assert.Equal(CameraState.Ended, camera.State);
        Assert.Equal(0, camera.FramesDropped);
        Assert.DoesNotContain(log.Events, e => e is CameraLost or CameraRetrying or CameraFailed);
    }

    [Theory]
    [InlineData("otb_biker")]
    [InlineData("vot_ball1_staple")]
    [InlineData("otb_toy_ldes")]
    public void Frame_one_equals_an_independent_ffmpeg_decode(string name)
    {
        var folder = TestData.Sequence(name);
        var first = ImageSequenceFiles(folder)[0];
        var reference = FfmpegDecodeBgr(first, out var width, out var height);

        using var camera = new CameraCapture(SourceDescription.Parse($"images://{folder}?fps=0"));
        camera.Start();
        Assert.True(camera.TryRead(Wait, out var frame));
        using (frame)
        {
            Assert.Equal(1, frame.Sequence);
            Assert.Equal((width, height), (frame.Width, frame.Height));
            var (maxDiff, meanDiff, over4) = Compare(frame, reference);
            // Two different decoders: libjpeg-turbo (islow IDCT, "fancy" triangular chroma upsampling) and ffmpeg
            // (its own IDCT, then swscale's yuvj420p→bgr24 with simpler chroma upsampling). Measured: grayscale Toy
            // max |Δ| 1 (IDCT rounding only); colour Biker max 16, mean 0.83, |Δ| > 4 in 0.71 % of samples; Ball1
            // max 23, mean 0.61, 0.17 % — the large differences sit on sharp colour edges where the upsampling
            // filters differ. Tolerance: grayscale max ≤ 2; colour mean ≤ 1.0, |Δ| > 4 in ≤ 2 %, max ≤ 32. A wrong
            // channel order, shifted row or wrong frame gives a mean |Δ| in the tens.
            var message = $"{name}: max |Δ| {maxDiff}, mean |Δ| {meanDiff:0.000}, share |Δ|>4 {over4:P2} against ffmpeg's decode";
            if (name == "otb_toy_ldes")
            {
                Assert.True(maxDiff <= 2, message);
            }
            else
            {
                Assert.True(maxDiff <= 32 && meanDiff <= 1.0 && over4 <= 0.02, message);
            }
        }
    }

    [Fact]
    public void Grayscale_sequence_becomes_three_channel_BGR()
    {
        var folder = TestData.Sequence("otb_toy_ldes");
        using (var decoder = new JpegDecoder())
        {
            // The premise: the Toy JPEGs really are single-channel.
            Assert.Equal(1, JpegComponents(File.ReadAllBytes(ImageSequenceFiles(folder)[0])));
        }
        using var camera = new CameraCapture(SourceDescription.Parse($"images://{folder}?fps=0"));
        camera.Start();
        Assert.True(camera.TryRead(Wait, out var frame));
        using (frame)
        {
            Assert.Equal(320 * 3, frame.Stride);
            var distinct = new HashSet<byte>();
            for (var y = 0; y < frame.Height; y++)
            {
                var row = frame.Row(y);
                for (var x = 0; x < row.Length; x += 3)
                {
                    Assert.True(row[x] == row[x + 1] && row[x + 1] == row[x + 2], $"pixel ({x / 3},{y}) is not gray");
                    distinct.Add(row[x]);
                }
            }
            Assert.True(distinct.Count > 50, "the picture is not a real image");
        }
    }

    [Fact]
    public async Task Paced_replay_keeps_the_requested_rate_and_loops_when_asked()
    {
        var folder = TestData.Sequence("otb_crossing"); // 120 frames
        using var camera = new CameraCapture(SourceDescription.Parse($"images://{folder}?fps=200&loop=true"));
        var log = new CameraEventLog(camera);
        camera.Start();
        var opened = await log.WaitFor<CameraOpened>(Wait);
        Assert.Equal(200, opened.Fps);
        var sequences = new List<long>();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 150; i++)
        {
            Assert.True(camera.TryRead(Wait, out var frame));
            sequences.Add(frame.Sequence);
            frame.Dispose();
        }
        clock.Stop();
        // 150 frames at 200 fps take at least ~0.74 s (pacing never runs ahead; it may fall behind on a busy box).
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.7), $"150 frames in {clock.Elapsed}");
        Assert.Equal(Enumerable.Range(1, 120).Concat(Enumerable.Range(1, 30)).Select(i => (long)i), sequences);
        Assert.DoesNotContain(log.Events, e => e is CameraEnded);
    }

    [Fact]
    public async Task Folder_without_images_fails_with_a_clear_reason_and_is_not_retried()
    {
        var empty = Directory.CreateTempSubdirectory("edgetracker-empty-");
        try
        {
            using var camera = new CameraCapture(SourceDescription.Parse($"images://{empty.FullName}"));
            var log = new CameraEventLog(camera);
            camera.Start();
            var failed = await log.WaitFor<CameraFailed>(Wait);
            Assert.Contains("holds no .jpg files", failed.Reason);
            Assert.False(camera.TryRead(TimeSpan.FromSeconds(5), out _));
            Assert.True(camera.IsCompleted);
            Assert.DoesNotContain(log.Events, e => e is CameraRetrying);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    // ---- helpers

    internal static int GroundTruthLines(string folder)
    {
        var path = File.Exists(Path.Combine(folder, "groundtruth_rect.txt"))
            ? Path.Combine(folder, "groundtruth_rect.txt")
            : Path.Combine(folder, "groundtruth.txt");
        return File.ReadAllLines(path).Count(l => l.Trim().Length > 0);
    }

    /// <summary>Lists the JPEGs independently of the code under test (plain name order is frame order here).</summary>
    private static string[] ImageSequenceFiles(string folder)
    {
        var img = Path.Combine(folder, "img");
        var dir = Directory.Exists(img) ? img : folder;
        return Directory.GetFiles(dir, "*.jpg").Order(StringComparer.Ordinal).ToArray();
    }

    internal static byte[] FfmpegDecodeBgr(string jpeg, out int width, out int height)
    {
        var probe = Run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0", jpeg]);
        var parts = System.Text.Encoding.ASCII.GetString(probe).Trim().Split(',');
        width = int.Parse(parts[0]);
        height = int.Parse(parts[1]);
        return Run("ffmpeg", ["-v", "error", "-i", jpeg, "-f", "rawvideo", "-pix_fmt", "bgr24", "-"]);
    }

    private static byte[] Run(string tool, string[] args)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        using var process = Process.Start(info)!;
        using var output = new MemoryStream();
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.BaseStream.CopyTo(output);
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{tool} failed: {error.Result}");
        return output.ToArray();
    }

    internal static (int Max, double Mean, double ShareOver4) Compare(Frame frame, byte[] packedBgr)
    {
        Assert.Equal(frame.Width * frame.Height * 3, packedBgr.Length);
        var max = 0;
        long sum = 0;
        long over4 = 0;
        for (var y = 0; y < frame.Height; y++)
        {
            var row = frame.Row(y);
            var reference = packedBgr.AsSpan(y * frame.Width * 3, frame.Width * 3);
            for (var i = 0; i < row.Length; i++)
            {
                var d = Math.Abs(row[i] - reference[i]);
                sum += d;
                over4 += d > 4 ? 1 : 0;
                max = Math.Max(max, d);
            }
        }
        return (max, (double)sum / packedBgr.Length, (double)over4 / packedBgr.Length);
    }

    /// <summary>Number of colour components from the JPEG's SOF marker.</summary>
    private static int JpegComponents(byte[] jpeg)
    {
        for (var i = 2; i + 9 < jpeg.Length;)
        {
            if (jpeg[i] != 0xFF)
            {
                i++;
                continue;
            }
            var marker = jpeg[i + 1];
            if (marker is >= 0xC0 and <= 0xC3)
            {
                return jpeg[i + 9];
            }
            i += 2 + (jpeg[i + 2] << 8 | jpeg[i + 3]);
        }
        throw new InvalidDataException("no SOF marker");
    }
}
