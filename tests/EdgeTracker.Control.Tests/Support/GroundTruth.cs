using System.Globalization;
using EdgeTracker.Testing;

namespace EdgeTracker.Control.Tests.Support;

/// <summary>
/// A sequence's ground-truth target centres from $EDGETRACKER_DATA/testdata/sequences (OTB `x,y,w,h` lines separated
/// by commas or tabs, or VOT polygons), its frame size (from the first JPEG's header) and its frame rate.
/// </summary>
public sealed record GroundTruth(string Name, int Width, int Height, double FramesPerSecond, IReadOnlyList<(double X, double Y)?> Centres)
{
    public static GroundTruth Load(string name)
    {
        var folder = TestData.Sequence(name);
        var truthFile = File.Exists(Path.Combine(folder, "groundtruth_rect.txt"))
            ? Path.Combine(folder, "groundtruth_rect.txt")
            : Path.Combine(folder, "groundtruth.txt");
        var centres = new List<(double X, double Y)?>();
        foreach (var line in File.ReadAllLines(truthFile))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            var values = line.Split([',', '\t', ' '], StringSplitOptions.RemoveEmptyEntries)
                .Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            if (values.Any(double.IsNaN))
            {
                centres.Add(null);
            }
            else if (values.Length == 4)
            {
                centres.Add(values[2] <= 0 || values[3] <= 0 ? null : (values[0] - 1 + values[2] / 2, values[1] - 1 + values[3] / 2));
            }
            else
            {
                var xs = values.Where((_, i) => i % 2 == 0).ToArray();
                var ys = values.Where((_, i) => i % 2 == 1).ToArray();
                centres.Add(((xs.Min() + xs.Max()) / 2, (ys.Min() + ys.Max()) / 2));
            }
        }
        var firstImage = Directory.EnumerateFiles(Directory.Exists(Path.Combine(folder, "img")) ? Path.Combine(folder, "img") : folder, "*.jpg")
            .Order(StringComparer.Ordinal).First();
        var (width, height) = JpegSize(firstImage);
        // UAV123@10fps is published at 10 frames a second; OTB and VOT clips were captured at 30.
        var fps = name.Contains("10fps", StringComparison.Ordinal) ? 10.0 : 30.0;
        return new GroundTruth(name, width, height, fps, centres);
    }

    /// <summary>Reads the frame size from the JPEG's start-of-frame marker.</summary>
    private static (int Width, int Height) JpegSize(string path)
    {
        var bytes = File.ReadAllBytes(path);
        for (var i = 2; i + 9 < bytes.Length;)
        {
            if (bytes[i] != 0xFF)
            {
                i++;
                continue;
            }
            var marker = bytes[i + 1];
            var length = (bytes[i + 2] << 8) | bytes[i + 3];
            if (marker is >= 0xC0 and <= 0xCF && marker is not (0xC4 or 0xC8 or 0xCC))
            {
                return ((bytes[i + 7] << 8) | bytes[i + 8], (bytes[i + 5] << 8) | bytes[i + 6]);
            }
            i += 2 + length;
        }
        throw new InvalidDataException($"No JPEG frame header in {path}.");
    }
}
