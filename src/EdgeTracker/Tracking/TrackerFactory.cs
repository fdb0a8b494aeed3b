using EdgeTracker.Inference;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeTracker.Tracking;

/// <summary>Where models are found and how trackers behave; all optional.</summary>
public sealed record TrackerFactoryOptions
{
    /// <summary>Extra folders holding manifests (<c>&lt;name&gt;.json</c>), searched before the <c>models/</c> folder next to the binaries.</summary>
    public IReadOnlyList<string> ManifestFolders { get; init; } = [];

    /// <summary>Extra folders holding weights, searched after the manifest's own folder and before <c>$EDGETRACKER_DATA/models</c>.</summary>
    public IReadOnlyList<string> ModelFolders { get; init; } = [];

    /// <summary>Tracking-state thresholds and the search while lost.</summary>
    public ConfidenceOptions Confidence { get; init; } = new();

    /// <summary>Overrides the manifest's channel order (<c>bgr</c>/<c>rgb</c>); for measurements.</summary>
    public string? ChannelOrder { get; init; }
}

/// <summary>
/// Creates trackers by model name: finds the manifest, resolves and checks the weights, creates the ORT sessions
/// with the inference options, and logs which execution provider runs them. The one entry point the daemon needs:
/// <code>
/// using var tracker = TrackerFactory.Create("nanotrack-v3", new InferenceOptions(), logger: log);
/// log.LogInformation("provider {P}", tracker.ExecutionProvider);
/// tracker.Init(frame, box); var result = tracker.Track(nextFrame);
/// </code>
/// Errors are <see cref="ModelException"/> (manifest, files, checksums, inputs/outputs) or <see cref="OrtException"/>
/// (ONNX Runtime, strict providers), each naming the file and the problem.
/// </summary>
public static class TrackerFactory
{
    /// <summary>
    /// A family's constructor: manifest, resolved files by role, session options, factory options. The tracker takes
    /// ownership of the session options and disposes them with itself (trackers may create sessions after
    /// construction); if the constructor throws, the factory disposes them.
    /// </summary>
    public delegate ISingleObjectTracker FamilyBuilder(ModelManifest manifest, IReadOnlyDictionary<string, string> files,
        OrtSessionOptions sessionOptions, TrackerFactoryOptions options);

    // One line per family; the families' own classes hold everything else.
    private static readonly Dictionary<string, FamilyBuilder> Families = new(StringComparer.Ordinal)
    {
        ["nanotrack"] = (m, f, s, o) => new NanoTrackTracker(m, f, s, o.Confidence, o.ChannelOrder),
        ["siamfc"] = (m, f, s, o) => new SiamFC.SiamFcTracker(m, f, s, o.Confidence),
        ["siamrpn"] = (m, f, s, o) => new SiamRpn.SiamRpnTracker(m, f, s, o.Confidence),
        ["vittrack"] = (m, f, s, o) => new VitTrack.VitTrackTracker(m, f, s, o.Confidence, o.ChannelOrder),
    };

    /// <summary>
    /// A family's batched group: manifest, files, inference options, the most targets a camera follows, the batch
    /// mode (the builder applies <see cref="BatchDecision"/> once it knows the provider), factory options, logger.
    /// </summary>
    public delegate ITrackerGroup GroupBuilder(ModelManifest manifest, IReadOnlyDictionary<string, string> files, InferenceOptions inference,
        int maxTargets, BatchMode mode, TrackerFactoryOptions options, ILogger logger);

    // Families with a batched path; every other family's group runs its trackers in turn.
    private static readonly Dictionary<string, GroupBuilder> GroupFamilies = new(StringComparer.Ordinal)
    {
        ["nanotrack"] = (m, f, i, max, mode, o, log) => BuildGroup(m, f["backbone"], i, max, mode, log,
            (options, batchOptions, batch, reason) => new NanoTrackGroup(m, f, options, batchOptions, batch, reason, o.Confidence, o.ChannelOrder)),
        ["vittrack"] = (m, f, i, max, mode, o, log) => BuildGroup(m, f["model"], i, max, mode, log,
            (options, batchOptions, batch, reason) => new VitTrack.VitTrackGroup(m, f, options, batchOptions, batch, reason, o.Confidence, o.ChannelOrder)),
    };

