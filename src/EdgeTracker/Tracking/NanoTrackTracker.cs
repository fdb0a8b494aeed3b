using EdgeTracker.Camera.Frames;
using EdgeTracker.Inference;
using EdgeTracker.Inference.Onnx;

namespace EdgeTracker.Tracking;

/// <summary>
/// NanoTrack (SiamTrackers' light Siamese tracker): a backbone run once on the 127×127 template and every frame on
/// the 255×255 search region, and a head that correlates them into a classification map (target / background)
/// and a box regression map. Post-processing follows the reference pipeline exactly (docs/tracking.md): softmax
/// score, scale and aspect penalties, cosine window, lr-weighted size update, clipping.
/// </summary>
/// <remarks>
/// The backbone file declares a fixed 255×255 input; the template session is created from the same bytes with the
/// input shape rewritten to 127×127 in memory (<see cref="OnnxModels.SetInputShape"/>), the file is never changed.
/// The template features are the head's first input tensor itself, so nothing is copied per frame.
/// </remarks>
public sealed class NanoTrackTracker : ISingleObjectTracker, ITrackerTimings
{
    private readonly ModelManifest _manifest;
    private readonly ConfidenceOptions _confidenceOptions;
    private readonly bool _rgb;
    private readonly NanoTrackBackbone _backbone;
    private readonly bool _ownsBackbone;
    private readonly InferenceSession _head;
    private readonly OrtTensor<float> _templateFeatures;
    private readonly OrtTensor<float> _searchFeatures;
    private readonly OrtTensor<float> _cls;
    private readonly OrtTensor<float> _loc;
    private readonly RunBinding _runHead;
    private readonly OrtSessionOptions _sessionOptions;
    private readonly bool _ownsSessionOptions;
    private readonly byte[] _headBytes;
    private readonly string _headPath;
    private InferenceSession? _foldedHead;
    private RunBinding? _runFoldedHead;
    private readonly SubwindowSampler _sampler = new();
    private readonly TargetStateMachine _state;
    private readonly int _scoreSize;
    private readonly int _channels;
    private readonly float[] _window;
    private readonly float[] _score;
    private readonly float[] _penalty;
    private readonly float[] _pscore;
    private readonly float[] _initialTemplate;
    private readonly byte[] _pad = new byte[3];
    private float _cx, _cy, _w, _h;
    private bool _initialised;
    private SearchWindow _pending;
    private long _cropTicks, _backboneTicks;

    /// <summary>Loads the model's files (checked against the manifest) with the given options.</summary>
    /// <param name="manifest">A <c>nanotrack</c> manifest.</param>
    /// <param name="files">Resolved files by role (<c>backbone</c>, <c>head</c>), from <see cref="ModelManifest.Resolve"/>.</param>
    /// <param name="sessionOptions">Session options (their provider is reported as <see cref="ExecutionProvider"/>); the tracker
    /// takes ownership (it creates a session at every Init) and disposes them.</param>
    /// <param name="confidence">State machine thresholds; defaults when null.</param>
    /// <param name="channelOrder">Overrides the manifest's channel order (<c>bgr</c>/<c>rgb</c>) when given.</param>
    public NanoTrackTracker(ModelManifest manifest, IReadOnlyDictionary<string, string> files, OrtSessionOptions sessionOptions,
        ConfidenceOptions? confidence = null, string? channelOrder = null)
        : this(manifest, files, NanoTrackBackbone.Load(manifest, files["backbone"], sessionOptions), ownsBackbone: true,
            sessionOptions, ownsSessionOptions: true, confidence, channelOrder)
    {
    }

