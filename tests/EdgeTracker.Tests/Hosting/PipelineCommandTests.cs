using EdgeTracker.Hosting;
using EdgeTracker.Hosting.Commands;
using EdgeTracker.Hosting.Pipeline;
using EdgeTracker.Tracking;
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
        _handler = new CommandHandler(_state, new RuntimeSettings(0, 10), NullLogger<CommandHandler>.Instance);
        _pipeline.Start();
    }

    public void Dispose() => _pipeline.Dispose();

    private void EmitAndWait(int count)
    {
        var target = _pipeline.Metrics.Frames + count;
        _source.Emit(count);
        var deadline = DateTime.UtcNow + Wait;
        while (_pipeline.Metrics.Frames < target)
        {
            Assert.True(DateTime.UtcNow < deadline, $"pipeline processed {_pipeline.Metrics.Frames} of {target} frames");
            Thread.Sleep(10);
        }
    }

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
        var reply = await _handler.SetTargetAsync("cam0", new SetTargetCommand("r1", null, SyntheticScene.SquareAt(10), false, 10, null));

        Assert.True(reply.Ok, reply.ErrorMessage);
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
        var reply = await _handler.SetTargetAsync("cam0", new SetTargetCommand("r1", "a", SyntheticScene.SquareAt(10), false, null, null));
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
        var reply = await _handler.SetTargetAsync("cam0", new SetTargetCommand("r1", null, SyntheticScene.SquareAt(50), false, 5, null));
        Assert.True(reply.Ok, reply.ErrorMessage);
        Assert.Equal(50, reply.Frame);
        Assert.Contains("frame 5 is older than the frame history (oldest kept: 11)", reply.Note);
    }

    [Fact]
    public async Task Invalid_commands_are_answered_with_the_field_at_fault_and_change_nothing()
    {
        EmitAndWait(5);
        var ok = await _handler.SetTargetAsync("cam0", new SetTargetCommand("r0", "keep", SyntheticScene.SquareAt(5), false, null, "ball"));
        Assert.True(ok.Ok);
        DrainEvents();
        var before = _pipeline.Health(10).Targets;

        var replies = new[]
        {
            await _handler.SetTargetAsync("nope", new SetTargetCommand("r1", null, SyntheticScene.SquareAt(5), false, null, null)),
            await _handler.SetTargetAsync("cam0", new SetTargetCommand("r2", null, new BoxF(1000, 1000, 20, 20), false, null, null)),
            await _handler.SetTargetAsync("cam0", new SetTargetCommand("r3", null, new BoxF(0.1f, 0.1f, 0.001f, 0.001f), true, null, null)),
            await _handler.SetTargetAsync("cam0", new SetTargetCommand("r4", null, SyntheticScene.SquareAt(5), false, 999, null)),
            await _handler.ClearTargetAsync("cam0", new ClearTargetCommand("r5", "missing")),
            _handler.SetConfig("r6", -1, null),
            _handler.SetConfig("r7", 5, 0),
        };

        Assert.Equal(["camera", "box", "box", "frame", "id", "tracksMaxRate", "previewFps"], replies.Select(r => r.ErrorField));
        Assert.All(replies, r => Assert.False(r.Ok));
        Assert.All(replies, r => Assert.False(string.IsNullOrWhiteSpace(r.ErrorMessage)));
        Assert.Equal(["r1", "r2", "r3", "r4", "r5", "r6", "r7"], replies.Select(r => r.RequestId));
        Assert.Contains("has not been captured yet (newest is 5)", replies[3].ErrorMessage);
        Assert.Equal(before.Select(t => t.Id), _pipeline.Health(10).Targets.Select(t => t.Id));
        Assert.Equal(0, _handler.Settings.TracksMaxRate); // r7 had a valid rate, but its other value was bad: nothing applied
        Assert.Empty(DrainEvents());
    }

    [Fact]
    public async Task Targets_are_limited_cleared_one_by_one_or_all_and_each_follows_its_own_object()
    {
        EmitAndWait(3);
        Assert.True((await _handler.SetTargetAsync("cam0", new SetTargetCommand("a", null, SyntheticScene.SquareAt(3), false, 3, null))).Ok);
        Assert.True((await _handler.SetTargetAsync("cam0", new SetTargetCommand("b", "second", SyntheticScene.SquareAt(2), false, 2, null))).Ok);
        var full = await _handler.SetTargetAsync("cam0", new SetTargetCommand("c", null, SyntheticScene.SquareAt(3), false, null, null));
        Assert.Equal("id", full.ErrorField);
        Assert.Contains("already follows 2 targets", full.ErrorMessage);

        EmitAndWait(2);
        var live = DrainTracks()[^1];
        Assert.Equal(2, live.Count);
        Assert.Equal(["t1", "second"], live.Targets[..2].Select(t => t.Id));

        var one = await _handler.ClearTargetAsync("cam0", new ClearTargetCommand("d", "t1"));
        Assert.Equal(["t1"], one.Cleared!);
        var all = await _handler.ClearTargetAsync("cam0", new ClearTargetCommand("e", null));
        Assert.Equal(["second"], all.Cleared!);
        Assert.Empty(_pipeline.Health(10).Targets);
        // A cleared tracker is reused, not recreated: sessions are costly.
        Assert.True((await _handler.SetTargetAsync("cam0", new SetTargetCommand("f", null, SyntheticScene.SquareAt(5), false, null, null))).Ok);
        Assert.Equal(2, _factory.Created.Count);
        var kinds = DrainEvents().Where(e => e.TargetId is not null).Select(e => e.Kind + ":" + e.TargetId).ToList();
        Assert.Equal(["target.acquired:t1", "target.acquired:second", "target.cleared:t1", "target.cleared:second", "target.acquired:t2"], kinds);
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
