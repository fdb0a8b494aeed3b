using BenchmarkDotNet.Attributes;
using EdgeTracker.Camera.Frames;
using EdgeTracker.Evaluation;
using EdgeTracker.Inference;
using EdgeTracker.Tracking;
using EdgeTracker.Tracking.SiamFC;

namespace EdgeTracker.Benchmarks;

/// <summary>
/// One tracker step of each family side by side (crop, inference, post-processing; one intra-op thread) on Biker's
/// second frame, and the default model's parts alone: its search graph (3 scales) and SiamFC's response processing
/// (3 bicubic 17→272 upsamplings, window, arg-max). Needs EDGETRACKER_DATA.
/// Run: <c>dotnet run -c Release --project tests/EdgeTracker.Benchmarks -- --filter '*FamilyStep*'</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class FamilyStepBenchmarks
{
    private ISingleObjectTracker _default = null!, _vit = null!, _nano = null!;
    private Frame _first = null!, _second = null!;
    private BoxF _start;
    private InferenceSession _search = null!;
    private RunBinding _runSearch = null!;
    private SiamFcResponse _response = null!;
    private float[] _responses = null!;
    private readonly float[] _factors = [1 / 1.05f, 1f, 1.05f];

    [GlobalSetup]
    public void Setup()
    {
        var data = Environment.GetEnvironmentVariable("EDGETRACKER_DATA") ?? throw new InvalidOperationException("Set EDGETRACKER_DATA to the shared data folder.");
        var sequence = Sequence.Load(Path.Combine(data, "testdata", "sequences", "otb_biker"));
        using var decoder = new EdgeTracker.Camera.Jpeg.JpegDecoder { AcceptRecoverableDamage = false };
        _first = Frame.Standalone(1, 1);
        _second = Frame.Standalone(1, 1);
        decoder.Decode(File.ReadAllBytes(sequence.FramePaths[0]), _first, 1);
        decoder.Decode(File.ReadAllBytes(sequence.FramePaths[1]), _second, 2);
        _start = sequence.GroundTruth[0];
        var options = new InferenceOptions { Providers = ["cpu"], IntraOpThreads = 1 };
        _default = TrackerFactory.Create("siamfc-default", options);
        _vit = TrackerFactory.Create("vittrack", options);
        _nano = TrackerFactory.Create("nanotrack-v3", options);

        var manifest = TrackerFactory.FindManifest("siamfc-default");
        var files = manifest.Resolve(TrackerFactory.ModelSearchPath());
        using var sessionOptions = OrtSessionOptions.Create(options);
        _search = InferenceSession.FromFile(files["search"], sessionOptions);
        var random = new Random(1);
        var image = new OrtTensor<float>(3, 3, 255, 255);
        foreach (ref var v in image.Span) v = random.Next(256);
        var kernel = new OrtTensor<float>(1, 11, 15, 15);
        foreach (ref var v in kernel.Span) v = (float)random.NextDouble() - 0.5f;
        var mask = new OrtTensor<float>(1, 1, 15, 15);
        mask.Span.Fill(1);
        var table = new OrtTensor<float>(4096);
        table.Span.Fill(0.5f);
        var window = new OrtTensor<float>(1, 1, 15, 15);
        window.Span.Fill(1f / 225);
        var response = new OrtTensor<float>(3, 1, 17, 17);
        var colour = new OrtTensor<float>(3, 1, 17, 17);
        _runSearch = _search.Bind(
            [("search", image), ("kernel", kernel), ("mask", mask), ("colour_table", table), ("target_window", window)],
            [("response", response), ("colour_response", colour)]);
        _runSearch.Run();
        _responses = response.Span.ToArray();
        _response = new SiamFcResponse(17, 16, 3, 8);
    }

    [IterationSetup]
    public void Reset()
    {
        _default.Init(_first, _start);
        _vit.Init(_first, _start);
        _nano.Init(_first, _start);
    }

    [Benchmark(Description = "default model: whole step")]
    public TrackResult DefaultStep() => _default.Track(_second);

    [Benchmark(Description = "VitTrack: whole step")]
    public TrackResult VitStep() => _vit.Track(_second);

    [Benchmark(Baseline = true, Description = "NanoTrack v3: whole step")]
    public TrackResult NanoStep() => _nano.Track(_second);

    [Benchmark(Description = "default model: search graph, 3 scales")]
    public void DefaultSearchGraph() => _runSearch.Run();

    [Benchmark(Description = "SiamFC response processing, 3 scales")]
    public SiamFcPeak ResponseProcessing() => _response.Locate(_responses, _factors, 300f, 255, 0.9745f, 0.176f);

    [GlobalCleanup]
    public void Cleanup()
    {
        _runSearch.Dispose();
        _search.Dispose();
        _default.Dispose();
        _vit.Dispose();
        _nano.Dispose();
    }
}
