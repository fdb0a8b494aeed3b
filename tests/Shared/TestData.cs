namespace EdgeTracker.Testing;

/// <summary>
/// Finds the shared, never-committed test data (sequences, third-party models, reference boxes) through
/// <c>EDGETRACKER_DATA</c>, default <c>../shared</c> beside the project root. A test that needs it fails with
/// a message that says where it looked: it never skips quietly.
/// </summary>
public static class TestData
{
    /// <summary>The project root: the folder holding Edge.sln, found from the test binaries upward.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The shared data folder; throws when it does not exist.</summary>
    public static string Root
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable("EDGETRACKER_DATA");
            var path = string.IsNullOrWhiteSpace(configured)
                ? Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"))
                : Path.GetFullPath(configured);
            if (!Directory.Exists(path))
            {
                throw new InvalidOperationException(
                    $"Shared test data not found at '{path}'. Set EDGETRACKER_DATA to the shared folder " +
                    "(it holds testdata/sequences and models); .ci/run sets it to ../shared.");
            }
            return path;
        }
    }

    /// <summary>The folder of real tracking sequences with ground truth.</summary>
    public static string Sequences => Existing(Path.Combine(Root, "testdata", "sequences"));

    /// <summary>The folder of third-party ONNX models.</summary>
    public static string Models => Existing(Path.Combine(Root, "models"));

    /// <summary>The folder of the NanoTrack reference pipeline's per-frame boxes.</summary>
    public static string Reference => Existing(Path.Combine(Root, "testdata", "reference"));

    /// <summary>One sequence folder by name, e.g. <c>otb_biker</c>.</summary>
    public static string Sequence(string name) => Existing(Path.Combine(Sequences, name));

    private static string Existing(string path) =>
        Directory.Exists(path) || File.Exists(path)
            ? path
            : throw new InvalidOperationException(
                $"Shared test data is incomplete: '{path}' is missing (EDGETRACKER_DATA='{Environment.GetEnvironmentVariable("EDGETRACKER_DATA")}').");

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Edge.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"Edge.sln not found above '{AppContext.BaseDirectory}'.");
    }
}