    /// <summary>The families this build can run.</summary>
    public static IReadOnlyCollection<string> KnownFamilies => Families.Keys;

    /// <summary>Registers (or replaces) a family's constructor.</summary>
    public static void Register(string family, FamilyBuilder builder)
    {
        lock (Families)
        {
            Families[family] = builder;
        }
    }

    /// <summary>The folders searched for manifests, in order.</summary>
    public static IReadOnlyList<string> ManifestSearchPath(TrackerFactoryOptions? options = null) =>
        [.. (options ?? new()).ManifestFolders, Path.Combine(AppContext.BaseDirectory, "models")];

    /// <summary>The folders searched for weights after the manifest's own folder, in order.</summary>
    public static IReadOnlyList<string> ModelSearchPath(TrackerFactoryOptions? options = null)
    {
        var folders = new List<string>((options ?? new()).ModelFolders);
        var data = Environment.GetEnvironmentVariable("EDGETRACKER_DATA");
        if (!string.IsNullOrWhiteSpace(data))
        {
            folders.Add(Path.Combine(data, "models"));
        }
        return folders;
    }

    /// <summary>Finds and loads the manifest of <paramref name="modelName"/>.</summary>
    public static ModelManifest FindManifest(string modelName, TrackerFactoryOptions? options = null)
    {
        if (string.IsNullOrWhiteSpace(modelName) || modelName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || modelName.Contains(".."))
        {
            throw new ModelException($"'{modelName}' is not a model name.");
        }
        var folders = ManifestSearchPath(options);
        var path = folders.Select(f => Path.Combine(f, modelName + ".json")).FirstOrDefault(File.Exists)
            ?? throw new ModelException(
                $"No manifest for model '{modelName}' (looked for {modelName}.json in {string.Join(", ", folders)}).");
        return ModelManifest.Load(path);
    }

    /// <summary>Creates a tracker for <paramref name="modelName"/>; see the class remarks.</summary>
    public static ISingleObjectTracker Create(string modelName, InferenceOptions inference, TrackerFactoryOptions? options = null, ILogger? logger = null)
    {
        options ??= new TrackerFactoryOptions();
        logger ??= NullLogger.Instance;
        var manifest = FindManifest(modelName, options);
        FamilyBuilder? builder;
        lock (Families)
        {
            Families.TryGetValue(manifest.Family, out builder);
        }
        if (builder is null)
        {
            throw new ModelException(
                $"Model '{manifest.Name}' ({manifest.SourcePath}) is of family '{manifest.Family}', which this build cannot run; known: {string.Join(", ", KnownFamilies)}.");
        }
        var files = manifest.Resolve(ModelSearchPath(options));
        var sessionOptions = OrtSessionOptions.Create(inference, logger);
        ISingleObjectTracker tracker;
        try
        {
            tracker = builder(manifest, files, sessionOptions, options);
        }
        catch
        {
            sessionOptions.Dispose();
            throw;
        }
        logger.LogInformation("Model {Model} ({Family}) runs on execution provider {Provider} (ONNX Runtime {Version} from {Library}, {Threads} intra-op thread(s))",
            manifest.Name, manifest.Family, tracker.ExecutionProvider, OrtEnvironment.Version, OrtLibrary.LoadedFrom, inference.IntraOpThreads);
        return tracker;
    }

