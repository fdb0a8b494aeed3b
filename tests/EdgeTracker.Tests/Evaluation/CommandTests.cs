using System.Diagnostics;
using EdgeTracker.Cli;
using EdgeTracker.Evaluation;
using EdgeTracker.Testing;
using EdgeTracker.Tests.Inference;
using EdgeTracker.Tracking;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeTracker.Tests.Evaluation;

/// <summary>The eval and track commands end to end on one shared sequence.</summary>
[Collection(OrtCollection.Name)]
public sealed class CommandTests
{
    [Fact]
    public async Task Eval_reports_the_issues_JSON_shape_with_tracker_only_fps()
    {
        Environment.SetEnvironmentVariable("EDGETRACKER_DATA", TestData.Root);
        var output = new StringWriter();
        var reports = await EvalCommand.RunAsync(TestData.Sequence("otb_crossing"), ["nanotrack-v3"], 1, null, ["cpu"], output,
            NullLogger.Instance, preload: true, TestContext.Current.CancellationToken);
        var report = Assert.Single(reports);
        Assert.Equal("nanotrack-v3", (string?)report["model"]);
        Assert.Equal("cpu", (string?)report["provider"]);
        Assert.Equal(1, (int?)report["threads"]);
        var sequence = Assert.Single(report["sequences"]!.AsArray())!;
        Assert.Equal("otb_crossing", (string?)sequence["name"]);
        Assert.Equal(120, (int?)sequence["frames"]);
        Assert.Equal(0.717, (double)sequence["auc"]!, 0.0015);
        Assert.InRange((double)sequence["precision20"]!, 0.99, 1.0);
        Assert.InRange((double)sequence["normPrecision"]!, 0.9, 1.0);
        Assert.True((double)sequence["fps"]! > 0);
        Assert.Equal(0, (int?)sequence["lostFrames"]);
        var mean = report["mean"]!;
        Assert.Equal((double)sequence["auc"]!, (double)mean["auc"]!);
        Assert.NotNull(mean["precision20"]);
        Assert.NotNull(mean["fps"]);
        Assert.Contains("otb_crossing", output.ToString());
        Assert.Contains("mean", output.ToString());
    }

    [Fact]
    public async Task Track_follows_the_target_through_a_video_read_by_the_camera_file_source()
    {
        Environment.SetEnvironmentVariable("EDGETRACKER_DATA", TestData.Root);
        var sequence = Sequence.Load(TestData.Sequence("otb_crossing"));
        var dir = Directory.CreateTempSubdirectory("et-video-").FullName;
        try
        {
            var video = Path.Combine(dir, "crossing.mp4");
            using (var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg")
            {
                ArgumentList = { "-v", "error", "-y", "-framerate", "10", "-i", Path.Combine(sequence.Folder, "img", "%04d.jpg"), "-c:v", "libx264", "-crf", "18", "-pix_fmt", "yuv420p", video },
                RedirectStandardError = true,
            })!)
            {
                await ffmpeg.WaitForExitAsync(TestContext.Current.CancellationToken);
                Assert.Equal(0, ffmpeg.ExitCode);
            }
            var boxesPath = Path.Combine(dir, "boxes.txt");
            var results = await TrackCommand.RunAsync(video, sequence.GroundTruth[0], "nanotrack-v3", 1, boxesPath, TextWriter.Null,
                NullLogger.Instance, TestContext.Current.CancellationToken);
            Assert.Equal(120, results.Count);
            var boxes = Sequence.ReadGroundTruth(boxesPath);
            Assert.Equal(120, boxes.Count);
            // Re-encoding changes pixels, so the boxes differ slightly from the JPEG run; the target is still followed.
            var score = Metrics.Score(boxes, sequence.GroundTruth);
            Assert.True(score.Auc > 0.6, $"AUC {score.Auc:F3}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Track_on_a_short_generated_video_yields_one_box_per_frame()
    {
        Environment.SetEnvironmentVariable("EDGETRACKER_DATA", TestData.Root);
        var dir = Directory.CreateTempSubdirectory("et-video-").FullName;
        try
        {
            var video = await VideoFramesTests.WriteTestVideoAsync(dir, "testsrc.mp4", seconds: 2, rate: 15);
            var boxesPath = Path.Combine(dir, "boxes.txt");
            var console = new StringWriter();
            var results = await TrackCommand.RunAsync(video, new BoxF(120, 80, 80, 80), "nanotrack-v3", 1, boxesPath, console,
                NullLogger.Instance, TestContext.Current.CancellationToken);
            Assert.Equal(30, results.Count);
            var boxes = Sequence.ReadGroundTruth(boxesPath);
            Assert.Equal(30, boxes.Count);
            Assert.All(boxes, b => Assert.True(b.IsValid, $"box {b}"));
            Assert.StartsWith("30 frames, ", console.ToString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Track_on_a_missing_file_names_it()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"et-missing-{Guid.NewGuid():N}.mp4");
        var e = await Assert.ThrowsAsync<FileNotFoundException>(() => TrackCommand.RunAsync(missing, new BoxF(1, 1, 10, 10), "nanotrack-v3", 1,
            null, TextWriter.Null, NullLogger.Instance, TestContext.Current.CancellationToken));
        Assert.Contains(missing, e.Message);
    }

    [Fact]
    public async Task Track_on_a_file_that_is_not_a_video_names_it()
    {
        Environment.SetEnvironmentVariable("EDGETRACKER_DATA", TestData.Root);
        var dir = Directory.CreateTempSubdirectory("et-video-").FullName;
        try
        {
            var bad = Path.Combine(dir, "not a video.mp4");
            await File.WriteAllTextAsync(bad, "this is text, not a video", TestContext.Current.CancellationToken);
            var e = await Assert.ThrowsAsync<InvalidDataException>(() => TrackCommand.RunAsync(bad, new BoxF(1, 1, 10, 10), "nanotrack-v3", 1,
                null, TextWriter.Null, NullLogger.Instance, TestContext.Current.CancellationToken));
            Assert.Contains(bad, e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("1,2,3")]
    [InlineData("1,2,x,4")]
    [InlineData("1,2,0,4")]
    public void Bad_init_boxes_are_rejected_naming_the_text(string text)
    {
        var e = Assert.Throws<FormatException>(() => TrackCommand.ParseBox(text));
        Assert.Contains(text, e.Message);
    }

    [Fact]
    public void A_good_init_box_parses()
    {
        Assert.Equal(new BoxF(205, 151, 17, 50.5f), TrackCommand.ParseBox("205, 151, 17, 50.5"));
    }
}
