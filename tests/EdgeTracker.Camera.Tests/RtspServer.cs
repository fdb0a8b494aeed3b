using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeTracker.Camera.Tests;

/// <summary>
/// A minimal RTSP camera on loopback for tests (no RTSP server library exists on this machine): ffmpeg encodes a
/// test picture to MJPEG and sends it as RTP (payload 26) over UDP to this class, which answers rtspsrc's
/// OPTIONS/DESCRIBE/SETUP/PLAY and relays the RTP packets interleaved on the RTSP TCP connection
/// (RTP/AVP/TCP, RFC 2326 §10.12). Stop() drops everything like a camera losing power.
/// </summary>
internal sealed class RtspServer : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<NetworkStream> _playing = [];
    private TcpListener? _listener;
    private UdpClient? _rtpIn;
    private UdpClient? _rtcpIn;
    private Process? _ffmpeg;
    private CancellationTokenSource? _stop;

    public RtspServer(int port) => Port = port;

    public int Port { get; }

    public string Url => $"rtsp://127.0.0.1:{Port}/test";

    public void Start()
    {
        _stop = new CancellationTokenSource();
        _rtpIn = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var rtpPort = ((IPEndPoint)_rtpIn.Client.LocalEndPoint!).Port;
        try
        {
            _rtcpIn = new UdpClient(new IPEndPoint(IPAddress.Loopback, rtpPort + 1)); // ffmpeg's RTCP goes here, unread
        }
        catch (SocketException)
        {
            _rtcpIn = null;
        }
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        var token = _stop.Token;
        _ = Task.Run(() => Accept(_listener, token), token);
        _ = Task.Run(() => Relay(_rtpIn, token), token);

        var info = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in new[]
                 {
                     "-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=15",
                     "-c:v", "mjpeg", "-huffman", "default", "-pix_fmt", "yuvj420p", // RFC 2435 needs standard tables
                     "-q:v", "5", "-f", "rtp", $"rtp://127.0.0.1:{rtpPort}",
                 })
        {
            info.ArgumentList.Add(a);
        }
        _ffmpeg = Process.Start(info)!;
        _ffmpeg.ErrorDataReceived += (_, _) => { };
        _ffmpeg.BeginErrorReadLine();
    }

    public void Stop()
    {
        _stop?.Cancel();
        if (_ffmpeg is { HasExited: false })
        {
            _ffmpeg.Kill();
            _ffmpeg.WaitForExit();
        }
        _ffmpeg?.Dispose();
        _ffmpeg = null;
        _listener?.Stop();
        _listener = null;
        lock (_gate)
        {
            foreach (var s in _playing)
            {
                s.Socket.Close(0);
            }
            _playing.Clear();
        }
        _rtpIn?.Dispose();
        _rtcpIn?.Dispose();
        _rtpIn = _rtcpIn = null;
    }

    private async Task Accept(TcpListener listener, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(token);
            }
            catch (Exception) when (token.IsCancellationRequested || !listener.Server.IsBound)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                return;
            }
            _ = Task.Run(() => Serve(client, token), token);
        }
    }

    /// <summary>Answers one client's requests; skips interleaved RTCP it sends back.</summary>
    private async Task Serve(TcpClient client, CancellationToken token)
    {
        using var _ = client;
        var stream = client.GetStream();
        var buffer = new List<byte>();
        var one = new byte[1];
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (await stream.ReadAsync(one, token) == 0)
                {
                    return;
                }
                if (buffer.Count == 0 && one[0] == (byte)'$')
                {
                    var header = new byte[3];
                    await stream.ReadExactlyAsync(header, token);
                    await stream.ReadExactlyAsync(new byte[header[1] << 8 | header[2]], token);
                    continue;
                }
                buffer.Add(one[0]);
                if (buffer.Count < 4 || !(buffer[^4] == '\r' && buffer[^3] == '\n' && buffer[^2] == '\r' && buffer[^1] == '\n'))
                {
                    continue;
                }
                var request = Encoding.ASCII.GetString(buffer.ToArray());
                buffer.Clear();
                await Respond(stream, request, token);
            }
        }
        catch (Exception) when (token.IsCancellationRequested)
        {
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            lock (_gate)
            {
                _playing.Remove(stream);
            }
        }
    }

    private async Task Respond(NetworkStream stream, string request, CancellationToken token)
    {
        var lines = request.Split("\r\n");
        var method = lines[0].Split(' ')[0];
        var cseq = lines.FirstOrDefault(l => l.StartsWith("CSeq:", StringComparison.OrdinalIgnoreCase))?[5..].Trim() ?? "0";
        var headers = new StringBuilder();
        var body = "";
        var status = "200 OK";
        switch (method)
        {
            case "OPTIONS":
                headers.Append("Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER\r\n");
                break;
            case "DESCRIBE":
                body = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=EdgeTracker test\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
                       "m=video 0 RTP/AVP 26\r\na=rtpmap:26 JPEG/90000\r\na=control:track0\r\n";
                headers.Append($"Content-Base: {Url}/\r\nContent-Type: application/sdp\r\n");
                break;
            case "SETUP":
                if (!request.Contains("RTP/AVP/TCP", StringComparison.Ordinal))
                {
                    status = "461 Unsupported Transport";
                    break;
                }
                headers.Append("Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nSession: 4242;timeout=60\r\n");
                break;
            case "PLAY":
                headers.Append("Session: 4242\r\nRange: npt=0.000-\r\n");
                break;
            case "GET_PARAMETER":
            case "TEARDOWN":
                headers.Append("Session: 4242\r\n");
                break;
            default:
                status = "501 Not Implemented";
                break;
        }
        var response = $"RTSP/1.0 {status}\r\nCSeq: {cseq}\r\n{headers}Content-Length: {Encoding.ASCII.GetByteCount(body)}\r\n\r\n{body}";
        var bytes = Encoding.ASCII.GetBytes(response);
        lock (_gate)
        {
            stream.Write(bytes);
            if (method == "PLAY")
            {
                _playing.Add(stream);
            }
        }
        await Task.CompletedTask;
    }

    /// <summary>Forwards every RTP packet from ffmpeg to every playing client, framed as interleaved channel 0.</summary>
    private async Task Relay(UdpClient rtp, CancellationToken token)
    {
        var frame = new byte[4 + 65536];
        while (!token.IsCancellationRequested)
        {
            UdpReceiveResult packet;
            try
            {
                packet = await rtp.ReceiveAsync(token);
            }
            catch (Exception)
            {
                return;
            }
            var length = packet.Buffer.Length;
            frame[0] = (byte)'$';
            frame[1] = 0;
            frame[2] = (byte)(length >> 8);
            frame[3] = (byte)length;
            packet.Buffer.CopyTo(frame, 4);
            lock (_gate)
            {
                for (var i = _playing.Count - 1; i >= 0; i--)
                {
                    try
                    {
                        _playing[i].Write(frame, 0, 4 + length);
                    }
                    catch (Exception)
                    {
                        _playing.RemoveAt(i);
                    }
                }
            }
        }
    }

    public void Dispose() => Stop();
}
