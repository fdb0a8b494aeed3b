using System.Diagnostics;
using EdgeTracker.Camera.Frames;
using EdgeTracker.Inference;
using EdgeTracker.Tracking.SiamFC;

namespace EdgeTracker.Tracking.SiamRpn;

/// <summary>
/// The SiamRPN family (SiamRPN, DaSiamRPN, SiamRPN++ as exported from pysot): a template model turns the 127×127
/// exemplar into correlation kernels once; every frame a search model takes the 255×255 search crop and those
/// kernels and gives a classification map (2k channels: background logits, then target logits) and a regression
/// map (4k: dx, dy, dw, dh per anchor). <see cref="SiamRpnDecoder"/> turns them into a box.
/// </summary>
/// <remarks>
/// Model contract (docs/models.md): role <c>template</c>, one image input [1,3,Z,Z] → one or more kernel outputs;
/// role <c>search</c>, an image input [1,3,X,X] plus inputs named like each kernel → two outputs, told apart by
/// their channel counts (2k and 4k). The kernels are the search model's own input tensors, so nothing is copied.
/// </remarks>
public sealed class SiamRpnTracker : ISingleObjectTracker
{
    private readonly ModelManifest _manifest;
    private readonly ConfidenceOptions _confidenceOptions;
    private readonly TargetStateMachine _state;
    private readonly bool _rgb;
    private readonly List<IDisposable> _owned = [];
    private readonly SubwindowSampler _sampler = new();
    private readonly OrtTensor<float> _templateInput;
    private readonly OrtTensor<float> _searchInput;
    private readonly OrtTensor<float> _cls;
    private readonly OrtTensor<float> _loc;
    private readonly RunBinding _runTemplate;
    private readonly RunBinding _runSearch;
    private readonly SiamRpnDecoder _decoder;
    private readonly byte[] _pad = new byte[3];
    private float _cx, _cy, _w, _h;
    private bool _initialised;

    /// <param name="manifest">A <c>siamrpn</c> manifest.</param>
    /// <param name="files">Resolved files by role (<c>template</c>, <c>search</c>).</param>
    /// <param name="sessionOptions">Session options.</param>
    /// <param name="confidence">State thresholds; defaults when null.</param>
    public SiamRpnTracker(ModelManifest manifest, IReadOnlyDictionary<string, string> files, OrtSessionOptions sessionOptions,
        ConfidenceOptions? confidence = null)
    {
        _manifest = manifest;
        var p = manifest.SiamRpn ?? new SiamRpnParameters();
        p.Validate(manifest.Name);
        _confidenceOptions = confidence ?? new ConfidenceOptions();
        _confidenceOptions.Validate();
        _state = new TargetStateMachine(_confidenceOptions);
        _rgb = manifest.ChannelOrder == "rgb";
        ExecutionProvider = sessionOptions.Provider;
        try
        {
            var template = Own(InferenceSession.FromFile(files["template"], sessionOptions));
            manifest.ValidateSession("template", template);
            var search = Own(InferenceSession.FromFile(files["search"], sessionOptions));
            manifest.ValidateSession("search", search);
            var k = p.AnchorCount;
            var z = manifest.TemplateSize;
            var x = manifest.SearchSize;

            // Kernels: every template output, fed by name to the search model.
            var kernels = new List<(string Name, OrtValue Value)>();
            foreach (var output in template.Outputs)
            {
                if (search.Inputs.All(i => i.Name != output.Name))
                {
                    throw new ModelException(
                        $"Model '{manifest.Name}': template output '{output.Name}' is not an input of '{files["search"]}' (inputs: {string.Join("; ", search.Inputs)}).");
                }
                if (output.Shape.Any(d => d <= 0))
                {
                    throw new ModelException($"Model '{manifest.Name}': template output {output} must have a fixed shape.");
                }
                kernels.Add((output.Name, Own(new OrtTensor<float>(output.Shape))));
            }
            var imageInput = search.Inputs.Where(i => kernels.All(kv => kv.Name != i.Name)).ToList();
            if (imageInput.Count != 1)
            {
                throw new ModelException(
                    $"Model '{manifest.Name}': '{files["search"]}' must have exactly one input besides the kernels; it has {string.Join("; ", imageInput)}.");
            }
            var cls = search.Outputs.FirstOrDefault(o => o.Shape.Length == 4 && o.Shape[1] == 2 * k);
            var loc = search.Outputs.FirstOrDefault(o => o.Shape.Length == 4 && o.Shape[1] == 4 * k);
            if (cls is null || loc is null)
            {
                throw new ModelException(
                    $"Model '{manifest.Name}': '{files["search"]}' must output a classification map with {2 * k} channels and a regression map with {4 * k} (k = {k} anchors); it outputs {string.Join("; ", search.Outputs)}.");
            }
            var scoreSize = manifest.ScoreSize ?? (int)cls.Shape[^1];
            if (scoreSize <= 0)
            {
                throw new ModelException($"Model '{manifest.Name}': the score map size is symbolic in '{files["search"]}'; set 'scoreSize' in the manifest.");
            }
            _templateInput = Own(new OrtTensor<float>(1, 3, z, z));
            _searchInput = Own(new OrtTensor<float>(1, 3, x, x));
            _cls = Own(new OrtTensor<float>(1, 2 * k, scoreSize, scoreSize));
            _loc = Own(new OrtTensor<float>(1, 4 * k, scoreSize, scoreSize));
            _runTemplate = Own(template.Bind([(template.Inputs[0].Name, _templateInput)], kernels));
            _runSearch = Own(search.Bind([(imageInput[0].Name, _searchInput), .. kernels], [(cls.Name, _cls), (loc.Name, _loc)]));
            var anchors = Anchors.Generate(manifest.Stride, [.. p.AnchorRatios], [.. p.AnchorScales], scoreSize);
            _decoder = new SiamRpnDecoder(anchors, k, scoreSize);
        }
        catch
        {
            DisposeOwned();
            throw;
        }
    }

