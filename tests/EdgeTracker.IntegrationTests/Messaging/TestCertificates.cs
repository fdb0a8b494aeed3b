using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeTracker.IntegrationTests.Messaging;

/// <summary>A throw-away CA, a server certificate for 127.0.0.1/localhost and a client certificate, as PEM files.</summary>
internal static class TestCertificates
{
    public const string Ca = "ca.crt";
    public const string ServerCertificate = "server.crt";
    public const string ServerKey = "server.key";
    public const string ClientCertificate = "client.crt";
    public const string ClientKey = "client.key";
    public const string OtherCa = "other-ca.crt";

    public static void WriteAll(string directory)
    {
        var notBefore = DateTimeOffset.UtcNow.AddHours(-1);
        var notAfter = DateTimeOffset.UtcNow.AddDays(1);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = CreateCa("CN=EdgeTracker Test CA", caKey, notBefore, notAfter);
        File.WriteAllText(Path.Combine(directory, Ca), ca.ExportCertificatePem());

        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = CreateCa("CN=Some Other CA", otherKey, notBefore, notAfter);
        File.WriteAllText(Path.Combine(directory, OtherCa), other.ExportCertificatePem());

        WriteLeaf(directory, ca, "CN=localhost", serverAuth: true, ServerCertificate, ServerKey, notBefore, notAfter, 2);
        WriteLeaf(directory, ca, "CN=edgetracker-test-client", serverAuth: false, ClientCertificate, ClientKey, notBefore, notAfter, 3);
    }

    private static X509Certificate2 CreateCa(string subject, ECDsa key, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(notBefore, notAfter);
    }

    private static void WriteLeaf(string directory, X509Certificate2 ca, string subject, bool serverAuth, string certificateFile,
        string keyFile, DateTimeOffset notBefore, DateTimeOffset notAfter, byte serial)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (serverAuth)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }
        using var certificate = request.Create(ca, notBefore, notAfter, [serial, 0x42]);
        File.WriteAllText(Path.Combine(directory, certificateFile), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, keyFile), key.ExportPkcs8PrivateKeyPem());
    }
}
