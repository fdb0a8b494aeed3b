using System.Diagnostics;
using EdgeTracker.Camera.Frames;
using EdgeTracker.Inference;
using EdgeTracker.Inference.Onnx;

namespace EdgeTracker.Tracking.SiamFC;

/// <summary>
/// SiamFC (Bertinetto et al., 2016): an exemplar model turns the 127×127 exemplar crop into a correlation kernel
/// once; every frame a search model correlates it with a batch of 255×255 crops at a few scales; the response is
/// upsampled, scale-penalised and windowed (<see cref="SiamFcResponse"/>), and the target moves to the peak.
/// Runs our own default model (<c>siamfc-default</c>) and learned SiamFC exports alike.
/// </summary>
/// <remarks>
/// Model contract (docs/models.md): role <c>template</c>, one image input [1,3,Z,Z] → one kernel output; role
/// <c>search</c>, an image input [S,3,X,X] plus an input named like the kernel → one response [S,1,R,R].
/// While the target is lost the search model also runs on a wider crop at the same pixel scale (the same bytes
/// with the input shape rewritten in memory), one scale only, so the target can be found again away from where it
/// was last seen.
/// </remarks>
public sealed class SiamFcTracker : ISingleObjectTracker
{
    private readonly ModelManifest _manifest;
    private readonly SiamFcParameters _p;
    private readonly ConfidenceOptions _confidenceOptions;
    private readonly TargetStateMachine _state;
    private readonly bool _rgb;
    private readonly List<IDisposable> _owned = [];
    private readonly SubwindowSampler _sampler = new();
    private readonly OrtTensor<float> _templateInput;
    private readonly OrtTensor<float> _kernel;
    private readonly OrtTensor<float>? _mask;
    // Optional colour branch (our default model): lookup table in, colour response out, blended with the correlation.
    private readonly OrtTensor<float>? _colourTable;
    private readonly OrtTensor<float>? _targetWindow;
    private readonly OrtTensor<float>? _colourResponse;
    private readonly OrtTensor<float>? _wideColourResponse;
    private readonly ColourModel _colour = new();
    private readonly float[] _blend;
    private readonly float[] _wideBlend = [];
    private readonly OrtTensor<float> _searchInput;
    private readonly OrtTensor<float> _response;
    private readonly RunBinding _runTemplate;
    private readonly RunBinding _runSearch;
    private readonly SiamFcResponse _responseProcessor;
    private readonly float[] _factors;
    private readonly float[] _initialKernel;
    private readonly float[] _runningKernel;
    private readonly int _responseSize;
    // The wide search used while lost (null when the search model cannot take a larger input).
    private readonly OrtTensor<float>? _wideInput;
    private readonly OrtTensor<float>? _wideResponse;
    private readonly RunBinding? _runWide;
    private readonly SiamFcResponse? _wideProcessor;
    private readonly int _wideSize;
    private readonly byte[] _pad = new byte[3];
    private float _cx, _cy, _w, _h;
    private bool _initialised;

