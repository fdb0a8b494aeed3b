using System.Text;
using EdgeTracker.Hosting;
using EdgeTracker.Hosting.Commands;
using EdgeTracker.Hosting.Pipeline;
using EdgeTracker.Inference;
using EdgeTracker.Messaging.Contract;
using EdgeTracker.Testing;
using EdgeTracker.Tests.Inference;
using EdgeTracker.Tracking;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeTracker.Tests.Hosting;

/// <summary>A camera pipeline on the real NanoTrack v3 weights with its targets batched (one backbone run a frame).</summary>
[Collection(OrtCollection.Name)]
public sealed class BatchedPipelineTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly SyntheticSource _source = new();
    private readonly CameraPipeline _pipeline;
    private readonly CommandHandler _handler;
    private readonly DaemonState _state = new("dev1", "nanotrack-v3", stallSeconds: 30);

    private sealed class NanoTrackFactory : ITrackerFactory
    {
        public string Model => "nanotrack-v3";
        public string Provider => "cpu";

        public ITrackerGroup CreateGroup(int maxTargets) => TrackerFactory.CreateGroup(Model,
            new InferenceOptions { Providers = ["cpu"], IntraOpThreads = 1 }, maxTargets, BatchMode.On,
            new TrackerFactoryOptions { ModelFolders = [TestData.Models] });
    }

    public BatchedPipelineTests()
    {
        _pipeline = new CameraPipeline(new PipelineSettings("cam0", "synthetic", MaxTargets: 3, HistorySeconds: 10, HistoryMaxFrames: 40),
            _source, new NanoTrackFactory(), NullLogger.Instance);
        _state.SetPipelines([_pipeline]);
        _handler = new CommandHandler(_state, new LiveSettings(0), NullLogger<CommandHandler>.Instance);
        _pipeline.Start();
    }

    public void Dispose() => _pipeline.Dispose();

    private void EmitAndWait(int count) => _source.EmitAndWait(_pipeline, count, Wait);

    private async Task<Reply> Set(string requestId, BoxF box) =>
        (await _handler.HandleAsync(CommandKind.TargetSet, "cam0", Encoding.UTF8.GetBytes(
            string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $$$"""{"requestId":"{{{requestId}}}","box":{"x":{{{box.X}}},"y":{{{box.Y}}},"w":{{{box.W}}},"h":{{{box.H}}}}}""")))).Reply;

    [Fact]
    public async Task Two_batched_targets_follow_the_square_and_the_tracking_thread_allocates_nothing_per_frame()
    {
        Assert.True(_pipeline.Batching.Batched, _pipeline.Batching.Reason);
        Assert.Equal(3, _pipeline.Batching.MaxBatch);
        EmitAndWait(45); // the history's pool fills (40 frames)
        var square = SyntheticScene.SquareAt(45);
        Assert.True((await Set("a", square)).Ok);
        Assert.True((await Set("b", new BoxF(square.X - 2, square.Y - 2, square.W + 4, square.H + 4))).Ok);
        EmitAndWait(10);
        var before = _pipeline.TrackingThreadAllocatedBytes;
        EmitAndWait(15); // the square stays clear of the frame's edge up to frame 70

        var health = _pipeline.Health(30);
        Assert.Equal(["tracking", "tracking"], health.Targets.Select(t => t.State));
        var truth = SyntheticScene.SquareAt(health.LastFrame);
        foreach (var t in health.Targets)
        {
            var iou = new BoxF(t.X, t.Y, t.W, t.H).IoU(truth);
            Assert.True(iou > 0.5, $"target {t.Id}: IoU {iou:0.00} with the square on frame {health.LastFrame}");
        }
        Assert.Equal(0, _pipeline.TrackingThreadAllocatedBytes - before);
    }
}
