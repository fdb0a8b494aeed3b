using System.Diagnostics;
using EdgeTracker.Testing;

namespace EdgeTracker.IntegrationTests.Daemon;

/// <summary>The shipped unit file, as systemd itself reads it.</summary>
public sealed class SystemdUnitTests
{
    [Fact]
    public void Systemd_analyze_verify_accepts_the_unit_pointed_at_the_built_executable()
    {
        var unit = File.ReadAllText(Path.Combine(TestData.RepoRoot, "systemd", "edgetracker.service"));
        Assert.Contains("Type=notify", unit);
        Assert.Contains("WatchdogSec=", unit);

        // verify checks that ExecStart's program exists: point it where the build put it, as install.sh does.
        var dir = Directory.CreateTempSubdirectory("et-unit-");
        try
        {
            var path = Path.Combine(dir.FullName, "edgetracker.service");
            File.WriteAllText(path, unit.Replace("/opt/edgetracker/edgetracker", DaemonProcess.Executable, StringComparison.Ordinal));
            var (exit, output) = Run("systemd-analyze", "verify", path);
            Assert.True(exit == 0 && !output.Contains("edgetracker.service:", StringComparison.Ordinal),
                $"systemd-analyze verify rejected the unit (exit {exit}):\n{output}");
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Systemd_analyze_security_rates_the_unit_well_protected()
    {
        var unit = Path.Combine(TestData.RepoRoot, "systemd", "edgetracker.service");
        var (exit, output) = Run("systemd-analyze", "security", "--offline=true", unit);
        Assert.True(exit == 0, $"systemd-analyze security failed (exit {exit}):\n{output}");
        // The summary line reads "→ Overall exposure level for edgetracker.service: 1.6 OK 🙂" (0 = locked down, 10 = open).
        var line = output.Split('\n').Single(l => l.Contains("Overall exposure level", StringComparison.Ordinal));
        var value = double.Parse(line.Split(':')[1].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(value <= 2.5, $"exposure {value} is above the 2.5 docs/deployment.md promises:\n{line}");
    }

    private static (int Exit, string Output) Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill();
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish in 60 s");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
