using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace EdgeTracker.IntegrationTests.Daemon;

/// <summary>The real executable under a fake systemd: NOTIFY_SOCKET and WATCHDOG_USEC set as systemd sets them.</summary>
public sealed class SystemdProtocolTests(ITestOutputHelper output)
{
    [Fact]
    public void The_daemon_sends_READY_STATUS_watchdog_pings_and_STOPPING_to_its_notify_socket()
    {
        var path = Path.Combine(Path.GetTempPath(), $"et-notify-{Guid.NewGuid():N}.sock");
        using var systemd = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        systemd.Bind(new UnixDomainSocketEndPoint(path));
        var received = new List<(double Seconds, string Message)>();
        var clock = Stopwatch.StartNew();
        try
        {
            using var daemon = new DaemonProcess(new Dictionary<string, string> { ["NOTIFY_SOCKET"] = path, ["WATCHDOG_USEC"] = "2000000" },
                "--Mqtt:Enabled=false", "--Cameras:0:Source=test://ball", "--Tracking:Model=siamfc-default", "--Inference:Providers=cpu",
                "--Systemd:StatusIntervalSeconds=1");
            var buffer = new byte[4096];
            systemd.ReceiveTimeout = 60_000;
            // Until READY, then three more seconds of pings and status lines.
            while (!received.Any(m => m.Message.StartsWith("READY=1", StringComparison.Ordinal)) || clock.Elapsed.TotalSeconds < received.First(m => m.Message.StartsWith("READY=1", StringComparison.Ordinal)).Seconds + 3)
            {
                var n = systemd.Receive(buffer);
                received.Add((clock.Elapsed.TotalSeconds, Encoding.UTF8.GetString(buffer, 0, n)));
            }
            Assert.Equal(0, daemon.Stop(TimeSpan.FromSeconds(30)));
            systemd.ReceiveTimeout = 5_000;
            while (true)
            {
                try
                {
                    var n = systemd.Receive(buffer);
                    received.Add((clock.Elapsed.TotalSeconds, Encoding.UTF8.GetString(buffer, 0, n)));
                }
                catch (SocketException)
                {
                    break;
                }
            }
            output.WriteLine(string.Join("\n", received.Select(m => $"{m.Seconds,6:0.00} s  {m.Message.Replace("\n", " | ")}")));

            var ready = received.Single(m => m.Message.StartsWith("READY=1", StringComparison.Ordinal));
            Assert.Contains("STATUS=1 camera: cam0 open", ready.Message);
            Assert.Contains("model siamfc-default on cpu; broker disabled", ready.Message);
            // Pings at least every half interval (1 s) while the pipeline runs; status lines after READY.
            var pings = received.Where(m => m.Message == "WATCHDOG=1" && m.Seconds > ready.Seconds).Select(m => m.Seconds).ToList();
            Assert.True(pings.Count >= 4, $"{pings.Count} pings in 3 s");
            Assert.True(pings.Zip(pings.Skip(1), (a, b) => b - a).All(gap => gap < 1.5), "a gap between pings exceeded 1.5 s");
            Assert.Contains(received, m => m.Seconds > ready.Seconds && m.Message.StartsWith("STATUS=1 camera", StringComparison.Ordinal));
            Assert.StartsWith("STOPPING=1", received.Last().Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
