using EdgeTracker.Camera.Frames;
using EdgeTracker.Camera.Sources;

namespace EdgeTracker.Camera.Tests;

/// <summary>Real videotestsrc pipelines through the whole capture path.</summary>
public sealed class TestPatternCaptureTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Ball_pattern_delivers_live_BGR_frames_with_rising_sequence_numbers()
    {
        using var camera = new CameraCapture(SourceDescription.Parse("test://ball?width=320&height=240&fps=30"));
        var log = new CameraEventLog(camera);
        camera.Start();
        var opened = await log.WaitFor<CameraOpened>(Wait);
        Assert.Equal((320, 240, 30.0, "BGR"), (opened.Width, opened.Height, opened.Fps, opened.Format));
        Assert.Equal(FrameDelivery.LatestFrame, camera.Delivery);

        long previous = 0;
        for (var i = 0; i < 10; i++)
        {
            Assert.True(camera.TryRead(Wait, out var frame));
            using (frame)
            {
                Assert.Equal((320, 240), (frame.Width, frame.Height));
                Assert.True(frame.Stride >= 320 * 3);
                Assert.True(frame.Sequence > previous, $"sequence {frame.Sequence} after {previous}");
                previous = frame.Sequence;
                Assert.True(frame.CaptureTimestamp > 0);
            }
        }
        Assert.True(camera.Pool.Created <= camera.Pool.MaxFrames);
        Assert.Equal(CameraState.Streaming, camera.State);
    }

    [Theory]
    [InlineData("red", 0, 0, 255)]
    [InlineData("green", 0, 255, 0)]
    [InlineData("blue", 255, 0, 0)]
    public void Solid_patterns_arrive_in_BGR_byte_order(string pattern, int b, int g, int r)
    {
        using var camera = new CameraCapture(SourceDescription.Parse($"test://{pattern}?width=64&height=48&fps=30"));
        camera.Start();
        Assert.True(camera.TryRead(Wait, out var frame));
        using (frame)
        {
            // Centre pixel; videotestsrc's solid colours go through BT.601 YUV and back, so allow a few levels.
            var row = frame.Row(24);
            Assert.InRange(row[32 * 3], b - 3, b + 3);
            Assert.InRange(row[32 * 3 + 1], g - 3, g + 3);
            Assert.InRange(row[32 * 3 + 2], r - 3, r + 3);
        }
    }

    [Fact]
    public void Slow_consumer_of_a_live_source_gets_the_newest_frame_and_drops_are_counted()
    {
        using var camera = new CameraCapture(SourceDescription.Parse("test://snow?width=160&height=120&fps=60"));
        camera.Start();
        Assert.True(camera.TryRead(Wait, out var first));
        var firstSequence = first.Sequence;
        first.Dispose();
        // Not a timing assertion: whatever the machine's speed, frames keep coming while nobody reads.
        SpinWait.SpinUntil(() => camera.FramesCaptured >= firstSequence + 10, Wait);
        Assert.True(camera.TryRead(Wait, out var next));
        using (next)
        {
            Assert.True(next.Sequence >= firstSequence + 9, $"got {next.Sequence}, expected the newest (≥ {firstSequence + 9})");
        }
        Assert.True(camera.FramesDropped >= 8, $"dropped {camera.FramesDropped}");
    }

    [Fact]
    public void Unpaced_pattern_is_a_replay_delivering_every_frame_in_order()
    {
        var description = SourceDescription.Parse("test://smpte?width=160&height=120&fps=0");
        Assert.False(description.IsLive);
        using var camera = new CameraCapture(description);
        camera.Start();
        for (var expected = 1; expected <= 50; expected++)
        {
            Assert.True(camera.TryRead(Wait, out var frame));
            using (frame)
            {
                Assert.Equal(expected, frame.Sequence);
            }
        }
        Assert.Equal(0, camera.FramesDropped);
        Assert.Equal(FrameDelivery.EveryFrame, camera.Delivery);
    }

    [Fact]
    public async Task Consumer_holding_frames_never_makes_the_pool_grow_past_its_bound()
    {
        using var camera = new CameraCapture(SourceDescription.Parse("test://ball?width=160&height=120&fps=0"));
        camera.Start();
        var held = new List<Frame>();
        for (var i = 0; i < camera.Pool.MaxFrames - camera.Pool.MaxFrames / 2; i++)
        {
            Assert.True(camera.TryRead(Wait, out var f));
            held.Add(f);
        }
        await Task.Yield();
        Assert.True(camera.Pool.Created <= camera.Pool.MaxFrames);
        held.ForEach(f => f.Dispose());
        Assert.True(camera.TryRead(Wait, out var after));
        after.Dispose();
    }
}

/// <summary>Live frames carry the time the source stamped them, not the time they reached the sink.</summary>
public sealed class CaptureTimestampTests
{
    [Fact]
    public void Live_capture_time_is_taken_from_the_source_not_the_sink()
    {
        // identity holds every buffer 80 ms between source and sink, as a slow decoder would.
        using var camera = new CameraCapture(
            "gst:videotestsrc is-live=true ! video/x-raw,width=64,height=48,framerate=10/1 ! identity sleep-time=80000 ! " +
            "videoconvert ! video/x-raw,format=BGR ! appsink name=sink max-buffers=1 drop=true sync=false");
        camera.Start();
        for (var i = 0; i < 3; i++)
        {
            Assert.True(camera.TryRead(TimeSpan.FromSeconds(20), out var frame));
            using (frame)
            {
                var age = System.Diagnostics.Stopwatch.GetElapsedTime(frame.CaptureTimestamp);
                var wallAge = DateTimeOffset.UtcNow - frame.CaptureTime;
                Assert.InRange(age.TotalMilliseconds, 75, 2000);
                Assert.InRange((wallAge - age).Duration().TotalMilliseconds, 0, 50);
            }
        }
    }

    [Fact]
    public void Replayed_frames_are_stamped_when_captured_by_us()
    {
        using var camera = new CameraCapture("test://ball?width=64&height=48&fps=0");
        camera.Start();
        Assert.True(camera.TryRead(TimeSpan.FromSeconds(20), out var frame));
        using (frame)
        {
            var age = System.Diagnostics.Stopwatch.GetElapsedTime(frame.CaptureTimestamp);
            Assert.InRange(age.TotalMilliseconds, 0, 5000);
        }
    }
}
