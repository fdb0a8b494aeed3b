using System.Diagnostics;
using EdgeTracker.Camera.Sources;

namespace EdgeTracker.Camera.Tests;

/// <summary>A video file the test writes with ffmpeg, replayed through filesrc → decodebin.</summary>
public sealed class FileSourceTests : IClassFixture<FileSourceTests.VideoFile>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly VideoFile _video;

    public FileSourceTests(VideoFile video) => _video = video;

    [Fact]
    public async Task Every_frame_of_the_file_is_delivered_in_order_then_it_ends_without_retrying()
    {
        using var camera = new CameraCapture(SourceDescription.Parse($"file://{_video.Path}"));
        var log = new CameraEventLog(camera);
        camera.Start();
        var count = 0;
        while (camera.TryRead(Wait, out var frame))
        {
            using (frame)
            {
                count++;
                Assert.Equal(count, frame.Sequence);
                Assert.Equal((320, 240), (frame.Width, frame.Height));
            }
            if (count == 1)
            {
                // A slow consumer: replays wait for it instead of dropping.
                Thread.Sleep(200);
            }
        }
        Assert.Equal(VideoFile.Frames, count);
        var ended = await log.WaitFor<CameraEnded>(Wait);
        Assert.Equal(VideoFile.Frames, ended.Frames);
        Assert.Equal(0, camera.FramesDropped);
        var opened = Assert.Single(log.Events.OfType<CameraOpened>());
        Assert.Equal(25, opened.Fps);
        Assert.DoesNotContain(log.Events, e => e is CameraRetrying or CameraLost);
    }

    [Fact]
    public void Looping_file_starts_again_at_frame_one()
    {
        using var camera = new CameraCapture(SourceDescription.Parse($"file://{_video.Path}?loop=true"));
        camera.Start();
        var sequences = new List<long>();
        for (var i = 0; i < VideoFile.Frames + 5; i++)
        {
            Assert.True(camera.TryRead(Wait, out var frame));
            sequences.Add(frame.Sequence);
            frame.Dispose();
        }
        Assert.Equal(Enumerable.Range(1, VideoFile.Frames).Concat(Enumerable.Range(1, 5)).Select(i => (long)i), sequences);
    }

    [Fact]
    public async Task Missing_file_fails_with_GStreamers_reason()
    {
        using var camera = new CameraCapture(SourceDescription.Parse("file:///nonexistent/edgetracker/video.mp4"));
        var log = new CameraEventLog(camera);
        camera.Start();
        var failed = await log.WaitFor<CameraFailed>(Wait);
        Assert.Contains("video.mp4", failed.Reason);
        Assert.False(camera.TryRead(TimeSpan.FromSeconds(5), out _));
    }

    /// <summary>A 2-second 320×240 25 fps MPEG-4 file written once for the class.</summary>
    public sealed class VideoFile : IDisposable
    {
        public const int Frames = 50;

        public VideoFile()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"edgetracker-camera-{Guid.NewGuid():N}.mp4");
            var info = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true };
            foreach (var a in new[]
                     {
                         "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
                         "-frames:v", Frames.ToString(), "-c:v", "mpeg4", "-q:v", "4", "-y", Path,
                     })
            {
                info.ArgumentList.Add(a);
            }
            using var process = Process.Start(info)!;
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"ffmpeg could not write the test video: {error}");
        }

        public string Path { get; }

        public void Dispose() => File.Delete(Path);
    }
}
