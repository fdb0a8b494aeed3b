using System.Diagnostics;
using System.Text;
using EdgeTracker.Hosting;
using EdgeTracker.Hosting.Commands;
using EdgeTracker.Hosting.Configuration;
using EdgeTracker.Hosting.Pipeline;
using EdgeTracker.Messaging.Contract;
using EdgeTracker.Web;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeTracker.Tests.Hosting;

/// <summary><c>PanTilt:Camera</c>: its binding beside Control's keys, its validation, and the head following that camera.</summary>
public sealed class PanTiltCameraTests
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static readonly string[] TwoCameras =
        ["--Cameras:0:Name=cam0", "--Cameras:0:Source=test://ball", "--Cameras:1:Name=cam1", "--Cameras:1:Source=test://ball", "--PanTilt:Enabled=true"];

    [Fact]
    public void The_camera_is_bound_beside_the_heads_own_settings()
    {
        var loaded = ConfigLoader.Load(null, [.. TwoCameras, "--PanTilt:Camera=cam1", "--PanTilt:Pan:Channel=3"], NoEnvironment);
        Assert.Empty(loaded.Errors.Select(e => e.ToString()));
        Assert.Equal("cam1", loaded.Options.PanTiltFollow.Camera);
        Assert.Equal(3, loaded.Options.PanTilt.Pan.Channel);
        Assert.True(loaded.Options.PanTilt.Enabled);
        Assert.Equal("cam1", PipelinesService.FollowedCamera(loaded.Options, loaded.Options.Cameras)!.Name);

        // Unset, the head follows the first enabled camera.
        var byDefault = ConfigLoader.Load(null, [.. TwoCameras, "--Cameras:0:Enabled=false"], NoEnvironment);
        Assert.Empty(byDefault.Errors.Select(e => e.ToString()));
        Assert.Equal("cam1", PipelinesService.FollowedCamera(byDefault.Options, byDefault.Options.Cameras.Where(c => c.Enabled).ToList())!.Name);

        // A typo in the shared section is still named, with every key known there (ours and the head's).
        var typo = ConfigLoader.Load(null, [.. TwoCameras, "--PanTilt:Camra=cam1"], NoEnvironment).Errors.Single();
        Assert.Equal("PanTilt:Camra", typo.Key);
        Assert.Contains("unknown setting", typo.Message);
        Assert.Contains("Camera", typo.Message);
        Assert.Contains("Driver", typo.Message);
    }

    [Fact]
    public void A_camera_that_is_not_configured_or_is_disabled_is_an_error_naming_the_key()
    {
        var unknown = ConfigLoader.Load(null, [.. TwoCameras, "--PanTilt:Camera=cam7"], NoEnvironment).Errors.Single();
        Assert.Equal("PanTilt:Camera", unknown.Key);
        Assert.Equal("'cam7' is not a configured camera (configured: cam0, cam1)", unknown.Message);

        var disabled = ConfigLoader.Load(null, [.. TwoCameras, "--PanTilt:Camera=cam1", "--Cameras:1:Enabled=false"], NoEnvironment).Errors.Single();
        Assert.Equal("PanTilt:Camera", disabled.Key);
        Assert.Contains("'cam1' is disabled", disabled.Message);

        // Without a head a disabled camera named there harms nothing; a name that is no camera is still a typo.
        Assert.Empty(ConfigLoader.Load(null, [.. TwoCameras, "--PanTilt:Enabled=false", "--PanTilt:Camera=cam1", "--Cameras:1:Enabled=false"], NoEnvironment).Errors);
        Assert.Single(ConfigLoader.Load(null, [.. TwoCameras, "--PanTilt:Enabled=false", "--PanTilt:Camera=nope"], NoEnvironment).Errors);
    }

    /// <summary>
    /// Two cameras through the daemon's own <see cref="PipelinesService"/> and the virtual head, a target on cam1
    /// only. The square sits left of the centre in the first frames, so a head following cam1 turns left; a head
    /// following cam0 (which has no target) stays home — and counts cam0's frames, not cam1's.
    /// </summary>
    [Theory]
    [InlineData("cam1")]
    [InlineData(null)]
    public async Task The_head_follows_the_chosen_cameras_targets(string? followed)
    {
        var overrides = new List<string>(TwoCameras);
        if (followed is not null) overrides.Add($"--PanTilt:Camera={followed}");
        var loaded = ConfigLoader.Load(null, overrides, NoEnvironment);
        Assert.Empty(loaded.Errors.Select(e => e.ToString()));
        var options = loaded.Options;
        var state = new DaemonState("dev1", "bright-spot", stallSeconds: 10);
        var sources = new Dictionary<string, SyntheticSource>();
        var service = new PipelinesService(options, state, new BrightSpotFactory(), new PreviewRegistry(), NullLoggerFactory.Instance,
            camera => sources[camera.Name] = new SyntheticSource(), jpeg: null);
        await service.StartAsync(CancellationToken.None);
        try
        {
            var follower = service.Follower!;
            Assert.Equal(followed ?? "cam0", follower.Camera);
            var handler = new CommandHandler(state, new LiveSettings(0), NullLogger<CommandHandler>.Instance);

            // cam0 runs without a target; cam1 gets one on its first frame.
            Emit(state, sources, "cam0", 10);
            Emit(state, sources, "cam1", 1);
            var box = SyntheticScene.SquareAt(1);
            var reply = (await handler.HandleAsync(CommandKind.TargetSet, "cam1",
                Encoding.UTF8.GetBytes($$"""{"requestId":"r1","box":{"x":{{box.X}},"y":{{box.Y}},"w":{{box.W}},"h":{{box.H}}},"frame":1}"""))).Reply;
            Assert.True(reply.Ok, reply.Error?.Message);
            Emit(state, sources, "cam1", 15);

            var status = follower.Controller.Status;
            if (followed == "cam1")
            {
                // All of cam1's frames reached the head, none of cam0's; the square left of and above the centre turned it.
                Assert.Equal(16, status.Frames);
                Assert.True(status.PanDeg < -0.5, $"the head following cam1's target is at pan {status.PanDeg:F2}°");
                Assert.True(status.TiltDeg > 0.5, $"the head following cam1's target is at tilt {status.TiltDeg:F2}°");
            }
            else
            {
                Assert.Equal(10, status.Frames);
                Assert.Equal(0, status.PanDeg);
                Assert.Equal(0, status.TiltDeg);
            }
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }

    private static void Emit(DaemonState state, Dictionary<string, SyntheticSource> sources, string camera, int count)
    {
        var pipeline = state.Pipelines.Single(p => p.Name == camera);
        var target = pipeline.Metrics.Frames + count;
        sources[camera].Emit(count);
        var clock = Stopwatch.StartNew();
        while (pipeline.Metrics.Frames < target)
        {
            Assert.True(clock.Elapsed < Wait, $"{camera} processed {pipeline.Metrics.Frames} of {target} frames");
            Thread.Sleep(10);
        }
    }
}