    /// <summary>A tracker of a <see cref="NanoTrackGroup"/>: the backbone and the options are the group's.</summary>
    internal NanoTrackTracker(ModelManifest manifest, IReadOnlyDictionary<string, string> files, NanoTrackBackbone backbone, bool ownsBackbone,
        OrtSessionOptions sessionOptions, bool ownsSessionOptions, ConfidenceOptions? confidence, string? channelOrder)
    {
        _manifest = manifest;
        _confidenceOptions = confidence ?? new ConfidenceOptions();
        _backbone = backbone;
        _ownsBackbone = ownsBackbone;
        _sessionOptions = sessionOptions;
        _ownsSessionOptions = ownsSessionOptions;
        ExecutionProvider = sessionOptions.Provider;
        var disposables = new List<IDisposable>();
        try
        {
            _confidenceOptions.Validate();
            _state = new TargetStateMachine(_confidenceOptions);
            _rgb = (channelOrder ?? manifest.ChannelOrder) == "rgb";
            _headPath = files["head"];
            _headBytes = File.ReadAllBytes(_headPath);
            _head = Track(InferenceSession.FromBytes(_headBytes, sessionOptions, _headPath), disposables);
            manifest.ValidateSession("head", _head);

            _channels = backbone.Channels;
            _scoreSize = (int)_head.Outputs[0].Shape[2];
            if (manifest.ScoreSize is { } declared && declared != _scoreSize)
            {
                throw new ModelException($"Model '{manifest.Name}': head '{files["head"]}' gives a {_scoreSize}×{_scoreSize} score map, the manifest says {declared}.");
            }

            _templateFeatures = Track(new OrtTensor<float>(1, _channels, backbone.TemplateFeatureSide, backbone.TemplateFeatureSide), disposables);
            _searchFeatures = Track(new OrtTensor<float>(1, _channels, backbone.SearchFeatureSide, backbone.SearchFeatureSide), disposables);
            _cls = Track(new OrtTensor<float>(1, 2, _scoreSize, _scoreSize), disposables);
            _loc = Track(new OrtTensor<float>(1, 4, _scoreSize, _scoreSize), disposables);
            _runHead = Track(_head.Bind(
                [(_head.Inputs[0].Name, _templateFeatures), (_head.Inputs[1].Name, _searchFeatures)],
                [(_head.Outputs[0].Name, _cls), (_head.Outputs[1].Name, _loc)]), disposables);
        }
        catch
        {
            for (var i = disposables.Count - 1; i >= 0; i--)
            {
                disposables[i].Dispose();
            }
            if (ownsBackbone)
            {
                backbone.Dispose();
            }
            throw;
        }
        var cells = _scoreSize * _scoreSize;
        _window = NanoTrackMath.HanningWindow(_scoreSize);
        _score = new float[cells];
        _penalty = new float[cells];
        _pscore = new float[cells];
        _initialTemplate = new float[_templateFeatures.Length];
    }

    private static T Track<T>(T disposable, List<IDisposable> list) where T : IDisposable
    {
        list.Add(disposable);
        return disposable;
    }

    /// <inheritdoc />
    public string ModelName => _manifest.Name;

    /// <inheritdoc />
    public string ExecutionProvider { get; }

    /// <summary>The score map's side, read from the head (16 for v1/v2, 15 for v3).</summary>
    public int ScoreSize => _scoreSize;

    /// <summary>The current target state.</summary>
    public TargetState State => _state.State;

    /// <summary>Timing of the last <see cref="Track"/> call's stages in Stopwatch ticks: crop, backbone, head, post-processing.
    /// In a batch, the backbone time is the whole batch's.</summary>
    public StageTimes LastTimes { get; private set; }

    /// <summary>The backbone this tracker runs on (a group's trackers share one).</summary>
    internal NanoTrackBackbone Backbone => _backbone;

    /// <inheritdoc />
    public void Init(Frame frame, BoxF box)
    {
        (_cx, _cy, _w, _h) = InitBox.PysotCentre(box);
        NanoTrackMath.TruncatedChannelMeans(frame, _pad);
        var context = _manifest.HyperParameters.ContextAmount;
        var wz = _w + context * (_w + _h);
        var hz = _h + context * (_w + _h);
        var sz = Math.Max(1, (int)MathF.Round(MathF.Sqrt(wz * hz), MidpointRounding.ToEven)); // Python's round: half to even
        _sampler.Sample(frame, _cx, _cy, sz, _manifest.TemplateSize, _pad, _rgb, _manifest.Normalization, _backbone.TemplateInput.Span);
        _backbone.RunTemplate();
        _backbone.TemplateFeatures.Span.CopyTo(_templateFeatures.Span);
        _templateFeatures.Span.CopyTo(_initialTemplate);
        FoldTemplateIntoHead();
        _state.Reset();
        _initialised = true;
    }

    /// <inheritdoc />
    public TrackResult Track(Frame frame)
    {
        CropSearch(frame, _backbone.SearchInput.Item(0));
        var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        _backbone.RunSearch(1);
        TakeFeatures(_backbone.SearchFeatures.Item(0), System.Diagnostics.Stopwatch.GetTimestamp() - t0);
        return CompleteTrack(frame);
    }