    private T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    /// <inheritdoc />
    public string ModelName => _manifest.Name;

    /// <inheritdoc />
    public string ExecutionProvider { get; }

    /// <summary>The current target state.</summary>
    public TargetState State => _state.State;

    /// <summary>Timing of the last <see cref="Track"/> call in Stopwatch ticks.</summary>
    public StageTimes LastTimes { get; private set; }

    /// <inheritdoc />
    public void Init(Frame frame, BoxF box)
    {
        (_cx, _cy, _w, _h) = InitBox.PysotCentre(box);
        NanoTrackMath.TruncatedChannelMeans(frame, _pad);
        var side = (int)MathF.Round(SiamFcMath.ExemplarSide(_w, _h, _manifest.HyperParameters.ContextAmount), MidpointRounding.ToEven);
        _sampler.Sample(frame, _cx, _cy, Math.Max(1, side), _manifest.TemplateSize, _pad, _rgb, _manifest.Normalization, _templateInput.Span);
        _runTemplate.Run();
        _state.Reset();
        _initialised = true;
    }

    /// <inheritdoc />
    public TrackResult Track(Frame frame)
    {
        if (!_initialised)
        {
            throw new InvalidOperationException("Track called before Init.");
        }
        var t0 = Stopwatch.GetTimestamp();
        var hp = _manifest.HyperParameters;
        var exemplarSide = SiamFcMath.ExemplarSide(_w, _h, hp.ContextAmount);
        var lost = _state.State == TargetState.Lost;
        var searchScale = lost ? _confidenceOptions.LostSearchScale : 1f;
        var scaleZ = _manifest.TemplateSize / exemplarSide / searchScale;
        var searchSide = (int)MathF.Round(exemplarSide * _manifest.SearchSize / _manifest.TemplateSize * searchScale, MidpointRounding.ToEven);
        _sampler.Sample(frame, _cx, _cy, Math.Max(1, searchSide), _manifest.SearchSize, _pad, _rgb, _manifest.Normalization, _searchInput.Span);
        var t1 = Stopwatch.GetTimestamp();
        _runSearch.Run();
        var t2 = Stopwatch.GetTimestamp();
        var choice = _decoder.Decode(_cls.Span, _loc.Span, _w * scaleZ, _h * scaleZ, hp.PenaltyK, lost ? 0f : hp.WindowInfluence);
        var state = _state.Update(choice.Score);
        if (!lost || state != TargetState.Lost)
        {
            var lr = choice.SizeRate(hp.Lr);
            _cx = Math.Clamp(_cx + choice.CenterX / scaleZ, 0, frame.Width);
            _cy = Math.Clamp(_cy + choice.CenterY / scaleZ, 0, frame.Height);
            _w = Math.Clamp(_w * (1 - lr) + choice.Width / scaleZ * lr, 10, frame.Width);
            _h = Math.Clamp(_h * (1 - lr) + choice.Height / scaleZ * lr, 10, frame.Height);
        }
        var t3 = Stopwatch.GetTimestamp();
        LastTimes = new StageTimes(t1 - t0, t2 - t1, 0, t3 - t2);
        return new TrackResult(new BoxF(_cx - _w / 2, _cy - _h / 2, _w, _h), choice.Score, choice.Score, state);
    }

    /// <inheritdoc />
    public void Dispose() => DisposeOwned();

    private void DisposeOwned()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }
        _owned.Clear();
    }
}
