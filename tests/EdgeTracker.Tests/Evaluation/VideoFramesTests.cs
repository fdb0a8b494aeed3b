using System.Diagnostics;
using EdgeTracker.Evaluation;

namespace EdgeTracker.Tests.Evaluation;

/// <summary>Video files read through Camera's file:// source, on short videos written with ffmpeg.</summary>
public sealed class VideoFramesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("et-videoframes-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Writes a 320×240 testsrc H.264 video of <paramref name="seconds"/> × <paramref name="rate"/> frames.</summary>
    internal static async Task<string> WriteTestVideoAsync(string dir, string name, int seconds, int rate)
    {
        var path = Path.Combine(dir, name);
        using var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg")
        {
            ArgumentList =
            {
                "-v", "error", "-y", "-f", "lavfi", "-i", $"testsrc=size=320x240:rate={rate}", "-t", $"{seconds}",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", path,
            },
            RedirectStandardError = true,
        })!;
        var error = await ffmpeg.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await ffmpeg.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(ffmpeg.ExitCode == 0, $"ffmpeg failed: {error}");
        return path;
    }

    [Fact]
    public async Task Every_frame_arrives_in_order_numbered_from_one_then_the_end()
    {
        // A '%' and a '?' in the name check that the path survives the file:// URI.
        var video = await WriteTestVideoAsync(_dir, "clip 100%?.mp4", seconds: 2, rate: 15);
        await using var source = new VideoFrames(video);
        var sequences = new List<long>();
        while (await source.NextAsync(TestContext.Current.CancellationToken) is { } frame)
        {
            using (frame)
            {
                Assert.Equal((320, 240), (frame.Width, frame.Height));
                sequences.Add(frame.Sequence);
            }
        }
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), sequences);
        Assert.Null(await source.NextAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Frames_match_ffmpegs_own_decoding_closely()
    {
        // ffmpeg's swscale and GStreamer's videoconvert convert YUV to BGR with slightly different rounding.
        var video = await WriteTestVideoAsync(_dir, "clip.mp4", seconds: 1, rate: 5);
        var raw = Path.Combine(_dir, "clip.bgr");
        using (var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg")
        {
            ArgumentList = { "-v", "error", "-y", "-i", video, "-f", "rawvideo", "-pix_fmt", "bgr24", raw },
        })!)
        {
            await ffmpeg.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(0, ffmpeg.ExitCode);
        }
        var expected = await File.ReadAllBytesAsync(raw, TestContext.Current.CancellationToken);
        const int frameBytes = 320 * 240 * 3;
        Assert.Equal(5 * frameBytes, expected.Length);
        await using var source = new VideoFrames(video);
        for (var i = 0; i < 5; i++)
        {
            using var frame = await source.NextAsync(TestContext.Current.CancellationToken);
            Assert.NotNull(frame);
            double sum = 0;
            for (var y = 0; y < 240; y++)
            {
                var row = frame.Row(y);
                var want = expected.AsSpan(i * frameBytes + y * 320 * 3, 320 * 3);
                for (var x = 0; x < row.Length; x++)
                {
                    sum += Math.Abs(row[x] - want[x]);
                }
            }
            var meanError = sum / frameBytes;
            Assert.True(meanError < 3, $"frame {i + 1}: mean absolute difference {meanError:F2}");
        }
        Assert.Null(await source.NextAsync(TestContext.Current.CancellationToken));
    }
}