    // ---- the three phases of a frame, so that a group can run one backbone call for all its targets -----------

    /// <summary>Phase 1: crops this frame's search region around the target into <paramref name="searchInput"/> (a backbone input item).</summary>
    internal void CropSearch(Frame frame, Span<float> searchInput)
    {
        if (!_initialised)
        {
            throw new InvalidOperationException("Track called before Init.");
        }
        var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        _pending = Crop(frame, _cx, _cy, 1f, searchInput);
        _cropTicks = System.Diagnostics.Stopwatch.GetTimestamp() - t0;
    }

    /// <summary>Phase 2, after the backbone ran: takes this target's search features (a backbone output item).</summary>
    internal void TakeFeatures(ReadOnlySpan<float> searchFeatures, long backboneTicks)
    {
        searchFeatures.CopyTo(_searchFeatures.Span);
        _backboneTicks = backboneTicks;
    }

    /// <summary>Phase 3: head, post-processing, the wider search while lost, the state update.</summary>
    internal TrackResult CompleteTrack(Frame frame)
    {
        var hp = _manifest.HyperParameters;
        var wasLost = _state.State == TargetState.Lost;
        var found = Evaluate(_pending, hp.WindowInfluence, measure: true);
        if (wasLost && found.Confidence < _confidenceOptions.TrackingAbove)
        {
            // Lost: also look in a wider region, without the window's pull to the centre. A find there that is
            // confident moves the target. The target looks smaller there than the template, which lowers its
            // similarity, so an unconvincing wide find is checked by a normal-scale search centred on it. Only a
            // confident find moves the target; otherwise the reference update stands (tracking is then unchanged).
            // Costs one or two more backbone + head runs per lost frame, on the backbone's first item.
            var wide = Search(frame, _cx, _cy, _confidenceOptions.LostSearchScale, 0f);
            if (wide.Confidence < _confidenceOptions.TrackingAbove)
            {
                wide = Search(frame, wide.Cx, wide.Cy, 1f, hp.WindowInfluence);
            }
            if (wide.Confidence >= _confidenceOptions.TrackingAbove && wide.Confidence > found.Confidence)
            {
                found = wide;
            }
        }
        var state = _state.Update(found.Confidence);
        var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        var lr = found.Penalty * found.Score * hp.Lr;
        _cx = Math.Clamp(found.Cx, 0, frame.Width);
        _cy = Math.Clamp(found.Cy, 0, frame.Height);
        _w = Math.Clamp(_w * (1 - lr) + found.W * lr, 10, frame.Width);
        _h = Math.Clamp(_h * (1 - lr) + found.H * lr, 10, frame.Height);
        LastSimilarity = found.Similarity;
        LastPeakToSidelobe = found.Psr;
        LastTimes = LastTimes with { PostProcess = LastTimes.PostProcess + System.Diagnostics.Stopwatch.GetTimestamp() - t0 };
        return new TrackResult(new BoxF(_cx - _w / 2, _cy - _h / 2, _w, _h), found.Score, found.Confidence, state);
    }

    /// <summary>A whole extra search on the backbone's first item: crop, backbone, head, post-processing.</summary>
    private Candidate Search(Frame frame, float centerX, float centerY, float searchScale, float windowInfluence)
    {
        var window = Crop(frame, centerX, centerY, searchScale, _backbone.SearchInput.Item(0));
        _backbone.RunSearch(1);
        _backbone.SearchFeatures.Item(0).CopyTo(_searchFeatures.Span);
        return Evaluate(window, windowInfluence, measure: false);
    }

    /// <summary>Crops around (<paramref name="centerX"/>, <paramref name="centerY"/>) with the current target size (side × <paramref name="searchScale"/>).</summary>
    private SearchWindow Crop(Frame frame, float centerX, float centerY, float searchScale, Span<float> into)
    {
        var hp = _manifest.HyperParameters;
        var wz = _w + hp.ContextAmount * (_w + _h);
        var hz = _h + hp.ContextAmount * (_w + _h);
        var szTemplate = MathF.Sqrt(wz * hz);
        var scaleZ = _manifest.TemplateSize / szTemplate / searchScale;
        var sx = Math.Max(1, (int)MathF.Round(szTemplate * _manifest.SearchSize / _manifest.TemplateSize * searchScale, MidpointRounding.ToEven));
        _sampler.Sample(frame, centerX, centerY, sx, _manifest.SearchSize, _pad, _rgb, _manifest.Normalization, into);
        return new SearchWindow(centerX, centerY, searchScale, scaleZ);
    }

