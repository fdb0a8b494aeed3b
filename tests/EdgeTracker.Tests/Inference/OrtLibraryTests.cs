using System.Diagnostics;
using EdgeTracker.Testing;

namespace EdgeTracker.Tests.Inference;

/// <summary>
/// The library search order's first step, in a child process (the library is loaded once per process): a configured
/// path that does not load is an error naming it, never silently replaced by the bundled build.
/// </summary>
public sealed class OrtLibraryTests
{
    [Fact]
    public async Task A_configured_library_that_does_not_load_is_named_and_the_command_fails()
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "edgetracker.dll");
        Assert.True(File.Exists(cli), cli);
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { cli, "track", "--source", TestData.Sequence("otb_crossing"), "--init", "205,151,17,50" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["EDGETRACKER_ONNXRUNTIME"] = "/nonexistent/libonnxruntime.so.1";
        start.Environment["EDGETRACKER_DATA"] = TestData.Root;
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        var error = await stderr;
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("/nonexistent/libonnxruntime.so.1", error);
        Assert.Contains("EDGETRACKER_ONNXRUNTIME", error);
        _ = await stdout;
    }
}
