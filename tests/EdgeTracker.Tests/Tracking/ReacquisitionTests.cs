using EdgeTracker.Camera.Frames;
using EdgeTracker.Testing;
using EdgeTracker.Tests.Inference;
using EdgeTracker.Tracking;

namespace EdgeTracker.Tests.Tracking;

/// <summary>
/// A textured target on a plain background disappears, and comes back further away than the normal search region
/// reaches: the tracker must report it lost while it is gone, and find it again through the widened search.
/// </summary>
[Collection(OrtCollection.Name)]
public sealed class ReacquisitionTests
{
    private const int Width = 640, Height = 480, Side = 40;
    private static readonly byte[] Texture = MakeTexture();

    private static byte[] MakeTexture()
    {
        var random = new Random(5);
        var texture = new byte[Side * Side * 3];
        for (var y = 0; y < Side; y++)
        {
            for (var x = 0; x < Side; x++)
            {
                // Coarse blocks of strong colours: an object a Siamese network can latch onto.
                var block = (x / 8 + y / 8 * 5) % 7;
                var i = (y * Side + x) * 3;
                texture[i] = (byte)(block * 36 + random.Next(8));
                texture[i + 1] = (byte)(255 - block * 30 - random.Next(8));
                texture[i + 2] = (byte)((block % 2) * 200 + random.Next(8));
            }
        }
        return texture;
    }

    private static Frame Scene(int? targetX, int targetY)
    {
        var frame = Frame.Standalone(Width, Height);
        frame.Pixels.Fill(110);
        if (targetX is { } tx)
        {
            for (var y = 0; y < Side; y++)
            {
                Texture.AsSpan(y * Side * 3, Side * 3).CopyTo(frame.Row(targetY + y)[(tx * 3)..]);
            }
        }
        return frame;
    }

    private static TrackResult RunScenario(ConfidenceOptions confidence, BoxF comeback, out IReadOnlyList<TargetState> whileGone)
    {
        using var tracker = TrackerFactory.Create("nanotrack-v3", NanoTrackRuns.OneThread,
            new TrackerFactoryOptions { ModelFolders = [TestData.Models], Confidence = confidence });
        tracker.Init(Scene(300, 220), new BoxF(300, 220, Side, Side));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(TargetState.Tracking, tracker.Track(Scene(300, 220)).State);
        }
        var states = new List<TargetState>();
        for (var i = 0; i < 6; i++)
        {
            states.Add(tracker.Track(Scene(null, 0)).State);
        }
        whileGone = states;
        TrackResult last = default;
        for (var i = 0; i < 6; i++)
        {
            last = tracker.Track(Scene((int)comeback.X, (int)comeback.Y));
        }
        return last;
    }

    [Fact]
    public void A_target_that_vanishes_is_lost_and_is_reacquired_beyond_the_normal_search_region()
    {
        // The normal search crop is about 161 px wide around the last centre (x ≈ 235…395); the target comes back
        // at x = 415…455, entirely outside it, and inside the widened (2×) region.
        var comeback = new BoxF(300 + 115, 220, Side, Side);
        var last = RunScenario(new ConfidenceOptions(), comeback, out var whileGone);
        Assert.Equal(TargetState.Uncertain, whileGone[0]);
        Assert.Equal(TargetState.Lost, whileGone[^1]);
        Assert.Equal(TargetState.Tracking, last.State);
        Assert.True(last.Box.IoU(comeback) > 0.5f, $"box {last.Box} vs target {comeback}");

        // Control: without widening, the same comeback is never found — the widened search is what reacquires.
        var control = RunScenario(new ConfidenceOptions { LostSearchScale = 1f }, comeback, out _);
        Assert.Equal(TargetState.Lost, control.State);
        Assert.True(control.Box.IoU(comeback) < 0.1f, $"control box {control.Box}");
    }
}
