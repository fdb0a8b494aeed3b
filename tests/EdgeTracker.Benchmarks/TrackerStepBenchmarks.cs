using BenchmarkDotNet.Attributes;
using EdgeTracker.Camera.Frames;
using EdgeTracker.Evaluation;
using EdgeTracker.Inference;
using EdgeTracker.Tracking;

namespace EdgeTracker.Benchmarks;

/// <summary>
/// NanoTrack v3's tracker step (crop + backbone + head + post-processing) on one intra-op thread, and each part
/// alone, side by side in one run so their ratios hold on a shared machine. Needs EDGETRACKER_DATA.
/// Run: <c>dotnet run -c Release --project tests/EdgeTracker.Benchmarks -- --filter '*TrackerStep*'</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 12)]
public class TrackerStepBenchmarks
{
    private ISingleObjectTracker _tracker = null!;
    private Frame _first = null!;
    private Frame _second = null!;
    private SubwindowSampler _sampler = null!;
    private SubwindowSampler _scalarSampler = null!;
    private float[] _crop = null!;
    private InferenceSession _backbone = null!;
    private InferenceSession _head = null!;
    private RunBinding _runBackbone = null!;
    private RunBinding _runHead = null!;
    private InferenceSession _foldedHead = null!;
    private RunBinding _runFoldedHead = null!;
    private float[] _cls = null!, _loc = null!, _score = null!, _penalty = null!, _pscore = null!, _window = null!, _template = null!, _search = null!;
    private BoxF _start;
    private readonly byte[] _pad = [100, 100, 100];
    private readonly Normalization _raw = new();

    /// <summary>The sequence whose frames 1 and 2 are used (640×360 and 1280×720).</summary>
    [Params("otb_biker", "vot_ball1_staple")]
    public string Sequence { get; set; } = "otb_biker";

    [GlobalSetup]
    public void Setup()
    {
        var data = Environment.GetEnvironmentVariable("EDGETRACKER_DATA") ?? throw new InvalidOperationException("Set EDGETRACKER_DATA to the shared data folder.");
        var sequence = EdgeTracker.Evaluation.Sequence.Load(Path.Combine(data, "testdata", "sequences", Sequence));
        using var decoder = new EdgeTracker.Camera.Jpeg.JpegDecoder { AcceptRecoverableDamage = false };
        _first = Frame.Standalone(1, 1);
        _second = Frame.Standalone(1, 1);
        decoder.Decode(File.ReadAllBytes(sequence.FramePaths[0]), _first, 1);
        decoder.Decode(File.ReadAllBytes(sequence.FramePaths[1]), _second, 2);
        _start = sequence.GroundTruth[0];
        var options = new InferenceOptions { Providers = ["cpu"], IntraOpThreads = 1 };
        _tracker = TrackerFactory.Create("nanotrack-v3", options);
        _tracker.Init(_first, _start);

        _sampler = new SubwindowSampler();
        _scalarSampler = new SubwindowSampler { UseAvx2 = false };
        _crop = new float[3 * 255 * 255];
        var manifest = TrackerFactory.FindManifest("nanotrack-v3");
        var files = manifest.Resolve(TrackerFactory.ModelSearchPath());
        using var sessionOptions = OrtSessionOptions.Create(options);
        _backbone = InferenceSession.FromFile(files["backbone"], sessionOptions);
        _head = InferenceSession.FromFile(files["head"], sessionOptions);
        var input = new OrtTensor<float>(1, 3, 255, 255);
        var features = new OrtTensor<float>(1, 96, 16, 16);
        var template = new OrtTensor<float>(1, 96, 8, 8);
        var cls = new OrtTensor<float>(1, 2, 15, 15);
        var loc = new OrtTensor<float>(1, 4, 15, 15);
        var random = new Random(1);
        foreach (ref var v in input.Span) v = random.Next(256);
        foreach (ref var v in template.Span) v = (float)random.NextDouble();
        _runBackbone = _backbone.Bind([("input", input)], [("output", features)]);
        _runHead = _head.Bind([("input1", template), ("input2", features)], [("output1", cls), ("output2", loc)]);
        _runBackbone.Run();
        _runHead.Run();
        // The head as the tracker runs it: template features folded in as an initializer at Init.
        var model = EdgeTracker.Inference.Onnx.OnnxModels.Read(File.ReadAllBytes(files["head"]));
        model.Graph.Input.Remove(model.Graph.Input.First(i => i.Name == "input1"));
        model.Graph.Initializer.Add(EdgeTracker.Inference.Onnx.OnnxModels.Tensor("input1", [1, 96, 8, 8], template.Span));
        _foldedHead = InferenceSession.FromBytes(EdgeTracker.Inference.Onnx.OnnxModels.Write(model), sessionOptions, files["head"]);
        _runFoldedHead = _foldedHead.Bind([("input2", features)], [("output1", cls), ("output2", loc)]);
        _cls = cls.Span.ToArray();
        _loc = loc.Span.ToArray();
        _template = template.Span.ToArray();
        _search = features.Span.ToArray();
        _score = new float[225];
        _penalty = new float[225];
        _pscore = new float[225];
        _window = NanoTrackMath.HanningWindow(15);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _tracker.Dispose();
        _runBackbone.Dispose();
        _runHead.Dispose();
        _runFoldedHead.Dispose();
        _foldedHead.Dispose();
        _backbone.Dispose();
        _head.Dispose();
    }