    /// <param name="manifest">A <c>siamfc</c> manifest.</param>
    /// <param name="files">Resolved files by role (<c>template</c>, <c>search</c>).</param>
    /// <param name="sessionOptions">Session options.</param>
    /// <param name="confidence">State thresholds; defaults when null.</param>
    public SiamFcTracker(ModelManifest manifest, IReadOnlyDictionary<string, string> files, OrtSessionOptions sessionOptions,
        ConfidenceOptions? confidence = null)
    {
        _manifest = manifest;
        _p = manifest.SiamFc ?? new SiamFcParameters();
        _p.Validate(manifest.Name);
        _confidenceOptions = confidence ?? new ConfidenceOptions();
        _confidenceOptions.Validate();
        _state = new TargetStateMachine(_confidenceOptions);
        _rgb = manifest.ChannelOrder == "rgb";
        ExecutionProvider = sessionOptions.Provider;
        try
        {
            var template = Own(InferenceSession.FromFile(files["template"], sessionOptions));
            manifest.ValidateSession("template", template);
            var searchBytes = File.ReadAllBytes(files["search"]);
            var search = Own(InferenceSession.FromBytes(searchBytes, sessionOptions, files["search"]));
            manifest.ValidateSession("search", search);

            var kernelInfo = template.Outputs[0];
            var kernelName = kernelInfo.Name;
            if (search.Inputs.All(i => i.Name != kernelName))
            {
                throw new ModelException(
                    $"Model '{manifest.Name}': search file '{files["search"]}' has no input '{kernelName}' (the template file's output); its inputs are: {string.Join("; ", search.Inputs)}.");
            }
            if (kernelInfo.Shape.Any(d => d < 0))
            {
                throw new ModelException($"Model '{manifest.Name}': template output {kernelInfo} must have a fixed shape.");
            }
            _responseSize = manifest.ScoreSize ?? (int)search.Outputs[0].Shape[^1];
            if (_responseSize <= 0)
            {
                throw new ModelException($"Model '{manifest.Name}': the response size is symbolic in '{files["search"]}'; set 'scoreSize' in the manifest.");
            }
            var z = manifest.TemplateSize;
            var x = manifest.SearchSize;
            var scales = _p.ScaleCount;
            _templateInput = Own(new OrtTensor<float>(1, 3, z, z));
            _kernel = Own(new OrtTensor<float>(kernelInfo.Shape));
            _searchInput = Own(new OrtTensor<float>(scales, 3, x, x));
            _response = Own(new OrtTensor<float>(scales, 1, _responseSize, _responseSize));
            // Optional spatial weights of the exemplar's cells (our default model takes them).
            var maskInfo = template.Inputs.FirstOrDefault(i => i.Name == MaskInput);
            if (maskInfo is not null)
            {
                if (maskInfo.Shape.Any(d => d <= 0) || search.Inputs.All(i => i.Name != MaskInput))
                {
                    throw new ModelException($"Model '{manifest.Name}': a '{MaskInput}' input needs a fixed shape and must be an input of both files.");
                }
                _mask = Own(new OrtTensor<float>(maskInfo.Shape));
            }
            var imageName = search.Inputs.FirstOrDefault(i => i.Name != kernelName && i.Name != MaskInput)?.Name
                ?? throw new ModelException($"Model '{manifest.Name}': search file '{files["search"]}' has no image input besides '{kernelName}'.");
            var templateImage = template.Inputs.First(i => i.Name != MaskInput).Name;
            List<(string, OrtValue)> extras = _mask is null ? [(kernelName, _kernel)] : [(kernelName, _kernel), (MaskInput, _mask)];
            var responseName = search.Outputs[0].Name;
            if (search.Inputs.Any(i => i.Name == ColourTableInput))
            {
                if (_mask is null || search.Inputs.All(i => i.Name != TargetWindowInput) || search.Outputs.All(o => o.Name != ColourResponseOutput))
                {
                    throw new ModelException(
                        $"Model '{manifest.Name}': a '{ColourTableInput}' input needs '{MaskInput}', '{TargetWindowInput}' and a '{ColourResponseOutput}' output in '{files["search"]}'.");
                }
                _colourTable = Own(new OrtTensor<float>(ColourModel.Bins));
                _targetWindow = Own(new OrtTensor<float>(_mask.Shape.ToArray()));
                _colourResponse = Own(new OrtTensor<float>(scales, 1, _responseSize, _responseSize));
                extras.Add((ColourTableInput, _colourTable));
                extras.Add((TargetWindowInput, _targetWindow));
                responseName = search.Outputs.First(o => o.Name != ColourResponseOutput).Name;
            }
            _runTemplate = Own(template.Bind(_mask is null ? [(templateImage, _templateInput)] : [(templateImage, _templateInput), (MaskInput, _mask)], [(kernelName, _kernel)]));
            _runSearch = Own(search.Bind([(imageName, _searchInput), .. extras],
                _colourResponse is null ? [(responseName, _response)] : [(responseName, _response), (ColourResponseOutput, _colourResponse)]));

            // The same search model on a crop LostSearchScale times wider, at the same pixels-per-cell.
            var extraCells = (int)MathF.Round(x * (_confidenceOptions.LostSearchScale - 1) / manifest.Stride);
            if (extraCells > 0)
            {
                _wideSize = x + extraCells * manifest.Stride;
                var wideResponse = _responseSize + extraCells;
                try
                {
                    var model = OnnxModels.Read(searchBytes, files["search"]);
                    OnnxModels.SetInputShape(model, imageName, [1, 3, _wideSize, _wideSize]);
                    var wide = Own(InferenceSession.FromBytes(OnnxModels.Write(model), sessionOptions, files["search"]));
                    _wideInput = Own(new OrtTensor<float>(1, 3, _wideSize, _wideSize));
                    _wideResponse = Own(new OrtTensor<float>(1, 1, wideResponse, wideResponse));
                    List<(string, OrtValue)> wideOutputs = [(responseName, _wideResponse)];
                    if (_colourResponse is not null)
                    {
                        _wideColourResponse = Own(new OrtTensor<float>(1, 1, wideResponse, wideResponse));
                        wideOutputs.Add((ColourResponseOutput, _wideColourResponse));
                        _wideBlend = new float[wideResponse * wideResponse];
                    }
                    _runWide = Own(wide.Bind([(imageName, _wideInput), .. extras], wideOutputs));
                    _wideProcessor = new SiamFcResponse(wideResponse, _p.ResponseUpsample, 1, manifest.Stride);
                }
                catch (Exception e) when (e is OrtException or InvalidDataException)
                {
                    // A search graph that is not fully convolutional cannot take a wider crop: search the normal region.
                    _runWide = null;
                    WideSearchUnavailable = e.Message;
                }
            }
        }
        catch
        {
            DisposeOwned();
            throw;
        }
        _responseProcessor = new SiamFcResponse(_responseSize, _p.ResponseUpsample, _p.ScaleCount, manifest.Stride);
        _factors = new float[_p.ScaleCount];
        SiamFcMath.ScaleFactors(_p.ScaleCount, _p.ScaleStep, _factors);
        _blend = new float[_response.Length];
        _initialKernel = new float[_kernel.Length];
        _runningKernel = new float[_kernel.Length];
    }

