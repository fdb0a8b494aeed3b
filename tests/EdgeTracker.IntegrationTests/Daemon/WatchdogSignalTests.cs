using System.Diagnostics;
using System.Globalization;
using EdgeTracker.Testing;

namespace EdgeTracker.IntegrationTests.Daemon;

/// <summary>
/// The signal systemd sends when the watchdog fires must actually end the daemon. systemd's default, SIGABRT, does
/// not: .NET's runtime handles SIGABRT, and for one sent from outside it only restores the default action and
/// returns. Under a real systemd (scripts/systemd-check) a SIGSTOP'ed daemon lived on after the watchdog's SIGABRT
/// until TimeoutAbortSec ran out and SIGKILL came; the unit therefore names its own WatchdogSignal.
/// </summary>
public sealed class WatchdogSignalTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, int> Signals = new(StringComparer.Ordinal)
    {
        ["SIGHUP"] = 1, ["SIGINT"] = 2, ["SIGQUIT"] = 3, ["SIGABRT"] = 6, ["SIGKILL"] = 9, ["SIGTERM"] = 15,
    };

    [Fact]
    public void The_units_WatchdogSignal_ends_the_daemon_within_TimeoutAbortSec_where_SIGABRT_does_not()
    {
        var unit = File.ReadAllLines(Path.Combine(TestData.RepoRoot, "systemd", "edgetracker.service"));
        var watchdogSignal = Setting(unit, "WatchdogSignal") ?? "SIGABRT"; // systemd's default when unset
        var abortTimeout = TimeSpan.FromSeconds(double.Parse(Setting(unit, "TimeoutAbortSec") ?? Setting(unit, "TimeoutStopSec") ?? "90", CultureInfo.InvariantCulture));
        Assert.True(Signals.ContainsKey(watchdogSignal), $"WatchdogSignal={watchdogSignal} is not one this test knows");

        // First the reason for the setting: SIGABRT from another process leaves the daemon running and serving.
        using (var daemon = Start())
        {
            try
            {
                Assert.Equal(0, Ports.Signal(daemon.Process.Id, Signals["SIGABRT"]));
                var diedOnAbort = daemon.Process.WaitForExit(TimeSpan.FromSeconds(5));
                Assert.False(diedOnAbort, diedOnAbort
                    ? $"the daemon exited ({daemon.Process.ExitCode}) on SIGABRT: .NET's handling changed; revisit WatchdogSignal in systemd/edgetracker.service\n{daemon.Log}"
                    : "");
                Ports.WaitListening(daemon.Port, TimeSpan.FromSeconds(5), () => daemon.Process.HasExited);
            }
            finally
            {
                // SIGKILL, not a second SIGABRT: the first one restored the default action, a second would dump core.
                Kill(daemon.Process);
            }
        }

        // Then the unit's choice, sent once to a fresh daemon as systemd does, within the time before its SIGKILL.
        using (var daemon = Start())
        {
            try
            {
                var clock = Stopwatch.StartNew();
                Assert.Equal(0, Ports.Signal(daemon.Process.Id, Signals[watchdogSignal]));
                var exited = daemon.Process.WaitForExit(abortTimeout);
                output.WriteLine($"WatchdogSignal={watchdogSignal}: exited {exited} after {clock.Elapsed.TotalSeconds:0.00} s (TimeoutAbortSec {abortTimeout.TotalSeconds} s)");
                Assert.True(exited, $"WatchdogSignal={watchdogSignal} did not end the daemon within TimeoutAbortSec={abortTimeout.TotalSeconds} s\n{daemon.Log}");
                daemon.Process.WaitForExit();
                if (watchdogSignal == "SIGTERM")
                {
                    Assert.Equal(0, daemon.Process.ExitCode);
                }
            }
            finally
            {
                Kill(daemon.Process);
            }
        }
    }

    private static void Kill(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    /// <summary>The last value of <c>Key=</c> in the unit (systemd's rule for single-valued settings); null when absent.</summary>
    private static string? Setting(string[] unit, string key) =>
        unit.Where(l => l.StartsWith(key + "=", StringComparison.Ordinal)).Select(l => l[(key.Length + 1)..].Trim()).LastOrDefault();

    private sealed class Running(Process process, int port, List<string> log) : IDisposable
    {
        public Process Process { get; } = process;
        public int Port { get; } = port;
        public string Log { get { lock (log) return string.Join("\n", log); } }
        public void Dispose() => Process.Dispose();
    }

    /// <summary>The built executable with the demo source, our model, no broker; returns once its web port listens.</summary>
    private static Running Start()
    {
        var port = Ports.Free();
        var info = new ProcessStartInfo(DaemonProcess.Executable) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestData.RepoRoot };
        foreach (var a in new[] { "run", $"--Http:Urls=http://127.0.0.1:{port}", "--Mqtt:Enabled=false", "--Cameras:0:Source=test://ball", "--Tracking:Model=siamfc-default", "--Inference:Providers=cpu" })
        {
            info.ArgumentList.Add(a);
        }
        info.Environment["EDGETRACKER_DATA"] = TestData.Root;
        info.Environment.Remove("NOTIFY_SOCKET");
        var log = new List<string>();
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var running = new Running(process, port, log);
        try
        {
            Ports.WaitListening(port, TimeSpan.FromSeconds(60), () => process.HasExited);
        }
        catch
        {
            if (!process.HasExited) process.Kill();
            throw new InvalidOperationException($"the daemon did not start:\n{running.Log}");
        }
        return running;
    }
}
