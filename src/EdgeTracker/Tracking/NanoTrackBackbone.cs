using EdgeTracker.Inference;
using EdgeTracker.Inference.Onnx;

namespace EdgeTracker.Tracking;

/// <summary>
/// NanoTrack's backbone, shared by the trackers of one group: a template session (127×127, run at Init) and a
/// search session that takes 1 to <see cref="Capacity"/> search crops in one run. Each tracker crops into its own
/// item of <see cref="SearchInput"/>; after <see cref="RunSearch"/> its features are item k of
/// <see cref="SearchFeatures"/>. One thread uses it.
/// </summary>
/// <remarks>
/// The file declares a batch of 1. For a capacity above 1 the graph is rewritten in memory
/// (<see cref="BatchDimension.MakeDynamic"/>) and then proved: two different crops run as one batch must give,
/// item by item, what the unmodified file gives for each alone. If the rewrite cannot load, or the proof fails,
/// the backbone falls back to a capacity of 1 and <see cref="Batching"/> says why.
/// </remarks>
internal sealed class NanoTrackBackbone : IDisposable
{
    /// <summary>Largest difference allowed between a batched item and its own run, relative to the features' magnitude.</summary>
    private const float ProofTolerance = 1e-4f;

    private readonly List<IDisposable> _owned = [];
    private readonly InferenceSession _templateSession;
    private readonly InferenceSession _searchSession;
    private readonly RunBinding _runTemplate;
    private readonly RunBinding[] _runSearch;

