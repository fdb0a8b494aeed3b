using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace EdgeTracker.Messaging.Mqtt;

/// <summary>
/// One connection to the broker — TCP, optionally TLS — that reads and writes whole packets. Reads go through a
/// receive buffer that only grows up to the maximum packet size (checked from the fixed header before the body
/// arrives); writes are serialised by a lock so the send loop, acknowledgements and pings never interleave bytes.
/// Knows nothing of sessions or reconnects: when anything fails, the owner disposes it and opens a new one.
/// </summary>
public sealed class MqttChannel : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly int _maxPacketSize;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly MqttBufferWriter _writer = new(1024);
    private byte[] _receive;
    private int _start;
    private int _end;

    private MqttChannel(Socket socket, Stream stream, int maxPacketSize)
    {
        _socket = socket;
        _stream = stream;
        _maxPacketSize = maxPacketSize;
        _receive = ArrayPool<byte>.Shared.Rent(8192);
    }

    /// <summary>Opens TCP (and TLS when configured) to the broker.</summary>
    /// <exception cref="MqttConnectException">The broker cannot be reached or TLS fails; the message says which and why.</exception>
    public static async Task<MqttChannel> OpenAsync(MqttClientOptions options, CancellationToken cancellationToken)
    {
        // Certificates first: a missing or unreadable file is a configuration error worth naming before any network noise.
        X509Certificate2Collection? ca = null;
        X509Certificate2? clientCertificate = null;
        if (options.Tls is { } tlsFiles)
        {
            ca = Load(() => tlsFiles.LoadCaCertificates(), "CA file", tlsFiles.CaFile);
            clientCertificate = Load(() => tlsFiles.LoadClientCertificate(), "client certificate", tlsFiles.ClientCertificateFile);
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(options.Host, options.Port, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new MqttConnectException($"cannot reach the MQTT broker at {options.Host}:{options.Port}: {e.Message}", inner: e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        Stream stream = new NetworkStream(socket, ownsSocket: true);
        if (options.Tls is { } tls)
        {
            try
            {
                stream = await AuthenticateAsync(stream, options, tls, ca, clientCertificate, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await stream.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        return new MqttChannel(socket, stream, options.MaxPacketSize);
    }

    private static T? Load<T>(Func<T?> load, string what, string? path) where T : class
    {
        try
        {
            return load();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new MqttConnectException($"TLS {what} '{path}' cannot be loaded: {e.Message}", inner: e);
        }
    }

    private static async Task<Stream> AuthenticateAsync(Stream inner, MqttClientOptions options, MqttTlsOptions tls,
        X509Certificate2Collection? ca, X509Certificate2? clientCertificate, CancellationToken cancellationToken)
    {
        var rejection = (string?)null;
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        var authentication = new SslClientAuthenticationOptions
        {
            TargetHost = tls.ServerName ?? options.Host,
            EnabledSslProtocols = SslProtocols.None, // the system's best (TLS 1.2/1.3)
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                if (!tls.CheckHostName)
                {
                    errors &= ~SslPolicyErrors.RemoteCertificateNameMismatch;
                }
                if (errors != SslPolicyErrors.None)
                {
                    var statuses = chain?.ChainStatus.Select(s => $"{s.Status}: {s.StatusInformation.Trim()}") ?? [];
                    rejection = $"{errors} [{string.Join("; ", statuses)}] for certificate '{certificate?.Subject}'";
                }
                return errors == SslPolicyErrors.None;
            },
        };
        if (ca is not null)
        {
            // Trust exactly the configured CA(s), not the system store.
            authentication.CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            authentication.CertificateChainPolicy.CustomTrustStore.AddRange(ca);
        }
        try
        {
            await ssl.AuthenticateAsClientAsync(authentication, cancellationToken).ConfigureAwait(false);
            return ssl;
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            var why = rejection is null ? e.Message : $"the broker's certificate was rejected: {rejection}";
            throw new MqttConnectException($"TLS handshake with {options.Host}:{options.Port} failed: {why}", inner: e);
        }
    }

    /// <summary>Reads the next whole packet.</summary>
    /// <exception cref="MqttProtocolException">The broker sent a malformed or oversized packet.</exception>
    /// <exception cref="EndOfStreamException">The broker closed the connection.</exception>
    public async ValueTask<MqttPacket> ReadPacketAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var status = MqttPacketDecoder.TryDecode(_receive.AsSpan(_start, _end - _start), _maxPacketSize,
                out var packet, out var consumed, out var fault);
            if (status == MqttDecodeStatus.Complete)
            {
                _start += consumed;
                if (_start == _end)
                {
                    _start = _end = 0;
                }
                return packet!;
            }
            if (status == MqttDecodeStatus.Malformed)
            {
                throw new MqttProtocolException(fault!);
            }
            // Incomplete: make room (the needed size is bounded by the maximum packet size, checked above), then read.
            var needed = Math.Max(consumed, _end - _start + 1);
            if (_start > 0 && _receive.Length - _start < needed)
            {
                Buffer.BlockCopy(_receive, _start, _receive, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_receive.Length < needed)
            {
                var larger = ArrayPool<byte>.Shared.Rent(needed);
                Buffer.BlockCopy(_receive, 0, larger, 0, _end);
                ArrayPool<byte>.Shared.Return(_receive);
                _receive = larger;
            }
            var read = await _stream.ReadAsync(_receive.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new EndOfStreamException("the broker closed the connection");
            }
            _end += read;
        }
    }

    /// <summary>Encodes and writes one packet.</summary>
    public async ValueTask SendAsync(MqttPacket packet, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var bytes = MqttPacketEncoder.Encode(packet, _writer);
            await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Encodes and writes one PUBLISH from a topic and payload, without allocating a packet object.</summary>
    public async ValueTask SendPublishAsync(string topic, ReadOnlyMemory<byte> payload, MqttQos qos, bool retain,
        bool duplicate, ushort packetId, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var bytes = MqttPacketEncoder.EncodePublish(_writer, topic, payload.Span, qos, retain, duplicate, packetId);
            await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Drops the connection at once, without DISCONNECT — as a crash or a pulled cable would.</summary>
    public void Abort()
    {
        try
        {
            _socket.LingerState = new LingerOption(true, 0);
            _socket.Close();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
        var buffer = Interlocked.Exchange(ref _receive, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