    /// <summary>The optional input of both files holding the exemplar cells' weights [1,1,Pz,Pz].</summary>
    public const string MaskInput = "mask";

    /// <summary>Optional search input: P(target | colour bin), from <see cref="ColourModel"/>.</summary>
    public const string ColourTableInput = "colour_table";

    /// <summary>Optional search input: the target's shape over the exemplar's cells, summing to 1.</summary>
    public const string TargetWindowInput = "target_window";

    /// <summary>Optional search output: the colour likelihood of a target-sized box at each response position.</summary>
    public const string ColourResponseOutput = "colour_response";

    private T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    /// <inheritdoc />
    public string ModelName => _manifest.Name;

    /// <inheritdoc />
    public string ExecutionProvider { get; }

    /// <summary>The response map's side (from the model).</summary>
    public int ResponseSize => _responseSize;

    /// <summary>Whether a wider search runs while the target is lost.</summary>
    public bool SearchesWiderWhenLost => _runWide is not null;

    /// <summary>Why the search model could not run on a wider crop (ORT's message), or null.</summary>
    public string? WideSearchUnavailable { get; private set; }

    /// <summary>The current target state.</summary>
    public TargetState State => _state.State;

    /// <summary>Timing of the last <see cref="Track"/> call in Stopwatch ticks: crop, inference, post-processing.</summary>
    public StageTimes LastTimes { get; private set; }

    /// <inheritdoc />
    public void Init(Frame frame, BoxF box)
    {
        (_cx, _cy, _w, _h) = InitBox.PysotCentre(box);
        NanoTrackMath.TruncatedChannelMeans(frame, _pad);
        if (_mask is not null)
        {
            // The target's share of the exemplar does not change while it is tracked (both scale together).
            var toCrop = _manifest.TemplateSize / ExemplarSide;
            TargetMask(_mask.Span, (int)_mask.Shape[^1], _manifest.TemplateSize, _manifest.Stride, _w * toCrop, _h * toCrop, _p.ContextWeight);
            if (_targetWindow is not null)
            {
                var window = _targetWindow.Span;
                TargetMask(window, (int)_mask.Shape[^1], _manifest.TemplateSize, _manifest.Stride, _w * toCrop, _h * toCrop, 0f);
                var sum = 0f;
                foreach (var v in window) sum += v;
                for (var i = 0; i < window.Length; i++) window[i] /= sum;
            }
        }
        if (_colourTable is not null)
        {
            _colour.Reset();
            _colour.Learn(frame, CurrentBox, ExemplarSide, 1f);
            _colour.WriteTable(_colourTable.Span);
        }
        ComputeKernel(frame);
        _kernel.Span.CopyTo(_initialKernel);
        _kernel.Span.CopyTo(_runningKernel);
        _state.Reset();
        _initialised = true;
    }

