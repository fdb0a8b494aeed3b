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
    private readonly BatchedSession _model;
    private readonly bool _ownsModel;
    private readonly float[] _template;
    private readonly VitTrackDecoder _decoder;
    private readonly SubwindowSampler _sampler = new();
    private readonly byte[] _pad = new byte[3]; // OpenCV pads with black
    private BoxF _box;
    private int _misses;
    private bool _initialised;
    private float _cropX, _cropY;
    private int _cropSide;
    private long _cropTicks, _runTicks;
    private int _item;

    /// <param name="manifest">A <c>vittrack</c> manifest (role <c>model</c>).</param>
    /// <param name="files">Resolved files by role.</param>
    /// <param name="sessionOptions">Session options.</param>
    /// <param name="confidence">State thresholds; defaults when null.</param>
    /// <param name="channelOrder">Overrides the manifest's channel order (<c>bgr</c>/<c>rgb</c>) when given.</param>
    public VitTrackTracker(ModelManifest manifest, IReadOnlyDictionary<string, string> files, OrtSessionOptions sessionOptions,
        ConfidenceOptions? confidence = null, string? channelOrder = null)
        : this(manifest, LoadModel(manifest, files["model"], sessionOptions, capacity: 1), ownsModel: true, sessionOptions.Provider, confidence, channelOrder)
    {
    }

    /// <summary>A tracker on a model shared by a <see cref="VitTrackGroup"/>.</summary>
    internal VitTrackTracker(ModelManifest manifest, BatchedSession model, bool ownsModel, string provider, ConfidenceOptions? confidence, string? channelOrder)
    {
        _manifest = manifest;
        _model = model;
        _ownsModel = ownsModel;
        try
        {
            _p = manifest.VitTrack ?? new VitTrackParameters();
            _p.Validate(manifest.Name);
            _confidenceOptions = confidence ?? new ConfidenceOptions();
            _confidenceOptions.Validate();
        }
        catch
        {
            if (ownsModel) model.Dispose();
            throw;
        }
        _state = new TargetStateMachine(_confidenceOptions);
        _rgb = (channelOrder ?? manifest.ChannelOrder) == "rgb";
        ExecutionProvider = provider;
        _template = new float[model.Input(TemplateInput).ItemLength];
        _decoder = new VitTrackDecoder(MapSize(manifest, model));
    }

    // The model's inputs and outputs in the order LoadModel checked.
    internal const int TemplateInput = 0, SearchInput = 1, ScoreOutput = 0, SizeOutput = 1, OffsetOutput = 2;

    /// <summary>Loads and checks the model file for up to <paramref name="capacity"/> targets a run.</summary>
    internal static BatchedSession LoadModel(ModelManifest manifest, string path, OrtSessionOptions options, int capacity,
        OrtSessionOptions? batchOptions = null, string? notBatchedReason = null)
    {
        var model = BatchedSession.Load(File.ReadAllBytes(path), path, options, capacity, batchOptions, notBatchedReason ?? "one target per run");
        try
        {
            var session = model.Session;
            manifest.ValidateSession("model", session);
            if (session.Inputs.Count != 2 || session.Inputs[TemplateInput].Name != "template" || session.Inputs[SearchInput].Name != "search" || session.Outputs.Count != 3)
            {
                throw new ModelException(
                    $"Model '{manifest.Name}': '{path}' must have inputs 'template' and 'search' (in that order) and three outputs (score, size, offset); it has {string.Join("; ", session.Inputs)} → {string.Join("; ", session.Outputs)}.");
            }
            if (MapSize(manifest, model) <= 0)
            {
                throw new ModelException($"Model '{manifest.Name}': the score map size is symbolic in '{path}'; set 'scoreSize' in the manifest.");
            }
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static int MapSize(ModelManifest manifest, BatchedSession model) => manifest.ScoreSize ?? (int)model.Output(ScoreOutput).ItemShape[^1];

    /// <inheritdoc />
    public string ModelName => _manifest.Name;

    /// <inheritdoc />
    public string ExecutionProvider { get; }

    /// <summary>The current target state.</summary>
    public TargetState State => _state.State;

    /// <summary>Timing of the last <see cref="Track"/> call in Stopwatch ticks (in a batch, the run is the whole batch's).</summary>
    public StageTimes LastTimes { get; private set; }

    /// <summary>The model this tracker runs on (a group's trackers share one).</summary>
    internal BatchedSession Model => _model;

    /// <inheritdoc />
    public void Init(Frame frame, BoxF box)
    {
        _box = InitBox.Validated(box);
        var side = VitTrackDecoder.CropSide(box.W, box.H, _p.TemplateFactor);
        _sampler.Sample(frame, box.CenterX, box.CenterY, side, _manifest.TemplateSize, _pad, _rgb, _manifest.Normalization, _template);
        _state.Reset();
        _misses = 0;
        _initialised = true;
    }

    /// <inheritdoc />
    public TrackResult Track(Frame frame)
    {
        Prepare(frame, 0);
        var t0 = Stopwatch.GetTimestamp();
        _model.Run(1);
        Collect(0, Stopwatch.GetTimestamp() - t0);
        return Finish(frame);
    }

    /// <summary>Phase 1: the template and this frame's search crop into batch item <paramref name="item"/>.</summary>
    internal void Prepare(Frame frame, int item)
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
        _cropSide = VitTrackDecoder.CropSide(_box.W, _box.H, factor);
        _cropX = _box.CenterX;
        _cropY = _box.CenterY;
        _template.CopyTo(_model.Input(TemplateInput).Item(item));
        _sampler.Sample(frame, _cropX, _cropY, _cropSide, _manifest.SearchSize, _pad, _rgb, _manifest.Normalization, _model.Input(SearchInput).Item(item));
        _cropTicks = Stopwatch.GetTimestamp() - t0;
    }

    /// <summary>Phase 2: remembers which item holds this target's outputs.</summary>
    internal void Collect(int item, long runTicks)
    {
        _item = item;
        _runTicks = runTicks;
    }

    /// <summary>Phase 3: decode, state, box update.</summary>
    internal TrackResult Finish(Frame frame)
    {
        var t0 = Stopwatch.GetTimestamp();
        var choice = _decoder.Decode(_model.Output(ScoreOutput).Item(_item), _model.Output(SizeOutput).Item(_item), _model.Output(OffsetOutput).Item(_item));
        var confidence = Math.Clamp(choice.Score, 0f, 1f);
        var state = _state.Update(confidence);
        _misses = choice.Score >= _p.ScoreThreshold ? 0 : _misses + 1;
        if (choice.Score >= _p.ScoreThreshold)
        {
            // The sampler's crop starts at floor(c − (side+1)/2 + 0.5); unit coordinates span its side.
            var x0 = MathF.Floor(_cropX - (_cropSide + 1) / 2f + 0.5f);
            var y0 = MathF.Floor(_cropY - (_cropSide + 1) / 2f + 0.5f);
            var box = choice.ToFrame(x0, y0, _cropSide);
            var w = Math.Clamp(box.W, 4f, frame.Width);
            var h = Math.Clamp(box.H, 4f, frame.Height);
            var ncx = Math.Clamp(box.CenterX, 0, frame.Width);
            var ncy = Math.Clamp(box.CenterY, 0, frame.Height);
            _box = BoxF.FromCenter(ncx, ncy, w, h);
        }
        LastTimes = new StageTimes(_cropTicks, _runTicks, 0, Stopwatch.GetTimestamp() - t0);
        return new TrackResult(_box, choice.Score, confidence, state);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsModel)
        {
            _model.Dispose();
        }
    }
}
