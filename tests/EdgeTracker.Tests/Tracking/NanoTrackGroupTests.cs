using EdgeTracker.Camera.Frames;
using EdgeTracker.Evaluation;
using EdgeTracker.Inference;
using EdgeTracker.Inference.Onnx;
using EdgeTracker.Testing;
using EdgeTracker.Tests.Inference;
using EdgeTracker.Tracking;

namespace EdgeTracker.Tests.Tracking;

/// <summary>
/// Several targets of one camera through one batched NanoTrack backbone run, against the same targets each tracked
/// alone by its own tracker — on a real sequence with the real v3 weights, and with graphs written here for the
/// cases where a batch must be refused.
/// </summary>
[Collection(OrtCollection.Name)]
public sealed class NanoTrackGroupTests
{
    private static readonly InferenceOptions OneThread = new() { Providers = ["cpu"], IntraOpThreads = 1 };
    private static readonly TrackerFactoryOptions RealModels = new() { ModelFolders = [TestData.Models] };

    [Fact]
    public async Task Targets_tracked_in_one_batch_get_exactly_what_each_gets_alone_through_loss_and_reacquisition()
    {
        // pbbat: a walker hidden behind trees (the ground-truth target is declared lost and searched for widely),
        // plus two patches of scenery; three targets over a batch of two, so TrackAll also splits batches.
        var sequence = Sequence.Load(TestData.Sequence("uav123_10fps_group3_2_first170_pbbat"));
        var first = sequence.GroundTruth[0];
        var lostFrames = await CompareBatchedWithAlone("nanotrack-v3", sequence, maxTargets: 2, sequence.FramePaths.Count,
            [first, new BoxF(40, 40, 60, 45), new BoxF(first.X + 150, first.Y + 60, 50, 50)], tolerancePx: 1e-3f);
        Assert.True(lostFrames > 0, "no target was ever lost: the lost-state search did not run inside a batch");
    }

    /// <summary>
    /// Tracks <paramref name="starts"/> over the first <paramref name="frames"/> frames through one batched group and
    /// through one tracker each, and checks every frame's state, box and confidence agree; returns the lost frames seen.
    /// </summary>
    private static async Task<int> CompareBatchedWithAlone(string model, Sequence sequence, int maxTargets, int frames, BoxF[] starts, float tolerancePx)
    {
        using var group = TrackerFactory.CreateGroup(model, OneThread, maxTargets, BatchMode.On, RealModels);
        Assert.True(group.Batching.Batched, group.Batching.Reason);
        Assert.Equal(maxTargets, group.Batching.MaxBatch);
        var grouped = starts.Select(_ => group.CreateTracker()).ToArray();
        var alone = starts.Select(_ => TrackerFactory.Create(model, OneThread, RealModels)).ToArray();
        var results = new TrackResult[starts.Length];
        var failures = new Exception?[starts.Length];
        var lostFrames = 0;
        try
        {
            await using var source = new SequenceFrames(sequence.FramePaths);
            for (var f = 0; f < frames; f++)
            {
                using var frame = await source.NextAsync(TestContext.Current.CancellationToken) ?? throw new InvalidDataException("sequence ended early");
                if (f == 0)
                {
                    for (var i = 0; i < starts.Length; i++)
                    {
                        grouped[i].Init(frame, starts[i]);
                        alone[i].Init(frame, starts[i]);
                    }
                    continue;
                }
                group.TrackAll(frame, grouped, results, failures);
                for (var i = 0; i < starts.Length; i++)
                {
                    Assert.Null(failures[i]);
                    var expected = alone[i].Track(frame);
                    var got = results[i];
                    Assert.True(expected.State == got.State, $"frame {f + 1}, target {i}: {got.State} batched, {expected.State} alone");
                    var d = MaxDifference(expected.Box, got.Box);
                    Assert.True(d <= tolerancePx, $"frame {f + 1}, target {i}: boxes differ by {d} px ({got.Box} batched, {expected.Box} alone)");
                    Assert.Equal(expected.Confidence, got.Confidence, 1e-4f);
                    if (got.State == TargetState.Lost) lostFrames++;
                }
            }
        }
        finally
        {
            foreach (var t in grouped) t.Dispose();
            foreach (var t in alone) t.Dispose();
        }
        return lostFrames;
    }

