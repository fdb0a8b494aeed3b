using EdgeTracker.Camera.Frames;
using EdgeTracker.Camera.Sources;
using EdgeTracker.Inference;
using EdgeTracker.Testing;
using EdgeTracker.Tests.Inference;
using EdgeTracker.Tracking;
using EdgeTracker.Tracking.DefaultModel;
using EdgeTracker.Tracking.SiamFC;

namespace EdgeTracker.Tests.Models;

/// <summary>
/// The default model, as shipped in models/, follows the <c>test://ball</c> source (GStreamer's videotestsrc
/// pattern=ball) captured through our own camera source. The ball is white on
/// black, so each frame's true box is the bounding box of its bright pixels.
/// </summary>
[Collection(OrtCollection.Name)]
public sealed class DefaultModelTrackingTests
{
    private const int Width = 640, Height = 480, Frames = 90;
    /// <summary>The first <see cref="Frames"/> pictures of <c>test://ball</c>, captured by our own camera source.</summary>
    private static byte[] RenderBall()
    {
        var frameBytes = Width * Height * 3;
        var video = new byte[Frames * frameBytes];
        // fps=0: unpaced, replayed through the bounded queue, so every frame arrives in order.
        using var camera = new CameraCapture($"test://ball?width={Width}&height={Height}&fps=0",
            new CameraOptions { Delivery = FrameDelivery.EveryFrame });
        camera.Start();
        for (var i = 0; i < Frames; i++)
        {
            Assert.True(camera.TryRead(TimeSpan.FromSeconds(30), out var frame), $"test://ball gave no frame {i + 1} within 30 s (state {camera.State}).");
            using (frame)
            {
                Assert.Equal((Width, Height), (frame.Width, frame.Height));
                for (var y = 0; y < Height; y++)
                {
                    frame.Row(y).CopyTo(video.AsSpan(i * frameBytes + y * Width * 3, Width * 3));
                }
            }
        }
        return video;
    }

    private static BoxF BrightBox(ReadOnlySpan<byte> bgr)
    {
        int x0 = Width, y0 = Height, x1 = -1, y1 = -1;
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                if (bgr[(y * Width + x) * 3 + 1] > 128)
                {
                    x0 = Math.Min(x0, x); x1 = Math.Max(x1, x);
                    y0 = Math.Min(y0, y); y1 = Math.Max(y1, y);
                }
            }
        }
        return x1 < 0 ? default : new BoxF(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
    }

    private static SiamFcTracker CreateTracker(OrtSessionOptions options)
    {
        var manifest = ModelManifest.Load(Path.Combine(TestData.RepoRoot, "models", DefaultModelFiles.ManifestFile));
        var files = manifest.Resolve([]);
        return new SiamFcTracker(manifest, files, options);
    }

    [Fact]
    public void Follows_GStreamers_ball_pattern_and_finds_it_again_after_it_vanished()
    {
        var video = RenderBall();
        using var options = OrtSessionOptions.Create(new InferenceOptions { Providers = ["cpu"], IntraOpThreads = 1 });
        using var tracker = CreateTracker(options);
        Assert.True(tracker.SearchesWiderWhenLost, tracker.WideSearchUnavailable);
        var frame = Frame.Standalone(Width, Height);
        var frameBytes = Width * Height * 3;

        video.AsSpan(0, frameBytes).CopyTo(frame.Pixels);
        tracker.Init(frame, BrightBox(frame.Pixels));
        var ious = new List<float>();
        for (var i = 1; i < 50; i++)
        {
            video.AsSpan(i * frameBytes, frameBytes).CopyTo(frame.Pixels);
            var result = tracker.Track(frame);
            ious.Add(result.Box.IoU(BrightBox(frame.Pixels)));
            Assert.Equal(TargetState.Tracking, result.State);
            Assert.True(result.Confidence > 0.6f, $"frame {i + 1}: confidence {result.Confidence}");
        }
        Assert.True(ious.Min() > 0.5f, $"IoU fell to {ious.Min():F2}");
        Assert.True(ious.Average() > 0.7f, $"mean IoU {ious.Average():F2}");

        // The ball vanishes for six frames: confidence collapses and the target is declared lost…
        frame.Pixels.Clear();
        TrackResult gone = default;
        for (var i = 0; i < 6; i++)
        {
            gone = tracker.Track(frame);
        }
        Assert.Equal(TargetState.Lost, gone.State);
        Assert.True(gone.Confidence < 0.3f, $"confidence with no ball: {gone.Confidence}");

        // …and it comes back ~60 pixels from where it was last seen: the wider search finds it again.
        var reacquired = -1;
        for (var i = 56; i < Frames; i++)
        {
            video.AsSpan(i * frameBytes, frameBytes).CopyTo(frame.Pixels);
            var result = tracker.Track(frame);
            if (result.State == TargetState.Tracking && result.Box.IoU(BrightBox(frame.Pixels)) > 0.5f)
            {
                reacquired = i;
                break;
            }
        }
        Assert.True(reacquired is >= 56 and <= 62, $"ball not reacquired within 6 frames (reacquired at {reacquired})");
    }
}