    /// <summary>Head and post-processing on the features in <see cref="_searchFeatures"/> of the crop <paramref name="window"/>.</summary>
    private Candidate Evaluate(SearchWindow window, float windowInfluence, bool measure)
    {
        var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        (_runFoldedHead ?? _runHead).Run();
        var t1 = System.Diagnostics.Stopwatch.GetTimestamp();

        var hp = _manifest.HyperParameters;
        var loc = _loc.Span;
        NanoTrackMath.Softmax(_cls.Span, _score);
        var best = NanoTrackMath.Penalise(loc, _score, _penalty, _pscore, _window, _scoreSize, _manifest.Stride,
            _w * window.ScaleZ, _h * window.ScaleZ, hp.PenaltyK, windowInfluence);
        var (dx, dy, pw, ph) = NanoTrackMath.BoxAt(loc, best, _scoreSize, _manifest.Stride);
        var similarity = NanoTrackMath.TemplateSimilarity(_initialTemplate, _searchFeatures.Span, _channels,
            (int)_templateFeatures.Shape[2], (int)_searchFeatures.Shape[2], best, _scoreSize, window.SearchScale);
        var psr = NanoTrackMath.PeakToSidelobe(_score, _scoreSize, best);
        var candidate = new Candidate(dx / window.ScaleZ + window.Cx, dy / window.ScaleZ + window.Cy, pw / window.ScaleZ, ph / window.ScaleZ,
            _score[best], _penalty[best], similarity, psr, NanoTrackMath.Confidence(similarity, psr));
        if (measure)
        {
            LastTimes = new StageTimes(_cropTicks, _backboneTicks, t1 - t0, System.Diagnostics.Stopwatch.GetTimestamp() - t1);
        }
        return candidate;
    }

    /// <summary>Where a search crop was taken: its centre, its scale relative to the normal search, and crop pixels per frame pixel.</summary>
    private readonly record struct SearchWindow(float Cx, float Cy, float SearchScale, float ScaleZ);

    /// <summary>
    /// The template features are constant until the next Init, so the head is re-created with them as an
    /// initializer: ONNX Runtime then computes the template's branch of the head once (constant folding) instead of
    /// every frame. Same outputs (max difference 1e-6 on cls, 3e-5 px on loc, measured), about 17 ms per Init,
    /// a faster head per frame (docs/performance.md).
    /// </summary>
    private void FoldTemplateIntoHead()
    {
        _runFoldedHead?.Dispose();
        _foldedHead?.Dispose();
        _runFoldedHead = null;
        _foldedHead = null;
        var templateInput = _head.Inputs[0];
        var model = OnnxModels.Read(_headBytes, _headPath);
        var input = model.Graph.Input.First(i => i.Name == templateInput.Name);
        model.Graph.Input.Remove(input);
        model.Graph.Initializer.Add(OnnxModels.Tensor(templateInput.Name, templateInput.Shape, _templateFeatures.Span));
        _foldedHead = InferenceSession.FromBytes(OnnxModels.Write(model), _sessionOptions, _headPath);
        _runFoldedHead = _foldedHead.Bind(
            [(_head.Inputs[1].Name, _searchFeatures)],
            [(_head.Outputs[0].Name, _cls), (_head.Outputs[1].Name, _loc)]);
    }

    /// <summary>A search's best box (frame pixels) and the evidence for it.</summary>
    private readonly record struct Candidate(float Cx, float Cy, float W, float H, float Score, float Penalty, float Similarity, float Psr, float Confidence);

    /// <summary>The last frame's peak-to-sidelobe ratio of the score map.</summary>
    public float LastPeakToSidelobe { get; private set; }

    /// <summary>The last frame's cosine similarity between the first template's features and the features where the target was found.</summary>
    public float LastSimilarity { get; private set; }

    /// <inheritdoc />
    public void Dispose()
    {
        _runFoldedHead?.Dispose();
        _foldedHead?.Dispose();
        _runHead.Dispose();
        _cls.Dispose();
        _loc.Dispose();
        _searchFeatures.Dispose();
        _templateFeatures.Dispose();
        _head.Dispose();
        if (_ownsBackbone)
        {
            _backbone.Dispose();
        }
        if (_ownsSessionOptions)
        {
            _sessionOptions.Dispose();
        }
    }
}
