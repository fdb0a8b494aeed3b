using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace EdgeTracker.IntegrationTests.Messaging;

/// <summary>
/// A real mosquitto (Debian's /usr/sbin/mosquitto) on a free loopback port, with its own config, password file,
/// certificates and persistence directory in a temp folder. Stop sends SIGTERM, so mosquitto saves its persistent
/// sessions as in production; Start on the same port brings them back.
/// </summary>
public sealed partial class MosquittoBroker : IAsyncDisposable
{
    public const string Executable = "/usr/sbin/mosquitto";
    private readonly StringBuilder _log = new();
    private Process? _process;

    private MosquittoBroker(string directory, int port)
    {
        Directory = directory;
        Port = port;
    }

    public string Directory { get; }
    public int Port { get; }
    public string Host => "127.0.0.1";
    public string ConfigPath => Path.Combine(Directory, "mosquitto.conf");

    /// <summary>Everything mosquitto printed so far (for assertion messages).</summary>
    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <summary>Creates the folder and config and starts the broker. <paramref name="extraConfig"/> is appended to
    /// the listener section (e.g. TLS or password settings); <c>{dir}</c> in it stands for the broker's folder, where
    /// <paramref name="prepare"/> may write files first.</summary>
    public static async Task<MosquittoBroker> StartAsync(string extraConfig = "", bool allowAnonymous = true, Func<string, Task>? prepare = null, int? port = null)
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing: install Debian's mosquitto package (apt-get install mosquitto mosquitto-clients).");
        }
        var directory = Path.Combine(Path.GetTempPath(), "edgetracker-mosquitto-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        if (prepare is not null)
        {
            await prepare(directory);
        }
        extraConfig = extraConfig.Replace("{dir}", directory, StringComparison.Ordinal);
        var broker = new MosquittoBroker(directory, port ?? FreePort());
        var user = Environment.UserName == "root" ? "user root\n" : "";
        File.WriteAllText(broker.ConfigPath, $"""
            {user}persistence true
            persistence_location {directory}/
            autosave_interval 0
            log_dest stdout
            log_type all
            connection_messages true
            per_listener_settings false
            allow_anonymous {(allowAnonymous ? "true" : "false")}
            max_queued_messages 10000
            listener {broker.Port} 127.0.0.1
            {extraConfig}

            """);
        await broker.StartAsync();
        return broker;
    }

    /// <summary>Starts (or restarts) mosquitto with the same config and port, and waits until it accepts connections.</summary>
    public async Task StartAsync()
    {
        if (_process is { HasExited: false })
        {
            throw new InvalidOperationException("mosquitto is already running");
        }
        var info = new ProcessStartInfo(Executable, ["-c", ConfigPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(info) ?? throw new InvalidOperationException("mosquitto did not start");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        // Readiness: mosquitto accepts TCP once its listener is bound. Retrying a connect is the only signal it gives.
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"mosquitto exited with {process.ExitCode} at start:\n{Log}");
            }
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Stops mosquitto gracefully (SIGTERM: it saves persistent sessions) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }
        _ = Kill(process.Id, 15);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        _process?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Runs a mosquitto client tool (mosquitto_pub, mosquitto_sub, mosquitto_passwd) and returns its output.</summary>
    public static async Task<(int ExitCode, string StdOut, string StdErr)> RunToolAsync(string tool, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(tool, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{tool} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"{tool} {string.Join(' ', arguments)} did not finish within {timeout}: {await stderr}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