    /// <summary>
    /// Weights of the exemplar's feature cells: 1 on the target, <paramref name="contextWeight"/> on the context,
    /// the share of each cell covered by the target in between. Cell i spans crop pixels stride·i + 1 … stride·i + stride
    /// (a 3×3 valid filter, then pooling), the target is centred in the crop.
    /// </summary>
    public static void TargetMask(Span<float> mask, int cells, int cropSize, int stride, float targetWidth, float targetHeight, float contextWeight)
    {
        var centre = (cropSize - 1) / 2f;
        for (var i = 0; i < cells; i++)
        {
            var fy = Overlap(stride * i + 1 - 0.5f, stride, centre, targetHeight);
            for (var j = 0; j < cells; j++)
            {
                var fx = Overlap(stride * j + 1 - 0.5f, stride, centre, targetWidth);
                mask[i * cells + j] = contextWeight + (1 - contextWeight) * fx * fy;
            }
        }

        static float Overlap(float start, int length, float centre, float size)
        {
            var low = MathF.Max(start, centre - size / 2);
            var high = MathF.Min(start + length, centre + size / 2);
            return Math.Clamp((high - low) / length, 0f, 1f);
        }
    }

    private float ExemplarSide => SiamFcMath.ExemplarSide(_w, _h, _manifest.HyperParameters.ContextAmount);

    private void ComputeKernel(Frame frame)
    {
        var side = Round(ExemplarSide);
        _sampler.Sample(frame, _cx, _cy, side, _manifest.TemplateSize, _pad, _rgb, _manifest.Normalization, _templateInput.Span);
        _runTemplate.Run();
    }

    /// <inheritdoc />
    public TrackResult Track(Frame frame)
    {
        if (!_initialised)
        {
            throw new InvalidOperationException("Track called before Init.");
        }
        var t0 = Stopwatch.GetTimestamp();
        var z = _manifest.TemplateSize;
        var x = _manifest.SearchSize;
        var searchSide = SiamFcMath.SearchSide(ExemplarSide, z, x);
        var lost = _state.State == TargetState.Lost && _runWide is not null;
        long t1, t2;
        SiamFcPeak peak;
        float confidence;
        if (lost)
        {
            // Same pixels per cell as the normal search, wider region, scale 1 only.
            var wideSide = searchSide * _wideSize / x;
            _sampler.Sample(frame, _cx, _cy, Round(wideSide), _wideSize, _pad, _rgb, _manifest.Normalization, _wideInput!.Span);
            t1 = Stopwatch.GetTimestamp();
            _runWide!.Run();
            t2 = Stopwatch.GetTimestamp();
            // The cosine window stays: a lost target is usually still near where it was last seen (deformed or
            // occluded), and without it an unrelated look-alike anywhere in the wide region would win.
            var map = Blend(_wideResponse!.Span, _wideColourResponse, _wideBlend);
            peak = _wideProcessor!.Locate(map, [1f], wideSide, _wideSize, 1f, _manifest.HyperParameters.WindowInfluence);
            confidence = Confidence(_wideResponse.Span, _wideProcessor, peak);
        }
        else
        {
            var plane = 3 * x * x;
            for (var s = 0; s < _factors.Length; s++)
            {
                _sampler.Sample(frame, _cx, _cy, Round(searchSide * _factors[s]), x, _pad, _rgb, _manifest.Normalization,
                    _searchInput.Span.Slice(s * plane, plane));
            }
            t1 = Stopwatch.GetTimestamp();
            _runSearch.Run();
            t2 = Stopwatch.GetTimestamp();
            var map = Blend(_response.Span, _colourResponse, _blend);
            peak = _responseProcessor.Locate(map, _factors, searchSide, x, _p.ScalePenalty, _manifest.HyperParameters.WindowInfluence);
            var cells = _responseSize * _responseSize;
            confidence = Confidence(_response.Span.Slice(peak.ScaleIndex * cells, cells), _responseProcessor, peak);
        }
        var state = _state.Update(confidence);

        // A lost target moves only when it is found again with confidence; otherwise the search stays where it was.
        var found = !lost || (state != TargetState.Lost && confidence >= _p.ReacquireAbove);
        if (found && (!_p.HoldWhenUnsure || confidence >= _confidenceOptions.LostBelow))
        {
            _cx = Math.Clamp(_cx + peak.DisplacementX, 0, frame.Width);
            _cy = Math.Clamp(_cy + peak.DisplacementY, 0, frame.Height);
            if (!lost)
            {
                var scale = (1 - _p.ScaleLr) + _p.ScaleLr * _factors[peak.ScaleIndex];
                _w = Math.Clamp(_w * scale, 4, frame.Width);
                _h = Math.Clamp(_h * scale, 4, frame.Height);
            }
            if (state == TargetState.Tracking && confidence >= _p.TemplateUpdateAbove)
            {
                if (_p.TemplateLr > 0)
                {
                    UpdateTemplate(frame);
                }
                if (_colourTable is not null && _p.ColourLr > 0)
                {
                    _colour.Learn(frame, CurrentBox, ExemplarSide, _p.ColourLr);
                    _colour.WriteTable(_colourTable.Span);
                }
            }
        }
        var t3 = Stopwatch.GetTimestamp();
        LastTimes = new StageTimes(t1 - t0, t2 - t1, 0, t3 - t2);
        return new TrackResult(CurrentBox, peak.PeakResponse, confidence, state);
    }

