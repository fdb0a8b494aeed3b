namespace EdgeTracker.Inference;

/// <summary>ONNX Runtime's graph optimisation level (values as ORT's <c>GraphOptimizationLevel</c>).</summary>
public enum GraphOptimization
{
    Disabled = 0,
    Basic = 1,
    Extended = 2,
    All = 99,
}

/// <summary>
/// How models are run: threads, optimisation, execution providers. Bound from the <c>Inference</c> configuration
/// section; the defaults suit an edge device whose few cores are shared with capture and networking.
/// </summary>
public sealed record InferenceOptions
{
    /// <summary>
    /// The ONNX Runtime library to load (<c>Inference:OnnxRuntimePath</c>), e.g. a Jetson build with TensorRT; null =
    /// the search order of <see cref="OrtLibrary"/>. Only the first load in a process decides.
    /// </summary>
    public string? OnnxRuntimePath { get; init; }

    /// <summary>Threads ORT may use inside one operator (default 1).</summary>
    public int IntraOpThreads { get; init; } = 1;

    /// <summary>Whether ORT's idle threads spin waiting for work (default off: spinning burns the cores capture needs).</summary>
    public bool AllowSpinning { get; init; }

    /// <summary>Graph optimisation level (default all).</summary>
    public GraphOptimization GraphOptimization { get; init; } = GraphOptimization.All;

    /// <summary>Execution providers to try, in order: <c>tensorrt</c>, <c>cuda</c>, <c>cpu</c> (default all three in that order).</summary>
    public IReadOnlyList<string> Providers { get; init; } = ["tensorrt", "cuda", "cpu"];

    /// <summary>When true, a listed provider that cannot be loaded is fatal instead of being skipped with a warning.</summary>
    public bool StrictProviders { get; init; }

    /// <summary>TensorRT settings (used when <c>tensorrt</c> is listed).</summary>
    public TensorRtOptions TensorRt { get; init; } = new();

    /// <summary>CUDA device (used by the <c>cuda</c> and <c>tensorrt</c> providers).</summary>
    public int CudaDeviceId { get; init; }

    /// <summary>Checks the values; throws naming the offending one.</summary>
    public void Validate()
    {
        if (IntraOpThreads < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(IntraOpThreads), IntraOpThreads, "Inference:IntraOpThreads must be 0 (ORT's default) or more.");
        }
        if (Providers.Count == 0)
        {
            throw new ArgumentException("Inference:Providers lists no execution provider; use e.g. [\"cpu\"].", nameof(Providers));
        }
        foreach (var provider in Providers)
        {
            if (!ExecutionProviders.Known.Contains(provider))
            {
                throw new ArgumentException(
                    $"Inference:Providers names unknown provider '{provider}'; known: {string.Join(", ", ExecutionProviders.Known)}.", nameof(Providers));
            }
        }
        if (CudaDeviceId < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(CudaDeviceId), CudaDeviceId, "Inference:CudaDeviceId must not be negative.");
        }
    }
}

/// <summary>TensorRT execution provider settings.</summary>
public sealed record TensorRtOptions
{
    /// <summary>Build fp16 engines (default true: Jetson GPUs are much faster at fp16).</summary>
    public bool Fp16 { get; init; } = true;

    /// <summary>Folder for TensorRT's engine and timing caches (building an engine takes minutes on a Jetson).</summary>
    public string CacheFolder { get; init; } = Path.Combine(Path.GetTempPath(), "edgetracker-trt-cache");

    /// <summary>TensorRT's workspace size in bytes (default 1 GiB).</summary>
    public long WorkspaceBytes { get; init; } = 1L << 30;

    /// <summary>The shape range of a model with dynamic dimensions (a batched backbone); null for fixed shapes.</summary>
    public TensorRtProfile? Profile { get; init; }
}

/// <summary>
/// A TensorRT optimisation profile in ORT's syntax, <c>name:d0xd1x…</c> per input, comma-separated
/// (e.g. <c>input:1x3x255x255</c>): the smallest, the most frequent and the largest shapes the engine must run.
/// </summary>
public sealed record TensorRtProfile(string Min, string Opt, string Max)
{
    /// <summary>The profile of one input whose first dimension is a batch of 1 to <paramref name="maxBatch"/> items of <paramref name="itemShape"/>.</summary>
    public static TensorRtProfile ForBatch(string input, IReadOnlyList<long> itemShape, int maxBatch)
    {
        string Shape(int batch) => $"{input}:{batch}x{string.Join("x", itemShape)}";
        // Tuned for one item: a camera usually follows one target, and that frame time is what users see.
        return new TensorRtProfile(Shape(1), Shape(1), Shape(maxBatch));
    }

    /// <summary>One profile for several inputs (ORT joins them with commas).</summary>
    public static TensorRtProfile Combine(IReadOnlyList<TensorRtProfile> profiles) => new(
        string.Join(",", profiles.Select(p => p.Min)), string.Join(",", profiles.Select(p => p.Opt)), string.Join(",", profiles.Select(p => p.Max)));
}
