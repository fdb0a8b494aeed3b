using System.Diagnostics;
using System.Text;
using EdgeTracker.Control;
using EdgeTracker.Control.Heads;
using EdgeTracker.Hosting;
using EdgeTracker.Hosting.Commands;
using EdgeTracker.Hosting.Configuration;
using EdgeTracker.Hosting.Pipeline;
using EdgeTracker.Messaging.Contract;
using EdgeTracker.Tracking;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeTracker.Tests.Hosting;

/// <summary><c>PanTilt:Target</c> and <c>pantilt/set</c> action <c>follow</c>: which of a camera's targets the head follows.</summary>
public sealed class PanTiltTargetTests
{
    private const int Width = 640, Height = 480;

    private static TargetSnapshot Target(string id, float centerX, TargetState state = TargetState.Tracking) =>
        new() { Id = id, Box = BoxF.FromCenter(centerX, Height / 2f, 40, 40), State = state, Confidence = 1 };

    /// <summary>Feeds the same targets for 30 frames at 30 fps and returns the pan angle the head reached.</summary>
    private static double PanAfter(PanTiltFollower follower, TargetSnapshot[] targets)
    {
        var start = Stopwatch.GetTimestamp();
        for (var frame = 1; frame <= 30; frame++)
        {
            follower.Update(targets, Width, Height, start + frame * Stopwatch.Frequency / 30);
        }
        return follower.PanDegrees;
    }

    private static PanTiltFollower NewFollower(string? target = null)
    {
        var options = new PanTiltOptions { Enabled = true };
        return new PanTiltFollower(new PanTiltController(options, PanTiltHead.Create(options), enable: true), "cam0", target);
    }

    [Fact]
    public void Unset_the_head_follows_the_first_tracking_target_set_it_follows_that_one_only()
    {
        // "left" is lost; "right" (right of centre) and "far-left" (left of centre) are tracking.
        TargetSnapshot[] targets = [Target("left", 100, TargetState.Lost), Target("right", 560), Target("far-left", 60)];

        using (var byDefault = NewFollower())
        {
            Assert.True(PanAfter(byDefault, targets) > 1, "the head did not turn right, towards the first tracking target");
        }
        using (var chosen = NewFollower("far-left"))
        {
            Assert.Equal("far-left", chosen.FollowedTarget);
            Assert.True(PanAfter(chosen, targets) < -1, "the head did not turn left, towards the chosen target");
        }
        using (var lostChoice = NewFollower("left"))
        {
            // The chosen target is lost: the head holds rather than swing to another target.
            Assert.Equal(0, PanAfter(lostChoice, targets), 3);
        }
    }

    [Fact]
    public async Task Follow_commands_choose_the_target_and_a_target_with_another_action_is_refused()
    {
        var state = new DaemonState("dev1", "m", stallSeconds: 10);
        using var follower = NewFollower();
        state.PanTilt = follower;
        var handler = new CommandHandler(state, new LiveSettings(0), NullLogger<CommandHandler>.Instance);
        async Task<Reply> Send(string json) => (await handler.HandleAsync(CommandKind.PanTiltSet, null, Encoding.UTF8.GetBytes(json))).Reply;

        Assert.True((await Send("""{"requestId":"f1","action":"follow","target":"t2"}""")).Ok);
        Assert.Equal("t2", follower.FollowedTarget);
        var refused = await Send("""{"requestId":"f2","action":"home","target":"t3"}""");
        Assert.Equal("target", refused.Error?.Field);
        Assert.Equal("t2", follower.FollowedTarget);
        Assert.True((await Send("""{"requestId":"f3","action":"follow"}""")).Ok);
        Assert.Null(follower.FollowedTarget);
    }

    [Fact]
    public void The_start_target_is_read_from_the_PanTilt_section_and_checked()
    {
        string[] camera = ["--Cameras:0:Name=cam0", "--Cameras:0:Source=test://ball"];
        var loaded = ConfigLoader.Load(null, [.. camera, "--PanTilt:Target=t7"], new Dictionary<string, string?>());
        Assert.Empty(loaded.Errors);
        Assert.Equal("t7", loaded.Options.PanTiltFollow.Target);
        var bad = ConfigLoader.Load(null, [.. camera, "--PanTilt:Target=t 7"], new Dictionary<string, string?>()).Errors.Single();
        Assert.Equal("PanTilt:Target", bad.Key);
        Assert.Contains("'t 7' is not a target id", bad.Message);
    }
}
