using System.Diagnostics;
using EdgeTracker.Camera.Frames;
using EdgeTracker.Hosting.Pipeline;

namespace EdgeTracker.Tests.Hosting;

public sealed class FrameHistoryTests
{
    private static Frame At(long sequence, double seconds, byte fill)
    {
        var frame = Frame.Standalone(8, 4);
        frame.Reset(8, 4, 24, sequence, (long)(seconds * Stopwatch.Frequency), DateTimeOffset.UnixEpoch.AddSeconds(seconds));
        frame.Pixels.Fill(fill);
        return frame;
    }

    [Fact]
    public void Keeps_copies_of_the_last_seconds_and_finds_frames_by_sequence()
    {
        using var history = new FrameHistory(seconds: 1.0, maxFrames: 100);
        for (var i = 1; i <= 40; i++)
        {
            var source = At(i, i / 10.0, (byte)i);
            history.Add(source);
            source.Pixels.Fill(0); // the camera reuses its buffer at once: the history must hold a copy
        }
        // 1 s at 10 fps: frames 30..40 (frame 30 is exactly 1 s older than frame 40).
        Assert.Equal(30, history.Oldest!.Sequence);
        Assert.Equal(40, history.Newest!.Sequence);
        Assert.Equal(11, history.Count);
        var index = history.IndexOf(35);
        Assert.Equal(5, index);
        Assert.All(history[index].Pixels.ToArray(), b => Assert.Equal(35, b));
        Assert.Equal(-1, history.IndexOf(29));
        Assert.Equal(-1, history.IndexOf(41));
    }

    [Fact]
    public void The_frame_count_bound_wins_over_the_age_and_frames_are_reused()
    {
        using var history = new FrameHistory(seconds: 60, maxFrames: 5);
        for (var i = 1; i <= 50; i++)
        {
            history.Add(At(i, i / 30.0, (byte)i));
        }
        Assert.Equal(5, history.Count);
        Assert.Equal(46, history.Oldest!.Sequence);
        var frame = At(61, 61 / 30.0, 61); // allocated here, outside the measurement of Add
        var before = GC.GetAllocatedBytesForCurrentThread();
        history.Add(frame);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        history.Clear();
        Assert.Equal(0, history.Count);
        Assert.Null(history.Newest);
    }

    [Fact]
    public void Zero_seconds_keeps_only_the_newest_frame()
    {
        using var history = new FrameHistory(seconds: 0, maxFrames: 10);
        history.Add(At(1, 0.0, 1));
        history.Add(At(2, 0.1, 2));
        Assert.Equal(1, history.Count);
        Assert.Equal(2, history.Newest!.Sequence);
    }
}