    /// <summary>Every shipped model with a batched path takes a batch, proved item by item against its own file.</summary>
    [Theory]
    [InlineData("nanotrack-v1")]
    [InlineData("nanotrack-v2")]
    [InlineData("nanotrack-v3")]
    [InlineData("vittrack")]
    public void Every_shipped_model_with_a_batched_path_passes_the_batch_proof(string model)
    {
        using var group = TrackerFactory.CreateGroup(model, OneThread, maxTargets: 4, BatchMode.On, RealModels);
        Assert.True(group.Batching.Batched, group.Batching.Reason);
        Assert.Equal(4, group.Batching.MaxBatch);
        Assert.Matches(@"a batch of 2 matches single runs within [0-9.E-]+\)$", group.Batching.Reason);
    }

    [Fact]
    public async Task VitTrack_targets_in_one_batch_get_what_each_gets_alone()
    {
        // VitTrack's whole step is one network, so the batch carries the template too; 40 frames of crossing.
        var sequence = Sequence.Load(TestData.Sequence("otb_crossing"));
        var first = sequence.GroundTruth[0];
        await CompareBatchedWithAlone("vittrack", sequence, maxTargets: 3, frames: 40,
            [first, new BoxF(20, 20, 50, 40), new BoxF(first.X + 80, first.Y - 30, 40, 60)], tolerancePx: 1e-2f);
    }

    [Fact]
    public void A_failing_target_is_reported_alone_and_the_others_are_still_tracked()
    {
        using var group = TrackerFactory.CreateGroup("nanotrack-v3", OneThread, maxTargets: 3, BatchMode.On, RealModels);
        using var frame = SyntheticFrame(320, 240);
        using var ready = group.CreateTracker();
        using var notInitialised = group.CreateTracker();
        using var stranger = TrackerFactory.Create("nanotrack-v3", OneThread, RealModels);
        ready.Init(frame, new BoxF(100, 80, 40, 40));
        stranger.Init(frame, new BoxF(100, 80, 40, 40));
        var results = new TrackResult[3];
        var failures = new Exception?[3];

        group.TrackAll(frame, [notInitialised, ready, stranger], results, failures);

        Assert.IsType<InvalidOperationException>(failures[0]);
        Assert.Null(failures[1]);
        Assert.Contains("not made by this group", Assert.IsType<ArgumentException>(failures[2]).Message);
        Assert.True(results[1].Box.W > 0, "the initialised target got no result");
    }

    [Theory]
    [InlineData(BatchMode.Auto, 4, "cpu", 1, 1)]
    [InlineData(BatchMode.Auto, 4, "cpu", 2, 1)]
    [InlineData(BatchMode.Auto, 4, "cpu", 0, 1)]
    [InlineData(BatchMode.Auto, 4, "tensorrt", 1, 4)]
    [InlineData(BatchMode.Auto, 4, "cuda", 1, 4)]
    [InlineData(BatchMode.On, 4, "cpu", 1, 4)]
    [InlineData(BatchMode.Off, 4, "cuda", 2, 1)]
    [InlineData(BatchMode.On, 1, "cuda", 2, 1)]
    public void The_batch_decision_follows_mode_provider_and_threads(BatchMode mode, int maxTargets, string provider, int threads, int expected)
    {
        var (maxBatch, reason) = TrackerFactory.BatchDecision(mode, maxTargets, provider, threads);
        Assert.Equal(expected, maxBatch);
        Assert.Equal(expected == 1, reason is not null);
    }

    [Fact]
    public void Auto_on_the_cpu_tracks_in_turn_and_says_why()
    {
        using var group = TrackerFactory.CreateGroup("nanotrack-v3", OneThread, maxTargets: 4, BatchMode.Auto, RealModels);
        Assert.False(group.Batching.Batched);
        Assert.Equal(1, group.Batching.MaxBatch);
        Assert.Contains("on the CPU (1 intra-op thread(s)) a batch measured no reliable gain", group.Batching.Reason);
        Assert.Equal("cpu", group.ExecutionProvider);
    }

    [Fact]
    public void Families_without_a_batched_path_track_in_turn_and_say_so()
    {
        using var group = TrackerFactory.CreateGroup("siamfc-default", OneThread, maxTargets: 4, BatchMode.On);
        Assert.IsType<SequentialTrackerGroup>(group);
        Assert.False(group.Batching.Batched);
        Assert.Contains("siamfc family", group.Batching.Reason);
        using var tracker = group.CreateTracker();
        Assert.Equal("siamfc-default", tracker.ModelName);
    }

