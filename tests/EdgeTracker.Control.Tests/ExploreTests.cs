using EdgeTracker.Control.Tests.Support;

namespace EdgeTracker.Control.Tests;

public sealed class ExploreTests
{
    private static PanTiltOptions Options()
    {
        var g = (Environment.GetEnvironmentVariable("GAINS") ?? "6,4,0,0.5,0.5").Split(',').Select(double.Parse).ToArray();
        return new PanTiltOptions { LostHoldSeconds = 5, Gains = new PanTiltGains { Kp = g[0], Ki = g[1], Kd = g[2], DeadBandDeg = g[3], MaxCorrectionPerFrame = g[4] } };
    }

    [Fact]
    public void Explore()
    {
        var output = TestContext.Current.TestOutputHelper!;
        foreach (var name in new[] { "otb_surfer_mosse", "otb_motorrolling", "vot_ball1_staple", "uav123_10fps_group3_2_first170_pbbat", "otb_biker", "otb_dragonbaby_ladcf", "otb_toy_ldes" })
        {
            var camera = new VirtualPanTiltCamera(GroundTruth.Load(name), Options());
            foreach (var kind in new[] { VirtualPanTiltCamera.HeadKind.Virtual })
            {
                var run = camera.Fly(kind);
                output.WriteLine($"{name} {camera.WindowWidth}x{camera.WindowHeight} {kind}: visible {run.VisibleFrames}/{camera.Sequence.Centres.Count} within 10%w {run.ShareWithin(0.1 * camera.WindowWidth):P0} 15%w {run.ShareWithin(0.15 * camera.WindowWidth):P0} median {run.Percentile(0.5):0.0} p90 {run.Percentile(0.9):0.0} max {run.Distances.Max():0.0} viol {run.Violations.Count} err {run.HeadErrors}");
            }
        }
    }
}
