using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using EdgeTracker.Testing;

namespace EdgeTracker.IntegrationTests.Daemon;

internal static partial class Ports
{
    /// <summary>A TCP port free on loopback right now (the OS picks it).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until something listens on <paramref name="port"/> (read from /proc, so no connection is used up).</summary>
    public static void WaitListening(int port, TimeSpan timeout, Func<bool>? exited = null)
    {
        var hex = $":{port:X4} ";
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (File.ReadLines("/proc/net/tcp").Any(l => l.Contains(hex, StringComparison.Ordinal) && l.Contains(" 0A ", StringComparison.Ordinal)))
            {
                return;
            }
            if (exited?.Invoke() == true)
            {
                throw new InvalidOperationException($"the process exited before listening on port {port}");
            }
            Thread.Sleep(20);
        }
        throw new TimeoutException($"nothing listened on port {port} within {timeout}");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static partial int Signal(int pid, int signal);
}

/// <summary>A real mosquitto on a free loopback port with its own configuration; can be killed and started again.</summary>
internal sealed class Broker : IDisposable
{
    private readonly string _config;
    private Process? _process;

    public Broker()
    {
        Port = Ports.Free();
        _config = Path.Combine(Path.GetTempPath(), $"et-mosquitto-{Port}.conf");
        File.WriteAllText(_config, $"listener {Port} 127.0.0.1\nallow_anonymous true\npersistence false\n");
        Start();
    }

    public int Port { get; }

    public void Start()
    {
        var info = new ProcessStartInfo("mosquitto") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(_config);
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Ports.WaitListening(Port, TimeSpan.FromSeconds(20), () => _process.HasExited);
    }

    /// <summary>SIGKILL: the broker vanishes as in a crash.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process?.Dispose();
        _process = null;
    }

    /// <summary>Publishes with mosquitto_pub (a third-party client) at QoS 1.</summary>
    public void Publish(string topic, string payload)
    {
        var info = new ProcessStartInfo("mosquitto_pub") { RedirectStandardError = true };
        foreach (var a in new[] { "-h", "127.0.0.1", "-p", Port.ToString(), "-q", "1", "-t", topic, "-m", payload }) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        if (!p.WaitForExit(20_000) || p.ExitCode != 0)
        {
            throw new InvalidOperationException($"mosquitto_pub failed: {p.StandardError.ReadToEnd()}");
        }
    }

    /// <summary>Starts mosquitto_sub for one raw message on <paramref name="topic"/>; await the task for its bytes.</summary>
    public Task<byte[]> ReceiveOneAsync(string topic, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("mosquitto_sub") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-h", "127.0.0.1", "-p", Port.ToString(), "-q", "1", "-t", topic, "-C", "1", "-N", "-W", ((int)timeout.TotalSeconds).ToString() })
        {
            info.ArgumentList.Add(a);
        }
        var p = Process.Start(info)!;
        return Task.Run(async () =>
        {
            using (p)
            {
                using var bytes = new MemoryStream();
                await p.StandardOutput.BaseStream.CopyToAsync(bytes);
                await p.WaitForExitAsync();
                return bytes.ToArray();
            }
        });
    }

    public void Dispose()
    {
        Kill();
        File.Delete(_config);
    }
}

/// <summary>
/// mosquitto_sub (a third-party client) on <c>edgetracker/&lt;device&gt;/#</c>: every message it prints is kept,
/// with its JSON parsed, and tests wait for the ones they need.
/// </summary>
internal sealed class Watcher : IDisposable
{
    private readonly ConcurrentQueue<(string Topic, string Payload)> _all = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly Process _process;

