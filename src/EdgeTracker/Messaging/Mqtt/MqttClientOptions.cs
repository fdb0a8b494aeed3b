using System.Security.Cryptography.X509Certificates;

namespace EdgeTracker.Messaging.Mqtt;

/// <summary>How <see cref="MqttClient"/> connects and behaves. Validated by <see cref="Validate"/> when the client is built.</summary>
public sealed record MqttClientOptions
{
    /// <summary>Broker host name or address.</summary>
    public required string Host { get; init; }

    /// <summary>Broker port (1883 plain, 8883 TLS by convention).</summary>
    public int Port { get; init; } = 1883;

    /// <summary>The client identifier; must be stable for a persistent session.</summary>
    public required string ClientId { get; init; }

    /// <summary>True: the broker forgets subscriptions and queued messages at disconnect. False: a persistent
    /// session — QoS 1 messages for our subscriptions are kept by the broker while we are away.</summary>
    public bool CleanSession { get; init; } = true;

    /// <summary>Longest silence before the client sends PINGREQ; the broker drops us after 1.5 × this. Zero disables.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait for PINGRESP (or any packet) after a PINGREQ before declaring the connection dead.</summary>
    public TimeSpan PingTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time allowed for TCP connect, TLS handshake and CONNACK together; also for SUBACK.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>User name, or null for none.</summary>
    public string? UserName { get; init; }

    /// <summary>Password, or null for none (MQTT 3.1.1 allows a password only with a user name).</summary>
    public string? Password { get; init; }

    /// <summary>The last will the broker publishes if the connection ends without DISCONNECT.</summary>
    public MqttWill? Will { get; init; }

    /// <summary>TLS settings; null for plain TCP.</summary>
    public MqttTlsOptions? Tls { get; init; }

    /// <summary>First reconnect delay; doubled per failed attempt up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectMinDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest reconnect delay.</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Share of each delay that is random (0..1): delay = base × (1 − jitter × random), so many devices
    /// restarted by one broker outage do not reconnect in lock-step.</summary>
    public double ReconnectJitter { get; init; } = 0.5;

    /// <summary>Largest packet (remaining length) accepted from the broker or sent; larger ones close the connection.</summary>
    public int MaxPacketSize { get; init; } = 1024 * 1024;

    /// <summary>Capacity of the QoS 0 queue (tracks): when full, the oldest queued message is dropped and counted.</summary>
    public int QueueCapacity { get; init; } = 256;

    /// <summary>Capacity of the QoS 1 queue (events), in-flight messages included: when full, new messages are
    /// refused (and counted) so the queued ones stay complete and in order.</summary>
    public int ReliableQueueCapacity { get; init; } = 10_000;

    /// <summary>How many QoS 1 messages may await PUBACK at once.</summary>
    public int MaxInFlight { get; init; } = 32;

    /// <summary>Checks every setting; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        static void Fail(string name, string message) => throw new ArgumentException($"MQTT option {name} {message}.", name);
        if (string.IsNullOrWhiteSpace(Host)) Fail(nameof(Host), "is empty");
        if (Port is < 1 or > 65535) Fail(nameof(Port), $"must be 1..65535, got {Port}");
        if (ClientId is null || System.Text.Encoding.UTF8.GetByteCount(ClientId) > 65535) Fail(nameof(ClientId), "is missing or too long");
        if (ClientId!.Length == 0 && !CleanSession) Fail(nameof(ClientId), "must be set for a persistent session");
        if (KeepAlive < TimeSpan.Zero || KeepAlive.TotalSeconds > ushort.MaxValue) Fail(nameof(KeepAlive), $"must be 0..65535 s, got {KeepAlive}");
        if (PingTimeout <= TimeSpan.Zero) Fail(nameof(PingTimeout), "must be > 0");
        if (ConnectTimeout <= TimeSpan.Zero) Fail(nameof(ConnectTimeout), "must be > 0");
        if (Password is not null && UserName is null) Fail(nameof(Password), "needs a UserName (MQTT 3.1.1)");
        if (ReconnectMinDelay <= TimeSpan.Zero) Fail(nameof(ReconnectMinDelay), "must be > 0");
        if (ReconnectMaxDelay < ReconnectMinDelay) Fail(nameof(ReconnectMaxDelay), "must be >= ReconnectMinDelay");
        if (ReconnectJitter is < 0 or > 1 || double.IsNaN(ReconnectJitter)) Fail(nameof(ReconnectJitter), "must be in 0..1");
        if (MaxPacketSize is < 64 or > MqttLimits.MaxRemainingLength) Fail(nameof(MaxPacketSize), $"must be 64..{MqttLimits.MaxRemainingLength}");
        if (QueueCapacity < 1) Fail(nameof(QueueCapacity), "must be >= 1");
        if (ReliableQueueCapacity < 1) Fail(nameof(ReliableQueueCapacity), "must be >= 1");
        if (MaxInFlight is < 1 or > 65535) Fail(nameof(MaxInFlight), "must be 1..65535");
        if (Will is { } will && !MqttTopic.IsValidTopicName(will.Topic, out var reason)) Fail(nameof(Will), $"topic {reason}");
    }
}

/// <summary>TLS for the broker connection.</summary>
public sealed record MqttTlsOptions
{
    /// <summary>PEM file with the CA certificate(s) that must have signed the broker's certificate. Null: the
    /// system trust store is used.</summary>
    public string? CaFile { get; init; }

    /// <summary>PEM file with our client certificate (mutual TLS), or null.</summary>
    public string? ClientCertificateFile { get; init; }

    /// <summary>PEM file with the client certificate's private key (when not inside <see cref="ClientCertificateFile"/>).</summary>
    public string? ClientKeyFile { get; init; }

    /// <summary>The name the broker's certificate must carry; null: <see cref="MqttClientOptions.Host"/>.</summary>
    public string? ServerName { get; init; }

    /// <summary>Check that the broker certificate names the host. Turning it off is for lab brokers only.</summary>
    public bool CheckHostName { get; init; } = true;

    internal X509Certificate2Collection? LoadCaCertificates()
    {
        if (CaFile is null) return null;
        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(CaFile);
        if (collection.Count == 0) throw new MqttConnectException($"TLS CA file {CaFile} holds no certificate");
        return collection;
    }

    internal X509Certificate2? LoadClientCertificate()
    {
        if (ClientCertificateFile is null) return null;
        using var pem = X509Certificate2.CreateFromPemFile(ClientCertificateFile, ClientKeyFile);
        // SslStream on Linux wants a certificate whose key is not ephemeral: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
