using System.Globalization;
using EdgeTracker.Tracking;

namespace EdgeTracker.Evaluation;

/// <summary>
/// A tracking sequence with ground truth, in the OTB or VOT layout (see the shared sequences' README):
/// <list type="bullet">
/// <item>OTB: <c>img/*.jpg</c> + <c>groundtruth_rect.txt</c> with <c>x,y,w,h</c> per line (commas or tabs or spaces,
/// LF or CRLF, last newline optional, <c>NaN</c> for an invisible target);</item>
/// <item>VOT: <c>*.jpg</c> in the folder + <c>groundtruth.txt</c> with a polygon <c>x1,y1,…,x4,y4</c> (or 4 numbers) per
/// line; the box is the corners' min/max.</item>
/// </list>
/// Frames are the folder's JPEGs in name order (numbering may start anywhere); their count must equal the ground truth's.
/// </summary>
public sealed record Sequence(string Name, string Folder, IReadOnlyList<string> FramePaths, IReadOnlyList<BoxF> GroundTruth)
{
    /// <summary>Loads a sequence folder; throws <see cref="InvalidDataException"/> naming the file and line at fault.</summary>
    public static Sequence Load(string folder)
    {
        folder = Path.GetFullPath(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Sequence folder '{folder}' does not exist.");
        }
        var name = Path.GetFileName(folder);
        string groundTruthPath;
        string imageFolder;
        if (File.Exists(Path.Combine(folder, "groundtruth_rect.txt")) && Directory.Exists(Path.Combine(folder, "img")))
        {
            groundTruthPath = Path.Combine(folder, "groundtruth_rect.txt");
            imageFolder = Path.Combine(folder, "img");
        }
        else if (File.Exists(Path.Combine(folder, "groundtruth.txt")))
        {
            groundTruthPath = Path.Combine(folder, "groundtruth.txt");
            imageFolder = Directory.Exists(Path.Combine(folder, "color")) ? Path.Combine(folder, "color") : folder;
        }
        else
        {
            throw new InvalidDataException(
                $"'{folder}' is neither an OTB sequence (img/ + groundtruth_rect.txt) nor a VOT sequence (*.jpg + groundtruth.txt).");
        }
        var frames = Directory.EnumerateFiles(imageFolder)
            .Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        var truth = ReadGroundTruth(groundTruthPath);
        if (frames.Count == 0)
        {
            throw new InvalidDataException($"Sequence '{folder}' has no JPEG frames in '{imageFolder}'.");
        }
        if (frames.Count != truth.Count)
        {
            throw new InvalidDataException(
                $"Sequence '{folder}' has {frames.Count} frames but '{groundTruthPath}' has {truth.Count} boxes; they must match.");
        }
        if (!truth[0].IsValid)
        {
            throw new InvalidDataException($"'{groundTruthPath}' line 1 has no valid box to start from.");
        }
        return new Sequence(name, folder, frames, truth);
    }

    /// <summary>Reads ground truth lines: 4 numbers (x,y,w,h) or 8 (a polygon); NaN allowed.</summary>
    public static IReadOnlyList<BoxF> ReadGroundTruth(string path)
    {
        var boxes = new List<BoxF>();
        var lineNumber = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }
            var parts = line.Split([',', '\t', ' ', ';'], StringSplitOptions.RemoveEmptyEntries);
            var values = new float[parts.Length];
            for (var i = 0; i < parts.Length; i++)
            {
                if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
                {
                    throw new InvalidDataException($"'{path}' line {lineNumber}: '{parts[i]}' is not a number.");
                }
            }
            boxes.Add(values.Length switch
            {
                4 => new BoxF(values[0], values[1], values[2], values[3]),
                8 => PolygonBox(values),
                _ => throw new InvalidDataException($"'{path}' line {lineNumber}: {values.Length} numbers; expected 4 (x,y,w,h) or 8 (polygon)."),
            });
        }
        return boxes;
    }

    private static BoxF PolygonBox(float[] v)
    {
        var minX = MathF.Min(MathF.Min(v[0], v[2]), MathF.Min(v[4], v[6]));
        var maxX = MathF.Max(MathF.Max(v[0], v[2]), MathF.Max(v[4], v[6]));
        var minY = MathF.Min(MathF.Min(v[1], v[3]), MathF.Min(v[5], v[7]));
        var maxY = MathF.Max(MathF.Max(v[1], v[3]), MathF.Max(v[5], v[7]));
        return new BoxF(minX, minY, maxX - minX, maxY - minY);
    }
}