    /// <summary>The whole step as the daemon runs it (includes the confidence's similarity and PSR).</summary>
    [Benchmark(Baseline = true)]
    public TrackResult TrackerStep() => _tracker.Track(_second);

    /// <summary>The fused crop of a 255×255 search region (target-sized context, about 2.3× the template side).</summary>
    [Benchmark]
    public float Crop()
    {
        var side = (int)MathF.Round(MathF.Sqrt((_start.W * 1.5f + _start.H * .5f) * (_start.H * 1.5f + _start.W * .5f)) * 255f / 127f);
        _sampler.Sample(_second, _start.CenterX, _start.CenterY, side, 255, _pad, false, _raw, _crop);
        return _crop[0];
    }

    /// <summary>The same crop with the horizontal pass scalar (no AVX2 gather), for the ratio.</summary>
    [Benchmark]
    public float CropScalar()
    {
        var side = (int)MathF.Round(MathF.Sqrt((_start.W * 1.5f + _start.H * .5f) * (_start.H * 1.5f + _start.W * .5f)) * 255f / 127f);
        _scalarSampler.Sample(_second, _start.CenterX, _start.CenterY, side, 255, _pad, false, _raw, _crop);
        return _crop[0];
    }

    /// <summary>ONNX Runtime: the backbone on the 255×255 search region.</summary>
    [Benchmark]
    public void Backbone() => _runBackbone.Run();

    /// <summary>ONNX Runtime: the head as exported (template and search features as inputs).</summary>
    [Benchmark]
    public void Head() => _runHead.Run();

    /// <summary>ONNX Runtime: the head with the template features folded in (what the tracker runs per frame).</summary>
    [Benchmark]
    public void HeadFolded() => _runFoldedHead.Run();

    /// <summary>Softmax, penalties, window, best box, template similarity and PSR.</summary>
    [Benchmark]
    public float PostProcess()
    {
        NanoTrackMath.Softmax(_cls, _score);
        var best = NanoTrackMath.Penalise(_loc, _score, _penalty, _pscore, _window, 15, 16, 60, 80, 0.138f, 0.455f);
        var box = NanoTrackMath.BoxAt(_loc, best, 15, 16);
        var similarity = NanoTrackMath.TemplateSimilarity(_template, _search, 96, 8, 16, best, 15, 1f);
        return box.W + similarity + NanoTrackMath.PeakToSidelobe(_score, 15, best);
    }
}
