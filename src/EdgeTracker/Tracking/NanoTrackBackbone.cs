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
/// The file declares a batch of 1. For a capacity above 1 the search session is a <see cref="BatchedSession"/>:
/// rewritten in memory and proved item by item against the unmodified file, or, when that fails, the file as it
/// is with a capacity of 1 — <see cref="Batching"/> says which and why.
/// </remarks>
internal sealed class NanoTrackBackbone : IDisposable
{
    private readonly List<IDisposable> _owned = [];
    private readonly BatchedSession _search;
    private readonly RunBinding _runTemplate;

    private NanoTrackBackbone(ModelManifest manifest, string path, byte[] bytes, OrtSessionOptions options, OrtSessionOptions? batchOptions, int capacity,
        string? notBatchedReason)
    {
        try
        {
            _search = Own(BatchedSession.Load(bytes, path, options, capacity, batchOptions, notBatchedReason ?? "one target per backbone run"));
            manifest.ValidateSession("backbone", _search.Session);
            if (_search.Session.Inputs.Count != 1 || _search.Session.Outputs.Count != 1)
            {
                throw new ModelException($"Model '{manifest.Name}': backbone '{path}' must have one input and one output; it has {string.Join("; ", _search.Session.Inputs)} → {string.Join("; ", _search.Session.Outputs)}.");
            }
            Batching = new BatchingInfo(_search.Batched, _search.Capacity, _search.Reason);
            var inputName = _search.Session.Inputs[0].Name;

            var template = OnnxModels.Read(bytes, path);
            OnnxModels.SetInputShape(template, inputName, [1, 3, manifest.TemplateSize, manifest.TemplateSize]);
            var templateSession = Own(InferenceSession.FromBytes(OnnxModels.Write(template), options, path));
            var templateOut = templateSession.Outputs[0];
            var searchFeatures = _search.Output(0).ItemShape;
            Channels = checked((int)searchFeatures[0]);
            SearchFeatureSide = FeatureSide(searchFeatures, "search", manifest, path);
            TemplateFeatureSide = FeatureSide(templateOut.Shape[1..], "template", manifest, path);

            TemplateInput = Own(new OrtTensor<float>(1, 3, manifest.TemplateSize, manifest.TemplateSize));
            TemplateFeatures = Own(new OrtTensor<float>(1, Channels, TemplateFeatureSide, TemplateFeatureSide));
            _runTemplate = Own(templateSession.Bind([(inputName, TemplateInput)], [(templateOut.Name, TemplateFeatures)]));
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
    /// <param name="notBatchedReason">Why not, when <paramref name="capacity"/> is 1.</param>
    public static NanoTrackBackbone Load(ModelManifest manifest, string path, OrtSessionOptions options, OrtSessionOptions? batchOptions = null, int capacity = 1,
        string? notBatchedReason = null) =>
        new(manifest, path, File.ReadAllBytes(path), options, batchOptions, capacity, notBatchedReason);

    /// <summary>The most crops one <see cref="RunSearch"/> takes.</summary>
    public int Capacity => _search.Capacity;

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
    public OrtBatchTensor<float> SearchInput => _search.Input(0);

    /// <summary>Search features, item k for crop k, after <see cref="RunSearch"/>.</summary>
    public OrtBatchTensor<float> SearchFeatures => _search.Output(0);

    /// <summary>Runs the template crop.</summary>
    public void RunTemplate() => _runTemplate.Run();

    /// <summary>Runs the first <paramref name="count"/> search crops in one call.</summary>
    public void RunSearch(int count) => _search.Run(count);

    private static int FeatureSide(IReadOnlyList<long> itemShape, string which, ModelManifest manifest, string path)
    {
        if (itemShape.Count != 3 || itemShape[1] <= 0 || itemShape[1] != itemShape[2])
        {
            throw new ModelException($"Model '{manifest.Name}': backbone '{path}' gives {which} features of shape [n,{string.Join(",", itemShape)}], expected [n,C,S,S].");
        }
        return checked((int)itemShape[1]);
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