    // ---- backbones that must not be batched ----------------------------------------------------------------

    private static ModelManifest Manifest(string backbonePath) => new()
    {
        Name = "test-backbone",
        Family = "nanotrack",
        Files = new Dictionary<string, ModelFile> { ["backbone"] = new() { Path = backbonePath } },
    };

    /// <summary>A stand-in backbone: 16×16 average pooling to a [1,3,S,S] feature map, then <paramref name="tail"/>.</summary>
    private static string WriteBackbone(string folder, Action<GraphProto> tail)
    {
        var graph = new GraphProto { Name = "backbone" };
        graph.Input.Add(OnnxModels.Float("input", 1, 3, 255, 255));
        graph.Node.Add(OnnxModels.Node("AveragePool", ["input"], ["pooled"], OnnxModels.Attr("kernel_shape", [16L, 16L]), OnnxModels.Attr("strides", [16L, 16L])));
        tail(graph);
        var path = Path.Combine(folder, "backbone.onnx");
        File.WriteAllBytes(path, OnnxModels.Write(OnnxModels.Model(graph, opset: 17)));
        return path;
    }

    [Fact]
    public void A_backbone_that_mixes_batch_items_is_caught_by_the_proof_and_runs_one_crop_at_a_time()
    {
        var folder = Directory.CreateTempSubdirectory("batch-proof").FullName;
        try
        {
            // features = pooled − mean over the batch: zero for one crop, something else in a batch.
            var path = WriteBackbone(folder, g =>
            {
                g.Node.Add(OnnxModels.Node("ReduceMean", ["pooled"], ["batch_mean"], OnnxModels.Attr("axes", [0L]), OnnxModels.Attr("keepdims", 1L)));
                g.Node.Add(OnnxModels.Node("Sub", ["pooled", "batch_mean"], ["output"]));
                g.Output.Add(OnnxModels.Float("output", 1, 3, 15, 15));
            });
            using var options = OrtSessionOptions.Create(OneThread);
            using var backbone = NanoTrackBackbone.Load(Manifest(path), path, options, capacity: 4);

            Assert.False(backbone.Batching.Batched);
            Assert.Equal(1, backbone.Capacity);
            Assert.Contains("differs from single runs", backbone.Batching.Reason);
            backbone.RunSearch(1); // still works, one crop a run
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_backbone_whose_shapes_pin_the_batch_is_refused_with_ort_s_reason()
    {
        var folder = Directory.CreateTempSubdirectory("batch-refused").FullName;
        try
        {
            // Keeps only the first crop (a Slice of the batch axis with constant bounds): a batch of two gives one
            // feature map, which no bound output of two can take.
            var path = WriteBackbone(folder, g =>
            {
                g.Initializer.Add(OnnxModels.Int64Tensor("starts", [1], [0]));
                g.Initializer.Add(OnnxModels.Int64Tensor("ends", [1], [1]));
                g.Initializer.Add(OnnxModels.Int64Tensor("axes", [1], [0]));
                g.Node.Add(OnnxModels.Node("Slice", ["pooled", "starts", "ends", "axes"], ["output"]));
                g.Output.Add(OnnxModels.Float("output", 1, 3, 15, 15));
            });
            using var options = OrtSessionOptions.Create(OneThread);
            using var backbone = NanoTrackBackbone.Load(Manifest(path), path, options, capacity: 2);

            Assert.False(backbone.Batching.Batched);
            Assert.Contains("cannot take a batch", backbone.Batching.Reason);
            Assert.Contains(path, backbone.Batching.Reason);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static float MaxDifference(BoxF a, BoxF b) =>
        MathF.Max(MathF.Max(MathF.Abs(a.X - b.X), MathF.Abs(a.Y - b.Y)), MathF.Max(MathF.Abs(a.W - b.W), MathF.Abs(a.H - b.H)));

    private static Frame SyntheticFrame(int width, int height)
    {
        var frame = Frame.Standalone(width, height);
        var pixels = frame.Pixels;
        for (var i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 31 % 251);
        return frame;
    }
}
