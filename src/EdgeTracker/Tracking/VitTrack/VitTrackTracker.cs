using System.Diagnostics;
using EdgeTracker.Camera.Frames;
using EdgeTracker.Inference;

namespace EdgeTracker.Tracking.VitTrack;

/// <summary>
/// VitTrack (OpenCV model zoo's one-stream transformer tracker, as OpenCV's TrackerVit runs it): one model takes
/// the 128×128 template and the 256×256 search crop together and gives a 16×16 score map with a box size and a
/// sub-cell offset per cell. The score, multiplied by a centred Hann window, is a real confidence: below the
/// threshold the box is kept, and the tracking/uncertain/lost state follows it.
/// </summary>
/// <remarks>
/// Unlike OpenCV's version, after <see cref="ConfidenceOptions.FramesToLose"/> frames in a row without a find the
/// target is searched for in a region <see cref="ConfidenceOptions.LostSearchScale"/> times wider (OpenCV keeps
/// searching the same small region around the last box, so a target that jumped away — the biker near frame 80 of
/// Biker — is never found again); the first find brings the normal region back.
/// </remarks>
public sealed class VitTrackTracker : ISingleObjectTracker
{
    private readonly ModelManifest _manifest;
    private readonly VitTrackParameters _p;
    private readonly ConfidenceOptions _confidenceOptions;
    private readonly TargetStateMachine _state;
    private readonly bool _rgb;
    private readonly InferenceSession _session;
    private readonly OrtTensor<float> _template;
    private readonly OrtTensor<float> _search;
    private readonly OrtTensor<float> _score;
    private readonly OrtTensor<float> _size;
    private readonly OrtTensor<float> _offset;
    private readonly RunBinding _run;
    private readonly VitTrackDecoder _decoder;
    private readonly SubwindowSampler _sampler = new();
    private readonly byte[] _pad = new byte[3]; // OpenCV pads with black
    private BoxF _box;
    private int _misses;
    private bool _initialised;

    /// <param name="manifest">A <c>vittrack</c> manifest (role <c>model</c>).</param>
    /// <param name="files">Resolved files by role.</param>
    /// <param name="sessionOptions">Session options.</param>
    /// <param name="confidence">State thresholds; defaults when null.</param>
    /// <param name="channelOrder">Overrides the manifest's channel order (<c>bgr</c>/<c>rgb</c>) when given.</param>
    public VitTrackTracker(ModelManifest manifest, IReadOnlyDictionary<string, string> files, OrtSessionOptions sessionOptions,
        ConfidenceOptions? confidence = null, string? channelOrder = null)
    {
        _manifest = manifest;
        _p = manifest.VitTrack ?? new VitTrackParameters();
        _p.Validate(manifest.Name);
        _confidenceOptions = confidence ?? new ConfidenceOptions();
        _confidenceOptions.Validate();
        _state = new TargetStateMachine(_confidenceOptions);
        _rgb = (channelOrder ?? manifest.ChannelOrder) == "rgb";
        ExecutionProvider = sessionOptions.Provider;
        var owned = new List<IDisposable>();
        try
        {
            _session = Own(InferenceSession.FromFile(files["model"], sessionOptions), owned);
            manifest.ValidateSession("model", _session);
            var mapSize = manifest.ScoreSize ?? (int)_session.Outputs[0].Shape[^1];
            if (mapSize <= 0)
            {
                throw new ModelException($"Model '{manifest.Name}': the score map size is symbolic in '{files["model"]}'; set 'scoreSize' in the manifest.");
            }
            if (_session.Inputs.All(i => i.Name != "template") || _session.Inputs.All(i => i.Name != "search") || _session.Outputs.Count != 3)
            {
                throw new ModelException(
                    $"Model '{manifest.Name}': '{files["model"]}' must have inputs 'template' and 'search' and three outputs (score, size, offset); it has {string.Join("; ", _session.Inputs)} → {string.Join("; ", _session.Outputs)}.");
            }
            _template = Own(new OrtTensor<float>(1, 3, manifest.TemplateSize, manifest.TemplateSize), owned);
            _search = Own(new OrtTensor<float>(1, 3, manifest.SearchSize, manifest.SearchSize), owned);
            _score = Own(new OrtTensor<float>(1, 1, mapSize, mapSize), owned);
            _size = Own(new OrtTensor<float>(1, 2, mapSize, mapSize), owned);
            _offset = Own(new OrtTensor<float>(1, 2, mapSize, mapSize), owned);
            _run = Own(_session.Bind([("template", _template), ("search", _search)],
                [(_session.Outputs[0].Name, _score), (_session.Outputs[1].Name, _size), (_session.Outputs[2].Name, _offset)]), owned);
            _decoder = new VitTrackDecoder(mapSize);
        }
        catch
        {
            for (var i = owned.Count - 1; i >= 0; i--)
            {
                owned[i].Dispose();
            }
            throw;
        }
    }

    private static T Own<T>(T disposable, List<IDisposable> owned) where T : IDisposable
    {
        owned.Add(disposable);
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
        _box = InitBox.Validated(box);
        var side = VitTrackDecoder.CropSide(box.W, box.H, _p.TemplateFactor);
        _sampler.Sample(frame, box.CenterX, box.CenterY, side, _manifest.TemplateSize, _pad, _rgb, _manifest.Normalization, _template.Span);
        _state.Reset();
        _misses = 0;
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
        // Widen the search only after FramesToLose frames in a row without a find: as soon as one frame finds the
        // target (score ≥ threshold) the normal region is searched again, whatever the state's hysteresis says.
        var widened = _misses >= _confidenceOptions.FramesToLose;
        var factor = _p.SearchFactor * (widened ? _confidenceOptions.LostSearchScale : 1f);
        var side = VitTrackDecoder.CropSide(_box.W, _box.H, factor);
        var cx = _box.CenterX;
        var cy = _box.CenterY;
        _sampler.Sample(frame, cx, cy, side, _manifest.SearchSize, _pad, _rgb, _manifest.Normalization, _search.Span);
        var t1 = Stopwatch.GetTimestamp();
        _run.Run();
        var t2 = Stopwatch.GetTimestamp();
        var choice = _decoder.Decode(_score.Span, _size.Span, _offset.Span);
        var confidence = Math.Clamp(choice.Score, 0f, 1f);
        var state = _state.Update(confidence);
        _misses = choice.Score >= _p.ScoreThreshold ? 0 : _misses + 1;
        if (choice.Score >= _p.ScoreThreshold)
        {
            // The sampler's crop starts at floor(c − (side+1)/2 + 0.5); unit coordinates span its side.
            var x0 = MathF.Floor(cx - (side + 1) / 2f + 0.5f);
            var y0 = MathF.Floor(cy - (side + 1) / 2f + 0.5f);
            var box = choice.ToFrame(x0, y0, side);
            var w = Math.Clamp(box.W, 4f, frame.Width);
            var h = Math.Clamp(box.H, 4f, frame.Height);
            var ncx = Math.Clamp(box.CenterX, 0, frame.Width);
            var ncy = Math.Clamp(box.CenterY, 0, frame.Height);
            _box = BoxF.FromCenter(ncx, ncy, w, h);
        }
        var t3 = Stopwatch.GetTimestamp();
        LastTimes = new StageTimes(t1 - t0, t2 - t1, 0, t3 - t2);
        return new TrackResult(_box, choice.Score, confidence, state);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _run.Dispose();
        _offset.Dispose();
        _size.Dispose();
        _score.Dispose();
        _search.Dispose();
        _template.Dispose();
        _session.Dispose();
    }
}
