using EdgeTracker.Camera.Frames;
using EdgeTracker.Testing;
using EdgeTracker.Tests.Inference;
using EdgeTracker.Tracking;

namespace EdgeTracker.Tests.Tracking;

/// <summary>Awkward but legal inputs: the tracker answers with a valid box and never throws or allocates per frame.</summary>
[Collection(OrtCollection.Name)]
public sealed class NanoTrackEdgeCaseTests
{
    private static ISingleObjectTracker Create() =>
        TrackerFactory.Create("nanotrack-v3", NanoTrackRuns.OneThread, new TrackerFactoryOptions { ModelFolders = [TestData.Models] });

    private static Frame Noise(int width, int height, int seed)
    {
        var frame = Frame.Standalone(width, height);
        new Random(seed).NextBytes(frame.Pixels);
        return frame;
    }

    [Theory]
    [InlineData(0f, 0f, 1f, 1f)]          // one pixel in the corner
    [InlineData(-30f, -20f, 60f, 50f)]     // partly outside the frame
    [InlineData(0f, 0f, 320f, 240f)]       // the whole frame
    [InlineData(300f, 220f, 500f, 400f)]   // mostly outside, larger than the frame
    public void Odd_initial_boxes_track_without_error(float x, float y, float w, float h)
    {
        using var tracker = Create();
        var frame = Noise(320, 240, 1);
        tracker.Init(frame, new BoxF(x, y, w, h));
        for (var i = 0; i < 3; i++)
        {
            var result = tracker.Track(Noise(320, 240, i + 2));
            Assert.True(result.Box.IsValid, result.ToString());
            Assert.InRange(result.Confidence, 0f, 1f);
        }
    }

    [Fact]
    public void Frames_may_change_size_between_init_and_track()
    {
        using var tracker = Create();
        tracker.Init(Noise(320, 240, 1), new BoxF(100, 100, 40, 40));
        var result = tracker.Track(Noise(1280, 720, 2));
        Assert.True(result.Box.IsValid);
        result = tracker.Track(Noise(64, 48, 3));
        Assert.InRange(result.Box.CenterX, 0f, 64f);
    }

    [Fact]
    public void Track_before_init_and_an_empty_box_are_refused()
    {
        using var tracker = Create();
        Assert.Throws<InvalidOperationException>(() => tracker.Track(Noise(64, 48, 1)));
        Assert.Throws<ArgumentException>(() => tracker.Init(Noise(64, 48, 1), new BoxF(1, 1, 0, 5)));
    }

    [Fact]
    public void A_tracking_step_allocates_nothing_once_warm()
    {
        using var tracker = Create();
        var a = Noise(640, 360, 1);
        var b = Noise(640, 360, 2);
        tracker.Init(a, new BoxF(300, 150, 40, 60));
        tracker.Track(b);
        tracker.Track(a);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10; i++)
        {
            tracker.Track(i % 2 == 0 ? b : a);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
