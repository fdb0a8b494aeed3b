namespace EdgeTracker.Tracking.DefaultModel;

/// <summary>
/// The files of the default model as committed in <c>models/</c> (two graphs and their manifest), and how
/// <c>edgetracker models build-default</c> writes them: each to a temporary file in the same folder, then renamed over the old one, so a reader never
/// sees half a model.
/// </summary>
public static class DefaultModelFiles
{
    /// <summary>The manifest name.</summary>
    public const string ModelName = "siamfc-default";

    /// <summary>The exemplar graph's file name.</summary>
    public const string TemplateFile = "siamfc-default.template.onnx";

    /// <summary>The search graph's file name.</summary>
    public const string SearchFile = "siamfc-default.search.onnx";

    /// <summary>The design the committed files are built from.</summary>
    public static DefaultModelDesign Design { get; } = new();

    /// <summary>The manifest file name.</summary>
    public const string ManifestFile = ModelName + ".json";

    /// <summary>The tracking settings the default model ships with (the SiamFC paper's, plus what fixed features need).</summary>
    public static SiamFC.SiamFcParameters Tracking { get; } = new()
    {
        Response = "correlation",
        ResponseUpsample = 16, // as the paper: stride 8 / 16 = half a search-crop pixel
        ContextWeight = 0f,    // match the target's own cells only: the context is mostly background
        ScaleStep = 1.05f,     // fixed features change slowly with scale: a wider step follows zooms better
        ReacquireAbove = 0.7f, // the wide lost-search region holds look-alikes that correlate at 0.5–0.6
    };

    /// <summary>Builds both graphs and the manifest in memory: (file name, bytes).</summary>
    public static IReadOnlyList<(string Name, byte[] Bytes)> Build()
    {
        var template = DefaultModelBuilder.BuildTemplate(Design);
        var search = DefaultModelBuilder.BuildSearch(Design);
        var manifest = Manifest(Sha256(template), Sha256(search));
        return
        [
            (TemplateFile, template),
            (SearchFile, search),
            (ManifestFile, System.Text.Encoding.UTF8.GetBytes(manifest.ToJson() + "\n")),
        ];
    }

    /// <summary>The manifest of the default model whose files have the given SHA-256s.</summary>
    public static ModelManifest Manifest(string templateSha256, string searchSha256)
    {
        var pz = Design.FeatureSize(Design.ExemplarSize);
        var r = Design.ResponseSize;
        return new ModelManifest
        {
            Name = ModelName,
            Family = "siamfc",
            Files = new Dictionary<string, ModelFile>
            {
                ["template"] = new()
                {
                    Path = TemplateFile,
                    Sha256 = templateSha256,
                    Inputs = new Dictionary<string, long[]> { [DefaultModelBuilder.TemplateInput] = [1, 3, Design.ExemplarSize, Design.ExemplarSize], [DefaultModelBuilder.Mask] = [1, 1, pz, pz] },
                    Outputs = new Dictionary<string, long[]> { [DefaultModelBuilder.Kernel] = [1, Design.Channels, pz, pz] },
                },
                ["search"] = new()
                {
                    Path = SearchFile,
                    Sha256 = searchSha256,
                    Inputs = new Dictionary<string, long[]>
                    {
                        [DefaultModelBuilder.SearchInput] = [-1, 3, Design.SearchSize, Design.SearchSize],
                        [DefaultModelBuilder.Kernel] = [1, Design.Channels, pz, pz],
                        [DefaultModelBuilder.Mask] = [1, 1, pz, pz],
                        [DefaultModelBuilder.ColourTable] = [DefaultModelBuilder.ColourBins],
                        [DefaultModelBuilder.TargetWindow] = [1, 1, pz, pz],
                    },
                    Outputs = new Dictionary<string, long[]>
                    {
                        [DefaultModelBuilder.Response] = [-1, 1, r, r],
                        [DefaultModelBuilder.ColourResponse] = [-1, 1, r, r],
                    },
                },
            },
            TemplateSize = Design.ExemplarSize,
            SearchSize = Design.SearchSize,
            Stride = Design.Cell,
            ScoreSize = r,
            ChannelOrder = "bgr",
            Normalization = new Normalization(),
            HyperParameters = new HyperParameters { ContextAmount = 0.5f, WindowInfluence = 0.176f },
            SiamFc = Tracking,
        };
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

    /// <summary>Writes both graphs and the manifest into <paramref name="folder"/>; returns the paths written.</summary>
    public static IReadOnlyList<string> WriteTo(string folder)
    {
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        foreach (var (name, bytes) in Build())
        {
            var path = Path.Combine(folder, name);
            var temporary = Path.Combine(folder, $".{name}.{Environment.ProcessId}.tmp");
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
            written.Add(path);
        }
        return written;
    }
}
