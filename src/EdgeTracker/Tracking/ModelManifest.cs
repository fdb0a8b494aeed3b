using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeTracker.Inference;

namespace EdgeTracker.Tracking;

/// <summary>
/// A model's manifest (<c>models/&lt;name&gt;.json</c>; schema in docs/models.md): what the files are, how to feed
/// them and how to read them. Weights are not shipped: <see cref="Resolve"/> finds them on a search path and
/// checks their SHA-256; <see cref="ValidateSession"/> checks a loaded file's inputs and outputs.
/// </summary>
public sealed record ModelManifest
{
    /// <summary>The model's name, as users and configuration name it (e.g. <c>nanotrack-v3</c>).</summary>
    public required string Name { get; init; }

    /// <summary>The tracker family that runs it: <c>nanotrack</c>, <c>siamfc</c>, <c>siamrpn</c>, <c>vittrack</c>.</summary>
    public required string Family { get; init; }

    /// <summary>Sub-folder of a model directory where the weights usually live (e.g. <c>nanotrackv3</c>).</summary>
    public string? Folder { get; init; }

    /// <summary>The files by role (e.g. <c>backbone</c>, <c>head</c>).</summary>
    public required IReadOnlyDictionary<string, ModelFile> Files { get; init; }

    /// <summary>Template (exemplar) input side in pixels, e.g. 127.</summary>
    public int TemplateSize { get; init; } = 127;

    /// <summary>Search-region input side in pixels, e.g. 255.</summary>
    public int SearchSize { get; init; } = 255;

    /// <summary>The score map's stride in search-region pixels.</summary>
    public int Stride { get; init; } = 16;

    /// <summary>The score map's side, or null to read it from the model's output ("from the model").</summary>
    public int? ScoreSize { get; init; }

    /// <summary>Channel order the network expects: <c>bgr</c> or <c>rgb</c>.</summary>
    public string ChannelOrder { get; init; } = "bgr";

    /// <summary>Input normalisation: value = (pixel × scale − mean[c]) / std[c] (NanoTrack: raw 0–255, scale 1, mean 0, std 1).</summary>
    public Normalization Normalization { get; init; } = new();

    /// <summary>Tracking hyper-parameters.</summary>
    public HyperParameters HyperParameters { get; init; } = new();

    /// <summary>SiamFC-family settings (scales, upsampling, template update); null for other families.</summary>
    public SiamFC.SiamFcParameters? SiamFc { get; init; }

    /// <summary>SiamRPN-family settings (anchors); null for other families.</summary>
    public SiamRpn.SiamRpnParameters? SiamRpn { get; init; }

    /// <summary>VitTrack settings (crop factors, score threshold); null for other families.</summary>
    public VitTrack.VitTrackParameters? VitTrack { get; init; }

