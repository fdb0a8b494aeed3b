namespace EdgeTracker.Tracking.DefaultModel;

/// <summary>
/// The files of the default model as committed in <c>models/</c>, and how <c>edgetracker models build-default</c>
/// writes them: each to a temporary file in the same folder, then renamed over the old one, so a reader never
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

    /// <summary>Builds both graphs in memory: (file name, bytes).</summary>
    public static IReadOnlyList<(string Name, byte[] Bytes)> Build() =>
    [
        (TemplateFile, DefaultModelBuilder.BuildTemplate(Design)),
        (SearchFile, DefaultModelBuilder.BuildSearch(Design)),
    ];

    /// <summary>Writes both graphs into <paramref name="folder"/>; returns the paths written.</summary>
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
