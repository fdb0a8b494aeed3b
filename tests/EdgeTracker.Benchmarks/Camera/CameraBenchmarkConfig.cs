using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace EdgeTracker.Benchmarks.Camera;

/// <summary>
/// In-process (the pipelines and native libraries are the same either way, and it saves a rebuild per run),
/// few iterations (each operation already spans many frames), allocations measured.
/// </summary>
public sealed class CameraBenchmarkConfig : ManualConfig
{
    public CameraBenchmarkConfig()
    {
        AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(6).WithId("camera"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, BaselineRatioColumn.RatioMean);
        WithOptions(ConfigOptions.DisableOptimizationsValidator);
    }

    /// <summary>The shared data folder (EDGETRACKER_DATA, default ../shared beside the repository).</summary>
    public static string SharedData()
    {
        var configured = Environment.GetEnvironmentVariable("EDGETRACKER_DATA");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Edge.sln")))
            {
                return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
            }
        }
        throw new InvalidOperationException("Set EDGETRACKER_DATA to the shared data folder.");
    }
}
