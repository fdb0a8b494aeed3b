using BenchmarkDotNet.Attributes;
using EdgeTracker.Camera.Frames;
using EdgeTracker.Inference;
using EdgeTracker.Tracking;

namespace EdgeTracker.Benchmarks;

/// <summary>
/// One camera frame with several targets: tracked in turn against one batched run for all of them (NanoTrack v3:
/// the backbone, <see cref="NanoTrackGroup"/>; VitTrack: the whole model, <see cref="Tracking.VitTrack.VitTrackGroup"/>),
/// for 1, 2 and 4 targets and 1 or 2 intra-op threads, side by side in one run. The frame is the same each time, so every target stays tracking (no lost-state searches).
/// Run: <c>scripts/bench --filter '*BatchedTargets*'</c>. Needs EDGETRACKER_DATA.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 20)]
public class BatchedTargetsBenchmarks
{
    private ITrackerGroup _inTurn = null!;
    private ITrackerGroup _batched = null!;
    private ISingleObjectTracker[] _inTurnTrackers = null!;
    private ISingleObjectTracker[] _batchedTrackers = null!;
    private TrackResult[] _results = null!;
    private Exception?[] _failures = null!;
    private Frame _first = null!;
    private Frame _second = null!;

    [Params("nanotrack-v3", "vittrack")]
    public string Model { get; set; } = "nanotrack-v3";

    [Params(1, 2, 4)]
    public int Targets { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var data = Environment.GetEnvironmentVariable("EDGETRACKER_DATA") ?? throw new InvalidOperationException("Set EDGETRACKER_DATA to the shared data folder.");
        var sequence = EdgeTracker.Evaluation.Sequence.Load(Path.Combine(data, "testdata", "sequences", "otb_crossing"));
        using var decoder = new EdgeTracker.Camera.Jpeg.JpegDecoder { AcceptRecoverableDamage = false };
        _first = Frame.Standalone(1, 1);
        _second = Frame.Standalone(1, 1);
        decoder.Decode(File.ReadAllBytes(sequence.FramePaths[0]), _first, 1);
        decoder.Decode(File.ReadAllBytes(sequence.FramePaths[1]), _second, 2);
        var options = new InferenceOptions { Providers = ["cpu"], IntraOpThreads = Threads };
        _inTurn = TrackerFactory.CreateGroup(Model, options, Math.Max(Targets, 2), BatchMode.Off);
        _batched = TrackerFactory.CreateGroup(Model, options, Math.Max(Targets, 2), BatchMode.On);
        if (!_batched.Batching.Batched)
        {
            throw new InvalidOperationException($"{Model} did not batch: {_batched.Batching.Reason}");
        }
        var truth = sequence.GroundTruth[0];
        _inTurnTrackers = new ISingleObjectTracker[Targets];
        _batchedTrackers = new ISingleObjectTracker[Targets];
        for (var i = 0; i < Targets; i++)
        {
            // The real target and copies of its box shifted across the frame: every crop is a different region.
            var box = new BoxF(truth.X + i * 60 % 240, truth.Y, truth.W, truth.H);
            _inTurnTrackers[i] = _inTurn.CreateTracker();
            _batchedTrackers[i] = _batched.CreateTracker();
            _inTurnTrackers[i].Init(_first, box);
            _batchedTrackers[i].Init(_first, box);
        }
        _results = new TrackResult[Targets];
        _failures = new Exception?[Targets];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in _inTurnTrackers) t.Dispose();
        foreach (var t in _batchedTrackers) t.Dispose();
        _inTurn.Dispose();
        _batched.Dispose();
    }

    /// <summary>Every target's full step, one after another (each runs the network on its own crop).</summary>
    [Benchmark(Baseline = true)]
    public TrackResult InTurn()
    {
        _inTurn.TrackAll(_second, _inTurnTrackers, _results, _failures);
        return _results[0];
    }

    /// <summary>All targets' crops through one network run, then each target's own rest of the step.</summary>
    [Benchmark]
    public TrackResult Batched()
    {
        _batched.TrackAll(_second, _batchedTrackers, _results, _failures);
        return _results[0];
    }
}