    public Watcher(int port, string filter)
    {
        var info = new ProcessStartInfo("mosquitto_sub") { RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = Encoding.UTF8 };
        foreach (var a in new[] { "-h", "127.0.0.1", "-p", port.ToString(), "-q", "1", "-t", filter, "-v", "-T", "+/+/+/snapshot" }) info.ArgumentList.Add(a);
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { } line) return;
            var space = line.IndexOf(' ');
            if (space <= 0) return;
            _all.Enqueue((line[..space], line[(space + 1)..]));
            _arrived.Release();
        };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public IReadOnlyList<(string Topic, string Payload)> All => _all.ToArray();

    public IEnumerable<JsonElement> Json(string topicSuffix) =>
        All.Where(m => m.Topic.EndsWith(topicSuffix, StringComparison.Ordinal)).Select(m => JsonDocument.Parse(m.Payload).RootElement);

    /// <summary>Waits for a message on a topic ending with <paramref name="topicSuffix"/> whose JSON matches.</summary>
    /// <summary>How many messages arrived so far: pass it as <c>since</c> to wait only for later ones.</summary>
    public int Mark => _all.Count;

    public JsonElement WaitFor(string topicSuffix, Func<JsonElement, bool> match, TimeSpan timeout, int since = 0)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            foreach (var m in _all.Skip(since))
            {
                if (!m.Topic.EndsWith(topicSuffix, StringComparison.Ordinal)) continue;
                JsonElement json;
                try { json = JsonDocument.Parse(m.Payload).RootElement; } catch (JsonException) { continue; }
                if (match(json)) return json;
            }
            var left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                var seen = string.Join("\n", All.Where(m => !m.Topic.EndsWith("/tracks", StringComparison.Ordinal)).TakeLast(15).Select(m => $"{m.Topic} {m.Payload}"));
                throw new TimeoutException($"no matching message on *{topicSuffix} within {timeout}. Last non-track messages:\n{seen}");
            }
            _arrived.Wait(left < TimeSpan.FromMilliseconds(500) ? left : TimeSpan.FromMilliseconds(500));
        }
    }

    /// <summary>Waits for a raw payload on a topic ending with <paramref name="topicSuffix"/>.</summary>
    public void WaitForText(string topicSuffix, string payload, TimeSpan timeout, int after = 0)
    {
        var clock = Stopwatch.StartNew();
        while (!All.Skip(after).Any(m => m.Topic.EndsWith(topicSuffix, StringComparison.Ordinal) && m.Payload == payload))
        {
            if (clock.Elapsed > timeout) throw new TimeoutException($"no '{payload}' on *{topicSuffix} within {timeout}");
            _arrived.Wait(TimeSpan.FromMilliseconds(500));
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }
}

/// <summary>The real <c>edgetracker</c> executable from the Release build, run as a separate process.</summary>
internal sealed class DaemonProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public static string Executable
    {
        get
        {
            var path = Path.Combine(TestData.RepoRoot, "src", "EdgeTracker", "bin", "Release", "net10.0", "edgetracker");
            return File.Exists(path) ? path : throw new InvalidOperationException($"'{path}' does not exist: build the solution in Release first (dotnet build Edge.sln -c Release).");
        }
    }

    public DaemonProcess(params string[] arguments) : this(null, arguments)
    {
    }

    /// <param name="environment">Extra environment variables (e.g. NOTIFY_SOCKET and WATCHDOG_USEC, as systemd sets them).</param>
    /// <param name="arguments">Arguments after <c>run</c>.</param>
    public DaemonProcess(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        HttpPort = Ports.Free();
        var info = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestData.RepoRoot };
        info.ArgumentList.Add("run");
        info.ArgumentList.Add($"--Http:Urls=http://127.0.0.1:{HttpPort}");
        foreach (var a in arguments) info.ArgumentList.Add(a);
        info.Environment["EDGETRACKER_DATA"] = TestData.Root;
        info.Environment.Remove("NOTIFY_SOCKET");
        info.Environment.Remove("WATCHDOG_USEC");
        info.Environment.Remove("WATCHDOG_PID");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _log.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _log.Enqueue(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        BaseUrl = $"http://127.0.0.1:{HttpPort}";
    }

    public int HttpPort { get; }
    public string BaseUrl { get; }
    /// <summary>The process id (to read /proc/&lt;id&gt;/status).</summary>
    public int Id => _process.Id;
    public string Log => string.Join("\n", _log);
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Waits for the process to exit and for its output to be read to the end.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) return false;
        _process.WaitForExit(); // drains the asynchronous stdout/stderr readers
        return true;
    }

    public void WaitListening() => Ports.WaitListening(HttpPort, TimeSpan.FromSeconds(60), () => _process.HasExited);

    public async Task<(int Status, JsonElement Body)> HealthAsync()
    {
        using var response = await _http.GetAsync(BaseUrl + "/healthz");
        return ((int)response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
    }

    public Task<string> MetricsAsync() => _http.GetStringAsync(BaseUrl + "/metrics");

    /// <summary>Polls /healthz until <paramref name="match"/> holds.</summary>
    public async Task<JsonElement> WaitHealthAsync(Func<int, JsonElement, bool> match, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        (int Status, JsonElement Body) last = default;
        while (clock.Elapsed < timeout)
        {
            try
            {
                last = await HealthAsync();
                if (match(last.Status, last.Body)) return last.Body;
            }
            catch (HttpRequestException)
            {
            }
            if (_process.HasExited) throw new InvalidOperationException($"the daemon exited with {_process.ExitCode}:\n{Log}");
            await Task.Delay(200);
        }
        throw new TimeoutException($"/healthz did not reach the expected state within {timeout}; last: {last.Status} {last.Body}");
    }

    /// <summary>SIGTERM, as systemd stops the service; returns the exit code.</summary>
    public int Stop(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            Ports.Signal(_process.Id, 15);
            if (!_process.WaitForExit(timeout))
            {
                _process.Kill();
                _process.WaitForExit();
                throw new TimeoutException($"the daemon did not stop within {timeout} of SIGTERM");
            }
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
        _http.Dispose();
    }
}

