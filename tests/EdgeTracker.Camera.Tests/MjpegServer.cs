using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace EdgeTracker.Camera.Tests;

/// <summary>
/// A real network camera on loopback: ffmpeg serving a multipart MJPEG test picture over HTTP
/// (<c>-f mpjpeg -listen 1</c>). It can be killed, frozen (SIGSTOP) and started again on the same port.
/// </summary>
internal sealed partial class MjpegServer : IDisposable
{
    private Process? _process;

    public MjpegServer(int port) => Port = port;

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/";

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts ffmpeg and returns once it accepts connections (so the camera's first open is not a race).</summary>
    public void Start()
    {
        var info = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true };
        foreach (var a in new[]
                 {
                     "-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=15",
                     "-q:v", "5", "-f", "mpjpeg", "-listen", "1", Url,
                 })
        {
            info.ArgumentList.Add(a);
        }
        _process = Process.Start(info)!;
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        WaitUntilListening();
    }

    private void WaitUntilListening()
    {
        // Poll the port: /proc/net/tcp lists ffmpeg's socket once it has bound it. Connecting instead would consume
        // ffmpeg's single -listen 1 client. A camera already retrying may be accepted between two polls, after
        // which ffmpeg closes its listening socket: an ESTABLISHED socket on the port counts as ready too.
        var localPort = $":{Port:X4}";
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
            {
                var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (columns[1].EndsWith(localPort, StringComparison.Ordinal) && columns[3] is "0A" or "01")
                {
                    return;
                }
            }
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"ffmpeg exited with {_process.ExitCode} before listening on {Port}.");
            }
            Thread.Sleep(20);
        }
        throw new TimeoutException($"ffmpeg did not listen on {Port} within 20 s.");
    }

    /// <summary>Kills ffmpeg (SIGKILL: the connection drops as if the camera lost power).</summary>
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

    /// <summary>Freezes ffmpeg: the TCP connection stays up but no byte flows (a hung camera).</summary>
    public void Freeze() => Signal(19 /* SIGSTOP */);

    private void Signal(int signal)
    {
        if (_process is { HasExited: false } && SendSignal(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    public void Dispose() => Kill();
}
