using System.Net.Sockets;
using System.Text;

namespace EdgeTracker.Hosting.Systemd;

/// <summary>
/// The sd_notify protocol (systemd's notify socket): datagrams of <c>KEY=VALUE</c> lines sent to the unix socket
/// named by <c>NOTIFY_SOCKET</c>, a path or, with a leading '@', an abstract socket. Written over .NET's unix
/// sockets rather than libsystemd, which a container or a minimal image may not have; the protocol is stable
/// and documented in sd_notify(3).
/// </summary>
public sealed class SdNotify : IDisposable
{
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _endPoint;
    private readonly byte[] _buffer = new byte[1024];
    private readonly Lock _lock = new();

    /// <summary>Reads <c>NOTIFY_SOCKET</c>; without it (not started by systemd) every send does nothing.</summary>
    public SdNotify(string? notifySocket)
    {
        if (string.IsNullOrEmpty(notifySocket))
        {
            return;
        }
        if (notifySocket[0] is not ('/' or '@'))
        {
            throw new ArgumentException($"NOTIFY_SOCKET '{notifySocket}' is neither a path nor an abstract socket ('@name'); vsock sockets are not supported", nameof(notifySocket));
        }
        // An abstract socket's name starts with a NUL byte in the address; systemd writes it as '@'.
        _endPoint = new UnixDomainSocketEndPoint(notifySocket[0] == '@' ? "\0" + notifySocket[1..] : notifySocket);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        Address = notifySocket;
    }

    public static SdNotify FromEnvironment() => new(Environment.GetEnvironmentVariable("NOTIFY_SOCKET"));

    /// <summary>True when a notify socket was given (the process runs under systemd with Type=notify).</summary>
    public bool IsEnabled => _socket is not null;

    public string? Address { get; }

    /// <summary>
    /// The watchdog interval systemd expects pings within (WatchdogSec), when it is meant for this process
    /// (<c>WATCHDOG_PID</c> absent or ours).
    /// </summary>
    public static TimeSpan? WatchdogInterval()
    {
        var usec = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        var pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (!long.TryParse(usec, out var microseconds) || microseconds <= 0)
        {
            return null;
        }
        if (!string.IsNullOrEmpty(pid) && pid != Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            return null;
        }
        return TimeSpan.FromMicroseconds(microseconds);
    }

    public void Ready(string status) => Send($"READY=1\nSTATUS={OneLine(status)}");

    public void Status(string status) => Send($"STATUS={OneLine(status)}");

    public void Watchdog() => Send("WATCHDOG=1");

    public void Stopping(string status) => Send($"STOPPING=1\nSTATUS={OneLine(status)}");

    /// <summary>Sends one datagram; failures are returned, not thrown (systemd may be restarting).</summary>
    public SocketError Send(string message)
    {
        if (_socket is null)
        {
            return SocketError.Success;
        }
        lock (_lock)
        {
            var length = Encoding.UTF8.GetBytes(message.AsSpan(0, Math.Min(message.Length, _buffer.Length / 4)), _buffer);
            try
            {
                _socket.SendTo(_buffer.AsSpan(0, length), SocketFlags.None, _endPoint!);
                return SocketError.Success;
            }
            catch (SocketException e)
            {
                return e.SocketErrorCode;
            }
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    public void Dispose() => _socket?.Dispose();
}