/// <summary>
/// A network camera on loopback: an HTTP server streaming multipart MJPEG (as IP cameras do) from a real
/// sequence's JPEG files at 15 fps, looping. <see cref="Kill"/> drops every connection and stops listening, as a
/// camera losing power; <see cref="Start"/> brings it back on the same port.
/// </summary>
internal sealed class NetworkCamera : IDisposable
{
    private readonly byte[][] _jpegs;
    private readonly List<TcpClient> _clients = [];
    private TcpListener? _listener;
    private CancellationTokenSource? _stop;

    public NetworkCamera(string sequenceFolder)
    {
        var images = Directory.Exists(Path.Combine(sequenceFolder, "img")) ? Path.Combine(sequenceFolder, "img") : sequenceFolder;
        _jpegs = Directory.GetFiles(images, "*.jpg").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        Port = Ports.Free();
        Start();
    }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}/video.mjpg";

    public void Start()
    {
        _stop = new CancellationTokenSource();
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        var listener = _listener;
        var token = _stop.Token;
        _ = Task.Run(async () =>
        {
            while (!token.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await listener.AcceptTcpClientAsync(token); } catch { return; }
                lock (_clients) _clients.Add(client);
                _ = Task.Run(() => Serve(client, token));
            }
        });
    }

    private async Task Serve(TcpClient client, CancellationToken token)
    {
        try
        {
            using (client)
            {
                var stream = client.GetStream();
                var request = new byte[4096];
                await stream.ReadAtLeastAsync(request, 1, throwOnEndOfStream: false, token); // the GET; its details do not matter here
                await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.0 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=frame\r\nCache-Control: no-cache\r\n\r\n"), token);
                var clock = Stopwatch.StartNew();
                for (var i = 0; !token.IsCancellationRequested; i++)
                {
                    var jpeg = _jpegs[i % _jpegs.Length];
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: {jpeg.Length}\r\n\r\n"), token);
                    await stream.WriteAsync(jpeg, token);
                    await stream.WriteAsync("\r\n"u8.ToArray(), token);
                    var due = TimeSpan.FromSeconds((i + 1) / 15.0) - clock.Elapsed;
                    if (due > TimeSpan.Zero) await Task.Delay(due, token);
                }
            }
        }
        catch (Exception)
        {
            // The client went away or the camera was killed.
        }
    }

    public void Kill()
    {
        _stop?.Cancel();
        _listener?.Stop();
        lock (_clients)
        {
            foreach (var c in _clients)
            {
                // A client already closed by its own end has no socket left (TcpClient.Client is then null).
                c.Client?.Close(0);
            }
            _clients.Clear();
        }
        _listener = null;
    }

    public void Dispose() => Kill();
}
