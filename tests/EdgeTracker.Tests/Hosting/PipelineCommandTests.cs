using EdgeTracker.Hosting;
using EdgeTracker.Hosting.Commands;
using EdgeTracker.Hosting.Pipeline;
using EdgeTracker.Messaging.Contract;
using EdgeTracker.Tracking;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeTracker.Tests.Hosting;

/// <summary>The command handler over a real pipeline (its own tracking thread, history and queues).</summary>
public sealed class PipelineCommandTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly SyntheticSource _source = new();
    private readonly BrightSpotFactory _factory = new();
    private readonly CameraPipeline _pipeline;
    private readonly CommandHandler _handler;
    private readonly DaemonState _state = new("dev1", "bright-spot", stallSeconds: 10);

    public PipelineCommandTests()
    {
        _pipeline = new CameraPipeline(new PipelineSettings("cam0", "synthetic", MaxTargets: 2, HistorySeconds: 10, HistoryMaxFrames: 40),
            _source, _factory, NullLogger.Instance);
        _state.SetPipelines([_pipeline]);
        _handler = new CommandHandler(_state, new LiveSettings(0), NullLogger<CommandHandler>.Instance);
        _pipeline.Start();
    }

    public void Dispose() => _pipeline.Dispose();

    private void EmitAndWait(int count) => _source.EmitAndWait(_pipeline, count, Wait);

    private async Task<Reply> Send(CommandKind kind, string? camera, string json) =>
        (await _handler.HandleAsync(kind, camera, Encoding.UTF8.GetBytes(json))).Reply;

    private static string Set(string requestId, BoxF box, long? frame = null, string? id = null, string? label = null) =>
        $$"""{"requestId":"{{requestId}}"{{(id is null ? "" : $",\"id\":\"{id}\"")}}{{(label is null ? "" : $",\"label\":\"{label}\"")}},"box":{"x":{{box.X}},"y":{{box.Y}},"w":{{box.W}},"h":{{box.H}}}{{(frame is null ? "" : $",\"frame\":{frame}")}}}""";

    private List<TrackFrame> DrainTracks()
    {
        var list = new List<TrackFrame>();
        while (_pipeline.Tracks.TryRead(out var t)) list.Add(t);
        return list;
    }

    private List<PipelineEvent> DrainEvents()
    {
        var list = new List<PipelineEvent>();
        while (_pipeline.Events.TryRead(out var e)) list.Add(e);
        return list;
    }

    [Fact]
    public async Task A_box_drawn_on_an_old_frame_starts_there_and_catches_up_to_the_live_frame()
    {
        EmitAndWait(30);
        DrainTracks();
        var reply = await Send(CommandKind.TargetSet, "cam0", Set("r1", SyntheticScene.SquareAt(10), 10));

        Assert.True(reply.Ok, reply.Error?.Message);
        Assert.Equal(10, reply.Frame);
        Assert.Null(reply.Note);
        Assert.Equal("t1", reply.Id);
        // Every frame from the drawn one to the live one got its track, and the last is where the square is now.
        var tracks = DrainTracks();
        Assert.Equal(Enumerable.Range(10, 21).Select(i => (long)i), tracks.Select(t => t.Sequence));
        Assert.All(tracks, t => Assert.True(t.CatchUp));
        var live = tracks[^1].Targets[0];
        Assert.Equal(TargetState.Tracking, live.State);
        Assert.True(live.Box.IoU(SyntheticScene.SquareAt(30)) > 0.8, $"caught-up box {live.Box} vs square {SyntheticScene.SquareAt(30)}");

        EmitAndWait(5);
        var next = DrainTracks();
        Assert.Equal(35, next[^1].Sequence);
        Assert.True(next[^1].Targets[0].Box.IoU(SyntheticScene.SquareAt(35)) > 0.8);
        Assert.Contains(DrainEvents(), e => e.Kind == "target.acquired" && e.TargetId == "t1" && e.Frame == 10);
    }

    [Fact]
    public async Task The_same_box_applied_to_the_newest_frame_instead_loses_the_target()
    {
        // The control experiment for the catch-up test: without the history, the old box misses the moved square.
        EmitAndWait(30);
        var reply = await Send(CommandKind.TargetSet, "cam0", Set("r1", SyntheticScene.SquareAt(10), null, id: "a"));
        Assert.True(reply.Ok);
        Assert.Equal(30, reply.Frame);
        EmitAndWait(1);
        var last = DrainTracks()[^1];
        Assert.Equal(TargetState.Lost, last.Targets[0].State);
    }

    [Fact]
    public async Task A_frame_older_than_the_history_falls_back_to_the_newest_and_the_reply_says_so()
    {
        EmitAndWait(50); // the history keeps 40 frames: 11..50
        var reply = await Send(CommandKind.TargetSet, "cam0", Set("r1", SyntheticScene.SquareAt(50), 5));
        Assert.True(reply.Ok, reply.Error?.Message);
        Assert.Equal(50, reply.Frame);
        Assert.Contains("frame 5 is older than the frame history (oldest kept: 11)", reply.Note);
    }

    [Fact]
    public async Task Invalid_commands_are_answered_with_the_field_at_fault_and_change_nothing()
    {
        EmitAndWait(5);
        var ok = await Send(CommandKind.TargetSet, "cam0", Set("r0", SyntheticScene.SquareAt(5), null, id: "keep", label: "ball"));
        Assert.True(ok.Ok);
        DrainEvents();
        var before = _pipeline.Health(10).Targets;

        var replies = new[]
        {
            await Send(CommandKind.TargetSet, "nope", Set("r1", SyntheticScene.SquareAt(5), null)),
            await Send(CommandKind.TargetSet, "cam0", Set("r2", new BoxF(1000, 1000, 20, 20), null)),
            await Send(CommandKind.TargetSet, "cam0", """{"requestId":"r3","box":{"x":0.1,"y":0.1,"w":0.001,"h":0.001},"units":"norm"}"""),
            await Send(CommandKind.TargetSet, "cam0", Set("r4", SyntheticScene.SquareAt(5), 999)),
            await Send(CommandKind.TargetClear, "cam0", """{"requestId":"r5","id":"missing"}"""),
            await Send(CommandKind.TargetSet, "cam0", """{"requestId":"r6","box":{"x":1,"y":1,"w":0,"h":5}}"""),
            await Send(CommandKind.TargetSet, "cam0", """{"requestId":"r7","box":{"x":1,"y":1,"w":5,"h":5},"units":"inches"}"""),
            await Send(CommandKind.ConfigSet, null, """{"requestId":"r8","settings":{"tracksMaxRateHz":5,"fps":3}}"""),
            await Send(CommandKind.ConfigSet, null, """{"requestId":"r9","settings":{"tracksMaxRateHz":5,"panTiltEnabled":true}}"""),
            await Send(CommandKind.SnapshotGet, "cam0", """{"requestId":"r10"}"""),
        };

        Assert.Equal(["camera", "box", "box", "frame", "id", "box.w", "units", "settings.fps", "settings.panTiltEnabled", "$"], replies.Select(r => r.Error?.Field));
        Assert.All(replies, r => Assert.False(r.Ok));
        Assert.All(replies, r => Assert.False(string.IsNullOrWhiteSpace(r.Error?.Message)));
        Assert.Equal(["r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10"], replies.Select(r => r.RequestId));
        Assert.Contains("has not been captured yet (newest is 5)", replies[3].Error!.Message);
        var garbage = await _handler.HandleAsync(CommandKind.TargetSet, "cam0", Encoding.UTF8.GetBytes("{not json"));
        Assert.False(garbage.Ok);
        Assert.Contains("\"ok\":false", Encoding.UTF8.GetString(garbage.Json));
        Assert.Equal(before.Select(t => (t.Id, t.Label)), _pipeline.Health(10).Targets.Select(t => (t.Id, t.Label)));
        Assert.Equal(0, _handler.Settings.TracksMaxRateHz); // r8 and r9 carried a valid rate, but another value was bad: nothing applied
        Assert.Empty(DrainEvents());
    }

    [Fact]
    public async Task Targets_are_limited_cleared_one_by_one_or_all_and_each_follows_its_own_object()
    {
        EmitAndWait(3);
        Assert.True((await Send(CommandKind.TargetSet, "cam0", Set("a", SyntheticScene.SquareAt(3), 3))).Ok);
        Assert.True((await Send(CommandKind.TargetSet, "cam0", Set("b", SyntheticScene.SquareAt(2), 2, id: "second"))).Ok);
        var full = await Send(CommandKind.TargetSet, "cam0", Set("c", SyntheticScene.SquareAt(3), null));
        Assert.Equal("id", full.Error?.Field);
        Assert.Contains("already follows 2 targets", full.Error?.Message);

        EmitAndWait(2);
        var live = DrainTracks()[^1];
        Assert.Equal(2, live.Count);
        Assert.Equal(["t1", "second"], live.Targets[..2].Select(t => t.Id));

        var one = await Send(CommandKind.TargetClear, "cam0", """{"requestId":"d","id":"t1"}""");
        Assert.True(one.Ok);
        Assert.Equal(["second"], _pipeline.Health(10).Targets.Select(t => t.Id));
        var all = await Send(CommandKind.TargetClear, "cam0", """{"requestId":"e"}""");
        Assert.True(all.Ok);
        Assert.Empty(_pipeline.Health(10).Targets);
        // A cleared tracker is reused, not recreated: sessions are costly.
        Assert.True((await Send(CommandKind.TargetSet, "cam0", Set("f", SyntheticScene.SquareAt(5), null))).Ok);
        Assert.Equal(2, _factory.Created.Count);
        var kinds = DrainEvents().Where(e => e.TargetId is not null).Select(e => e.Kind + ":" + e.TargetId).ToList();
        Assert.Equal(["target.acquired:t1", "target.acquired:second", "target.cleared:t1", "target.cleared:second", "target.acquired:t2"], kinds);
    }

    [Fact]
    public async Task In_steady_state_the_tracking_thread_allocates_nothing_per_frame()
    {
        // Warm-up: the history's pool fills (40 frames), queues reach their bounds, the target exists.
        EmitAndWait(45);
        Assert.True((await Send(CommandKind.TargetSet, "cam0", Set("r", SyntheticScene.SquareAt(45), null))).Ok);
        EmitAndWait(10);
        var before = _pipeline.TrackingThreadAllocatedBytes;
        EmitAndWait(15); // the square stays clear of the frame's edge up to frame 70
        Assert.Equal(["tracking"], _pipeline.Health(10).Targets.Select(t => t.State));
        Assert.Equal(0, _pipeline.TrackingThreadAllocatedBytes - before);
    }

    [Fact]
    public async Task Pan_tilt_commands_enable_disable_home_and_nudge_the_head_or_are_refused_without_one()
    {
        var noHead = await Send(CommandKind.PanTiltSet, null, """{"requestId":"p0","action":"home"}""");
        Assert.Equal("action", noHead.Error?.Field);

        var options = new EdgeTracker.Control.PanTiltOptions { Enabled = true };
        using var follower = new PanTiltFollower(new EdgeTracker.Control.PanTiltController(options, EdgeTracker.Control.Heads.PanTiltHead.Create(options), enable: true));
        _state.PanTilt = follower;
        Assert.True((await Send(CommandKind.PanTiltSet, null, """{"requestId":"p1","action":"nudge","pan":5,"tilt":-2.5}""")).Ok);
        Assert.Equal((5.0, -2.5), (follower.PanDegrees, follower.TiltDegrees));
        Assert.True((await Send(CommandKind.PanTiltSet, null, """{"requestId":"p2","action":"disable"}""")).Ok);
        Assert.False(follower.Controller.Status.Enabled);
        Assert.True((await Send(CommandKind.PanTiltSet, null, """{"requestId":"p3","action":"home"}""")).Ok);
        Assert.Equal((0.0, 0.0), (follower.PanDegrees, follower.TiltDegrees));
        Assert.True((await Send(CommandKind.PanTiltSet, null, """{"requestId":"p4","action":"enable"}""")).Ok);
        Assert.True(follower.Controller.Status.Enabled);
        var bad = await Send(CommandKind.PanTiltSet, null, """{"requestId":"p5","action":"nudge","pan":500}""");
        Assert.Equal("pan", bad.Error?.Field);
        Assert.Equal((0.0, 0.0), (follower.PanDegrees, follower.TiltDegrees));
    }

    [Fact]
    public async Task A_publisher_that_reads_nothing_never_slows_tracking_results_are_dropped_and_counted()
    {
        EmitAndWait(5);
        Assert.True((await Send(CommandKind.TargetSet, "cam0", Set("r", SyntheticScene.SquareAt(5), null))).Ok);
        // Nobody reads the results queue (a broker that does not keep up): 60 more frames still go through at once.
        EmitAndWait(60);
        Assert.Equal(65, _pipeline.Metrics.Frames);
        Assert.True(_pipeline.Metrics.TrackMessagesDropped >= 60 - 32, $"dropped {_pipeline.Metrics.TrackMessagesDropped}");
        // What is left is the newest results, in order, at most the queue's bound.
        var left = DrainTracks();
        Assert.InRange(left.Count, 1, 32);
        Assert.Equal(65, left[^1].Sequence);
        Assert.Equal(left.Select(t => t.Sequence).Order(), left.Select(t => t.Sequence));
    }

    [Fact]
    public void Source_events_become_camera_events_and_health()
    {
        EmitAndWait(2);
        _source.Raise(SourceState.Lost, "pipeline error: connection refused");
        Assert.Equal("lost", _pipeline.Health(10).Source);
        Assert.Equal("pipeline error: connection refused", _pipeline.Health(10).SourceReason);
        _source.Raise(SourceState.Retrying, "attempt 1");
        _source.Raise(SourceState.Open);
        var kinds = DrainEvents().Select(e => e.Kind).ToList();
        Assert.Equal(["camera.opened", "camera.lost", "camera.retrying", "camera.recovered"], kinds);
        Assert.True(_pipeline.Health(10).Healthy);
    }
}