    private BoxF CurrentBox => new(_cx - (_w - 1) / 2f, _cy - (_h - 1) / 2f, _w, _h);

    /// <summary>(1 − w)·correlation + w·colour when the model has a colour branch; the correlation alone otherwise.</summary>
    private ReadOnlySpan<float> Blend(ReadOnlySpan<float> correlation, OrtTensor<float>? colour, float[] buffer)
    {
        if (colour is null || _p.ColourWeight == 0)
        {
            return correlation;
        }
        var c = colour.Span;
        var w = _p.ColourWeight;
        for (var i = 0; i < correlation.Length; i++)
        {
            buffer[i] = (1 - w) * correlation[i] + w * c[i];
        }
        return buffer.AsSpan(0, correlation.Length);
    }

    /// <summary>Blends the exemplar at the new position into the running kernel and anchors it to the first one.</summary>
    private void UpdateTemplate(Frame frame)
    {
        ComputeKernel(frame);
        var kernel = _kernel.Span;
        var rate = _p.TemplateLr;
        var keep = _p.InitialTemplateWeight;
        var energy = 0.0;
        for (var i = 0; i < kernel.Length; i++)
        {
            _runningKernel[i] = (1 - rate) * _runningKernel[i] + rate * kernel[i];
            var v = keep * _initialKernel[i] + (1 - keep) * _runningKernel[i];
            kernel[i] = v;
            energy += v * v;
        }
        if (_p.Response == "correlation" && energy > 0)
        {
            // A blend of unit-norm zero-mean kernels is zero-mean but shorter: renormalise so the response stays a correlation.
            var scale = (float)(1 / Math.Sqrt(energy));
            for (var i = 0; i < kernel.Length; i++)
            {
                kernel[i] *= scale;
            }
        }
    }

    private float Confidence(ReadOnlySpan<float> map, SiamFcResponse processor, SiamFcPeak peak)
    {
        var size = (int)Math.Sqrt(map.Length);
        var factor = processor.UpsampledSize / size;
        if (_p.Response == "correlation")
        {
            // The correlation at the chosen cell (the peak may have been picked on a colour-blended map).
            var cell = Math.Clamp(peak.PeakY / factor, 0, size - 1) * size + Math.Clamp(peak.PeakX / factor, 0, size - 1);
            return Math.Clamp((map[cell] - _p.CorrelationFloor) / (_p.CorrelationCeiling - _p.CorrelationFloor), 0f, 1f);
        }
        return PeakToSidelobe.Confidence(map, size, peak.PeakX / factor, peak.PeakY / factor);
    }

    private static int Round(float side) => Math.Max(1, (int)MathF.Round(side, MidpointRounding.ToEven));

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
