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
}