    /// <summary>Where the manifest was read from (set by <see cref="Load"/>).</summary>
    [JsonIgnore]
    public string? SourcePath { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Reads and checks a manifest; errors name the file and the problem.</summary>
    public static ModelManifest Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new ModelException($"Model manifest '{path}' does not exist.");
        }
        ModelManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelManifest>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new ModelException($"Model manifest '{path}' is not valid: {e.Message}", e);
        }
        if (manifest is null)
        {
            throw new ModelException($"Model manifest '{path}' is empty.");
        }
        manifest = manifest with { SourcePath = Path.GetFullPath(path) };
        manifest.Check();
        return manifest;
    }

    /// <summary>Serialises the manifest (tools, tests).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions(Json) { WriteIndented = true });

    private void Check()
    {
        var where = SourcePath ?? Name;
        void Fail(string problem) => throw new ModelException($"Model manifest '{where}': {problem}");
        if (string.IsNullOrWhiteSpace(Name)) Fail("'name' is empty.");
        if (string.IsNullOrWhiteSpace(Family)) Fail("'family' is empty.");
        if (Files.Count == 0) Fail("'files' lists no file.");
        foreach (var (role, file) in Files)
        {
            if (string.IsNullOrWhiteSpace(file.Path)) Fail($"file '{role}' has no path.");
            if (file.Sha256 is { } sha && (sha.Length != 64 || !sha.All(Uri.IsHexDigit)))
            {
                Fail($"file '{role}' has sha256 '{sha}', which is not 64 hex digits.");
            }
        }
        if (TemplateSize <= 0 || SearchSize <= TemplateSize) Fail($"templateSize {TemplateSize} / searchSize {SearchSize} are not positive and increasing.");
        if (Stride <= 0) Fail($"stride {Stride} is not positive.");
        if (ScoreSize is <= 0) Fail($"scoreSize {ScoreSize} is not positive.");
        if (ChannelOrder is not ("bgr" or "rgb")) Fail($"channelOrder '{ChannelOrder}' is neither 'bgr' nor 'rgb'.");
        if (Normalization.Mean.Count != 3 || Normalization.Std.Count != 3 || Normalization.Std.Any(s => s <= 0))
        {
            Fail("normalization needs 3 means and 3 positive stds.");
        }
        var h = HyperParameters;
        if (h.ContextAmount < 0 || h.PenaltyK < 0 || h.WindowInfluence is < 0 or > 1 || h.Lr is < 0 or > 1)
        {
            Fail($"hyperParameters out of range (contextAmount {h.ContextAmount}, penaltyK {h.PenaltyK}, windowInfluence {h.WindowInfluence}, lr {h.Lr}).");
        }
    }

    /// <summary>
    /// Finds every file on the search path — the manifest's folder, then each of <paramref name="searchFolders"/>
    /// (typically a configured folder and <c>$EDGETRACKER_DATA/models</c>); in each, <c>&lt;dir&gt;/&lt;path&gt;</c> and
    /// <c>&lt;dir&gt;/&lt;folder&gt;/&lt;path&gt;</c> — and checks its SHA-256. Throws naming the file and what is wrong.
    /// </summary>
    public IReadOnlyDictionary<string, string> Resolve(IEnumerable<string> searchFolders)
    {
        var folders = new List<string>();
        if (SourcePath is not null)
        {
            folders.Add(Path.GetDirectoryName(SourcePath)!);
        }
        folders.AddRange(searchFolders.Where(f => !string.IsNullOrWhiteSpace(f)));
        var resolved = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (role, file) in Files)
        {
            var candidates = folders
                .SelectMany(dir => Folder is null
                    ? [Path.Combine(dir, file.Path)]
                    : new[] { Path.Combine(dir, file.Path), Path.Combine(dir, Folder, file.Path) })
                .Distinct()
                .ToList();
            var found = candidates.FirstOrDefault(File.Exists)
                ?? throw new ModelException(
                    $"Model '{Name}': {role} file '{file.Path}' not found; looked in: {string.Join(", ", candidates)}. " +
                    "Download the weights and put them in one of these folders (see docs/models.md).");
            if (file.Sha256 is { } expected)
            {
                var actual = Sha256Of(found);
                if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
                {
                    throw new ModelException(
                        $"Model '{Name}': {role} file '{found}' has SHA-256 {actual}, but the manifest expects {expected.ToLowerInvariant()} " +
                        "(a different or damaged download).");
                }
            }
            resolved[role] = found;
        }
        return resolved;
    }

    /// <summary>Checks that a session's inputs and outputs are those the manifest declares for <paramref name="role"/>.</summary>
    public void ValidateSession(string role, InferenceSession session)
    {
        if (!Files.TryGetValue(role, out var file))
        {
            throw new ModelException($"Model '{Name}' has no file with role '{role}'.");
        }
        Compare("input", file.Inputs, session.Inputs, session.ModelFile);
        Compare("output", file.Outputs, session.Outputs, session.ModelFile);
    }

    private void Compare(string kind, IReadOnlyDictionary<string, long[]>? declared, IReadOnlyList<TensorInfo> actual, string modelFile)
    {
        if (declared is null)
        {
            return;
        }
        foreach (var (name, shape) in declared)
        {
            var info = actual.FirstOrDefault(a => a.Name == name)
                ?? throw new ModelException(
                    $"Model '{Name}': file '{modelFile}' has no {kind} '{name}' (the manifest's); its {kind}s are: {string.Join("; ", actual)}.");
            var same = info.Shape.Length == shape.Length && shape.Zip(info.Shape).All(p => p.First < 0 || p.Second < 0 || p.First == p.Second);
            if (!same)
            {
                throw new ModelException(
                    $"Model '{Name}': file '{modelFile}' {kind} '{name}' has shape [{string.Join(",", info.Shape)}], the manifest says [{string.Join(",", shape)}].");
            }
        }
        if (declared.Count != actual.Count)
        {
            throw new ModelException(
                $"Model '{Name}': file '{modelFile}' has {actual.Count} {kind}s ({string.Join("; ", actual)}), the manifest declares {declared.Count}.");
        }
    }

    /// <summary>The lower-case hex SHA-256 of a file.</summary>
    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}

/// <summary>One file of a model: its name on the search path, its SHA-256, and its declared inputs/outputs (name → shape, -1 = any).</summary>
public sealed record ModelFile
{
    public required string Path { get; init; }
    public string? Sha256 { get; init; }
    public IReadOnlyDictionary<string, long[]>? Inputs { get; init; }
    public IReadOnlyDictionary<string, long[]>? Outputs { get; init; }

    /// <summary>Public address the file can be downloaded from (<c>edgetracker models fetch</c>); null for files we build.</summary>
    public string? Url { get; init; }
}

/// <summary>value = (pixel × scale − mean[c]) / std[c], channels in the manifest's channel order.</summary>
public sealed record Normalization
{
    public float Scale { get; init; } = 1f;
    public IReadOnlyList<float> Mean { get; init; } = [0f, 0f, 0f];
    public IReadOnlyList<float> Std { get; init; } = [1f, 1f, 1f];

    /// <summary>True when the values are the raw pixels (no arithmetic needed).</summary>
    [JsonIgnore]
    public bool IsIdentity => Scale == 1f && Mean.All(m => m == 0f) && Std.All(s => s == 1f);
}

/// <summary>Siamese tracking hyper-parameters (pysot names).</summary>
public sealed record HyperParameters
{
    /// <summary>Context added around the target: w + contextAmount·(w+h).</summary>
    public float ContextAmount { get; init; } = 0.5f;

    /// <summary>Scale/aspect change penalty strength.</summary>
    public float PenaltyK { get; init; }

    /// <summary>Weight of the cosine window against the penalised score.</summary>
    public float WindowInfluence { get; init; }

    /// <summary>Size update rate.</summary>
    public float Lr { get; init; }
}

/// <summary>A model could not be used: missing file, checksum mismatch, bad manifest, or inputs/outputs that differ from the manifest.</summary>
public sealed class ModelException(string message, Exception? inner = null) : Exception(message, inner);