    private NanoTrackBackbone(ModelManifest manifest, string path, byte[] bytes, OrtSessionOptions options, OrtSessionOptions? batchOptions, int capacity)
    {
        try
        {
            InferenceSession searchSession;
            var template = OnnxModels.Read(bytes, path);
            var initializers = template.Graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
            // Older exporters list the weights among the inputs too; the image is the input that is not a weight.
            var inputName = template.Graph.Input.FirstOrDefault(i => !initializers.Contains(i.Name))?.Name
                ?? throw new ModelException($"Model '{manifest.Name}': backbone '{path}' declares no image input.");
            if (capacity > 1)
            {
                (searchSession, capacity, Batching) = TryBatched(bytes, path, options, batchOptions ?? options, capacity, inputName);
            }
            else
            {
                searchSession = InferenceSession.FromBytes(bytes, options, path);
                Batching = new BatchingInfo(false, 1, "one target per backbone run");
            }
            _searchSession = Own(searchSession);
            manifest.ValidateSession("backbone", _searchSession);
            Capacity = capacity;
            InputName = inputName;

            OnnxModels.SetInputShape(template, inputName, [1, 3, manifest.TemplateSize, manifest.TemplateSize]);
            _templateSession = Own(InferenceSession.FromBytes(OnnxModels.Write(template), options, path));

            var searchOut = _searchSession.Outputs[0];
            var templateOut = _templateSession.Outputs[0];
            Channels = checked((int)searchOut.Shape[1]);
            SearchFeatureSide = FeatureSide(searchOut, "search", manifest, path);
            TemplateFeatureSide = FeatureSide(templateOut, "template", manifest, path);

            TemplateInput = Own(new OrtTensor<float>(1, 3, manifest.TemplateSize, manifest.TemplateSize));
            TemplateFeatures = Own(new OrtTensor<float>(1, Channels, TemplateFeatureSide, TemplateFeatureSide));
            SearchInput = Own(new OrtBatchTensor<float>(capacity, 3, manifest.SearchSize, manifest.SearchSize));
            SearchFeatures = Own(new OrtBatchTensor<float>(capacity, Channels, SearchFeatureSide, SearchFeatureSide));
            _runTemplate = Own(_templateSession.Bind([(inputName, TemplateInput)], [(templateOut.Name, TemplateFeatures)]));
            _runSearch = new RunBinding[capacity];
            for (var n = 1; n <= capacity; n++)
            {
                _runSearch[n - 1] = Own(_searchSession.Bind([(inputName, SearchInput.ForBatch(n))], [(searchOut.Name, SearchFeatures.ForBatch(n))]));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Loads the backbone file for up to <paramref name="capacity"/> crops a run (see the class remarks).</summary>
    /// <param name="manifest">The model's manifest (sizes, names in errors).</param>
    /// <param name="path">The backbone file.</param>
    /// <param name="options">Options of the template session (and of the search session when not batched).</param>
    /// <param name="batchOptions">Options of the batched search session (a TensorRT profile for the batch range); null = <paramref name="options"/>.</param>
    /// <param name="capacity">The most crops one search run should take; 1 = no batching.</param>
    public static NanoTrackBackbone Load(ModelManifest manifest, string path, OrtSessionOptions options, OrtSessionOptions? batchOptions = null, int capacity = 1) =>
        new(manifest, path, File.ReadAllBytes(path), options, batchOptions, capacity);

    /// <summary>The backbone's input name.</summary>
    public string InputName { get; }

    /// <summary>The most crops one <see cref="RunSearch"/> takes.</summary>
    public int Capacity { get; }

    /// <summary>Whether the search runs batched, and why (not).</summary>
    public BatchingInfo Batching { get; }

    /// <summary>Feature channels.</summary>
    public int Channels { get; }

    /// <summary>Side of the template's feature map (8).</summary>
    public int TemplateFeatureSide { get; }

    /// <summary>Side of a search crop's feature map (16).</summary>
    public int SearchFeatureSide { get; }

    /// <summary>The template crop, filled by the tracker before <see cref="RunTemplate"/>.</summary>
    public OrtTensor<float> TemplateInput { get; }

    /// <summary>The template's features after <see cref="RunTemplate"/>.</summary>
    public OrtTensor<float> TemplateFeatures { get; }

    /// <summary>Search crops, one item per target.</summary>
    public OrtBatchTensor<float> SearchInput { get; }

    /// <summary>Search features, item k for crop k, after <see cref="RunSearch"/>.</summary>
    public OrtBatchTensor<float> SearchFeatures { get; }

    /// <summary>Runs the template crop.</summary>
    public void RunTemplate() => _runTemplate.Run();

    /// <summary>Runs the first <paramref name="count"/> search crops in one call.</summary>
    public void RunSearch(int count) => _runSearch[count - 1].Run();

    private static int FeatureSide(TensorInfo output, string which, ModelManifest manifest, string path)
    {
        if (output.Shape.Length != 4 || output.Shape[2] <= 0 || output.Shape[2] != output.Shape[3])
        {
            throw new ModelException($"Model '{manifest.Name}': backbone '{path}' gives {which} features of shape [{string.Join(",", output.Shape)}], expected [1,C,S,S].");
        }
        return checked((int)output.Shape[2]);
    }

    /// <summary>The batched search session, or the plain one and the reason when batching does not hold.</summary>
    private static (InferenceSession Session, int Capacity, BatchingInfo Info) TryBatched(
        byte[] bytes, string path, OrtSessionOptions plainOptions, OrtSessionOptions batchOptions, int capacity, string inputName)
    {
        string reason;
        InferenceSession? batched = null;
        try
        {
            var model = OnnxModels.Read(bytes, path);
            var rewrite = BatchDimension.MakeDynamic(model, inputName);
            batched = InferenceSession.FromBytes(OnnxModels.Write(model), batchOptions, path);
            using var single = InferenceSession.FromBytes(bytes, plainOptions, path);
            var difference = ProveBatch(batched, single, inputName);
            if (difference.Relative <= ProofTolerance)
            {
                return (batched, capacity, new BatchingInfo(true, capacity,
                    $"up to {capacity} search crops per backbone run ({rewrite.ReshapesRewritten} reshape(s) made batch-agnostic; " +
                    $"a batch of 2 matches single runs within {difference.Absolute:G2})"));
            }
            reason = $"a batch of 2 differs from single runs by {difference.Absolute:G3} (relative {difference.Relative:G3}, allowed {ProofTolerance:G2}): " +
                "the graph ties batch items together";
        }
        catch (Exception e) when (e is OrtException or InvalidDataException)
        {
            reason = $"the backbone cannot take a batch: {e.Message}";
        }
        batched?.Dispose();
        return (InferenceSession.FromBytes(bytes, plainOptions, path), 1, new BatchingInfo(false, 1, reason));
    }

    /// <summary>Runs two different crops as one batch and each alone; returns the largest difference (absolute, and relative to the largest feature).</summary>
    private static (float Absolute, float Relative) ProveBatch(InferenceSession batched, InferenceSession single, string inputName)
    {
        var itemShape = single.Inputs[0].Shape[1..];
        var featureShape = single.Outputs[0].Shape[1..];
        using var batchInput = new OrtBatchTensor<float>(2, itemShape);
        using var batchOutput = new OrtBatchTensor<float>(2, featureShape);
        using var input = new OrtTensor<float>([1, .. itemShape]);
        using var output = new OrtTensor<float>([1, .. featureShape]);
        using var runBatch = batched.Bind([(inputName, batchInput.ForBatch(2))], [(batched.Outputs[0].Name, batchOutput.ForBatch(2))]);
        using var runSingle = single.Bind([(inputName, input)], [(single.Outputs[0].Name, output)]);
        // Two unlike images in pixel range (the crops' own scale): smooth gradients and a different stripe pattern.
        var a = batchInput.Item(0);
        var b = batchInput.Item(1);
        for (var i = 0; i < a.Length; i++)
        {
            a[i] = 127.5f + 120f * MathF.Sin(i * 0.0123f);
            b[i] = (i / 7 % 5) * 50f;
        }
        runBatch.Run();
        float worst = 0, largest = 0;
        for (var k = 0; k < 2; k++)
        {
            batchInput.Item(k).CopyTo(input.Span);
            runSingle.Run();
            var alone = output.Span;
            var inBatch = batchOutput.Item(k);
            for (var i = 0; i < alone.Length; i++)
            {
                worst = MathF.Max(worst, MathF.Abs(alone[i] - inBatch[i]));
                largest = MathF.Max(largest, MathF.Abs(alone[i]));
            }
        }
        if (float.IsNaN(worst))
        {
            return (float.NaN, float.PositiveInfinity);
        }
        return (worst, worst / MathF.Max(1f, largest));
    }

    private T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }
        _owned.Clear();
    }
}