    /// <summary>
    /// Creates the group of trackers one camera uses for <paramref name="modelName"/> (see <see cref="ITrackerGroup"/>):
    /// batched across targets when <paramref name="mode"/> asks for it and the family and model allow it, in turn
    /// otherwise. One tracker is made and checked on the way, so a broken model fails here. Logs the provider and
    /// how the targets run.
    /// </summary>
    /// <param name="modelName">The model's manifest name.</param>
    /// <param name="inference">Threads and providers.</param>
    /// <param name="maxTargets">The most targets the camera follows at once.</param>
    /// <param name="mode">Whether to batch (see <see cref="BatchMode"/>).</param>
    /// <param name="options">Where models are found, tracker thresholds.</param>
    /// <param name="logger">Where the provider and the batching decision are logged.</param>
    public static ITrackerGroup CreateGroup(string modelName, InferenceOptions inference, int maxTargets, BatchMode mode = BatchMode.Auto,
        TrackerFactoryOptions? options = null, ILogger? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTargets, 1);
        options ??= new TrackerFactoryOptions();
        logger ??= NullLogger.Instance;
        var manifest = FindManifest(modelName, options);
        GroupBuilder? builder;
        lock (Families)
        {
            GroupFamilies.TryGetValue(manifest.Family, out builder);
        }
        ITrackerGroup group;
        if (builder is null)
        {
            var first = Create(modelName, inference, options, logger);
            group = new SequentialTrackerGroup(manifest.Name, first.ExecutionProvider, () => Create(modelName, inference, options, logger),
                $"the {manifest.Family} family tracks its targets one after another (a batched path exists for: {string.Join(", ", GroupFamilies.Keys)})",
                first);
        }
        else
        {
            var files = manifest.Resolve(ModelSearchPath(options));
            group = builder(manifest, files, inference, maxTargets, mode, options, logger);
            try
            {
                group.CreateTracker().Dispose(); // proves the per-target files (the head) load too
            }
            catch
            {
                group.Dispose();
                throw;
            }
            logger.LogInformation("Model {Model} ({Family}) runs on execution provider {Provider} (ONNX Runtime {Version} from {Library}, {Threads} intra-op thread(s))",
                manifest.Name, manifest.Family, group.ExecutionProvider, OrtEnvironment.Version, OrtLibrary.LoadedFrom, inference.IntraOpThreads);
        }
        logger.LogInformation("Model {Model}: targets {How}: {Reason}", manifest.Name,
            group.Batching.Batched ? "batched" : "tracked in turn", group.Batching.Reason);
        return group;
    }

    /// <summary>
    /// How many targets one run may take: <paramref name="maxTargets"/>, or 1 with the reason. <see cref="BatchMode.Auto"/>
    /// batches on GPU providers only: on this project's 2-core CPU machines a batch measured no reliable gain over
    /// targets in turn, with one or two intra-op threads (docs/performance.md, "Batched targets").
    /// </summary>
    public static (int MaxBatch, string? Reason) BatchDecision(BatchMode mode, int maxTargets, string provider, int intraOpThreads)
    {
        if (maxTargets == 1)
        {
            return (1, "one target per camera (Tracking:MaxTargets is 1)");
        }
        return mode switch
        {
            BatchMode.Off => (1, "batching is off (Tracking:Batching)"),
            BatchMode.Auto when provider == "cpu" =>
                (1, $"on the CPU ({intraOpThreads} intra-op thread(s)) a batch measured no reliable gain over targets in turn (Tracking:Batching=on forces it)"),
            _ => (maxTargets, null),
        };
    }

    /// <summary>
    /// Makes a batched family's group: session options, the batch decision for the provider they loaded, and for
    /// TensorRT separate options with a 1..max batch profile for the batched file.
    /// </summary>
    private static ITrackerGroup BuildGroup(ModelManifest manifest, string batchedFile, InferenceOptions inference, int maxTargets, BatchMode mode, ILogger logger,
        Func<OrtSessionOptions, OrtSessionOptions?, int, string?, ITrackerGroup> create)
    {
        var sessionOptions = OrtSessionOptions.Create(inference, logger);
        OrtSessionOptions? batchOptions = null;
        try
        {
            var (maxBatch, notBatchedReason) = BatchDecision(mode, maxTargets, sessionOptions.Provider, inference.IntraOpThreads);
            if (maxBatch > 1 && sessionOptions.Provider == "tensorrt")
            {
                var model = Inference.Onnx.OnnxModels.Read(File.ReadAllBytes(batchedFile), batchedFile);
                var weights = model.Graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
                var profiles = model.Graph.Input.Where(i => !weights.Contains(i.Name))
                    .Select(i => TensorRtProfile.ForBatch(i.Name, Inference.Onnx.OnnxModels.InputShape(model, i.Name)[1..], maxBatch)).ToList();
                batchOptions = OrtSessionOptions.Create(inference with
                {
                    TensorRt = inference.TensorRt with { Profile = TensorRtProfile.Combine(profiles) },
                }, logger);
            }
            return create(sessionOptions, batchOptions, maxBatch, notBatchedReason);
        }
        catch
        {
            batchOptions?.Dispose();
            sessionOptions.Dispose();
            throw;
        }
    }
}
