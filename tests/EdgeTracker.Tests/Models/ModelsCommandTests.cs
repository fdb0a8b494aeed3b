using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using EdgeTracker.Cli;
using EdgeTracker.Tracking;

namespace EdgeTracker.Tests.Models;

/// <summary>
/// <c>edgetracker models</c> against a real HTTP server on 127.0.0.1 (never the internet): downloads are checked
/// against the manifest's SHA-256 and only a verified file ever appears at the target path.
/// </summary>
public sealed class ModelsCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("models-cmd").FullName;
    private readonly HttpListener _server = new();
    private readonly Dictionary<string, byte[]> _served = new(StringComparer.Ordinal);
    private readonly string _baseUrl;
    private int _requests;

    public ModelsCommandTests()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _baseUrl = $"http://127.0.0.1:{port}/";
        _server.Prefixes.Add(_baseUrl);
        _server.Start();
        _ = Task.Run(ServeAsync);
    }

    private async Task ServeAsync()
    {
        while (_server.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _server.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            Interlocked.Increment(ref _requests);
            var name = context.Request.Url!.AbsolutePath.TrimStart('/');
            if (_served.TryGetValue(name, out var body))
            {
                context.Response.ContentLength64 = body.Length;
                await context.Response.OutputStream.WriteAsync(body);
            }
            else
            {
                context.Response.StatusCode = 404;
            }
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _server.Stop();
        _server.Close();
        Directory.Delete(_root, recursive: true);
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Writes a manifest "demo" with two files served (or not) by the test server.</summary>
    private TrackerFactoryOptions Manifest(byte[] backbone, byte[] head, string? headSha = null)
    {
        var manifests = Directory.CreateDirectory(Path.Combine(_root, "manifests")).FullName;
        var manifest = new ModelManifest
        {
            Name = "demo",
            Family = "nanotrack",
            Folder = "demo",
            Files = new Dictionary<string, ModelFile>
            {
                ["backbone"] = new() { Path = "backbone.onnx", Sha256 = Sha(backbone), Url = _baseUrl + "backbone.onnx" },
                ["head"] = new() { Path = "head.onnx", Sha256 = headSha ?? Sha(head), Url = _baseUrl + "head.onnx" },
            },
        };
        File.WriteAllText(Path.Combine(manifests, "demo.json"), manifest.ToJson());
        return new TrackerFactoryOptions { ManifestFolders = [manifests], ModelFolders = [Path.Combine(_root, "weights")] };
    }

    [Fact]
    public async Task Fetch_downloads_verifies_and_installs_then_list_and_verify_see_the_files()
    {
        byte[] backbone = [1, 2, 3, 4, 5];
        var head = RandomNumberGenerator.GetBytes(300_000);
        _served["backbone.onnx"] = backbone;
        _served["head.onnx"] = head;
        var options = Manifest(backbone, head);
        var target = Path.Combine(_root, "weights");
        using var http = new HttpClient();

        var before = new StringWriter();
        Assert.Equal(1, ModelsCommand.Verify(["demo"], options, before));
        Assert.Contains("backbone file 'backbone.onnx' not found", before.ToString());

        var output = new StringWriter();
        Assert.Equal(0, await ModelsCommand.FetchAsync("demo", target, options, http, output, CancellationToken.None));
        Assert.Equal(backbone, File.ReadAllBytes(Path.Combine(target, "backbone.onnx")));
        Assert.Equal(head, File.ReadAllBytes(Path.Combine(target, "head.onnx")));
        Assert.Equal(2, _requests);
        Assert.Empty(Directory.GetFiles(target, "*.download"));

        var list = new StringWriter();
        ModelsCommand.List(options, list);
        Assert.Matches(@"demo \(nanotrack\)", list.ToString());
        Assert.Matches(@"head\s+head\.onnx\s+checksum ok", list.ToString());
        Assert.Equal(0, ModelsCommand.Verify(["demo"], options, new StringWriter()));

        // Fetching again finds the files in place and downloads nothing.
        var again = new StringWriter();
        Assert.Equal(0, await ModelsCommand.FetchAsync("demo", target, options, http, again, CancellationToken.None));
        Assert.Contains("already present", again.ToString());
        Assert.Equal(2, _requests);
    }

    [Fact]
    public async Task A_download_with_the_wrong_checksum_installs_nothing_and_says_both_checksums()
    {
        byte[] backbone = [1, 2, 3];
        byte[] head = [9, 9, 9];
        _served["backbone.onnx"] = backbone;
        _served["head.onnx"] = [6, 6, 6]; // not what the manifest promises
        var options = Manifest(backbone, head);
        var target = Path.Combine(_root, "weights");
        using var http = new HttpClient();
        var output = new StringWriter();

        Assert.Equal(1, await ModelsCommand.FetchAsync("demo", target, options, http, output, CancellationToken.None));
        Assert.False(File.Exists(Path.Combine(target, "head.onnx")));
        Assert.Empty(Directory.GetFiles(target, "*.download"));
        Assert.Contains(Sha([6, 6, 6]), output.ToString());
        Assert.Contains(Sha(head), output.ToString());
        // The good file still arrived; the listing shows the bad one as missing.
        Assert.True(File.Exists(Path.Combine(target, "backbone.onnx")));
        var list = new StringWriter();
        ModelsCommand.List(options, list);
        Assert.Matches(@"head\s+head\.onnx\s+missing", list.ToString());
    }

    [Fact]
    public async Task An_HTTP_error_is_reported_with_its_status_and_a_damaged_file_is_replaced_only_by_a_good_one()
    {
        byte[] backbone = [1, 2, 3];
        byte[] head = [4, 5, 6];
        _served["backbone.onnx"] = backbone; // head.onnx is not served: 404
        var options = Manifest(backbone, head);
        var target = Directory.CreateDirectory(Path.Combine(_root, "weights")).FullName;
        File.WriteAllBytes(Path.Combine(target, "backbone.onnx"), [0, 0]); // damaged copy
        using var http = new HttpClient();
        var output = new StringWriter();

        Assert.Equal(1, await ModelsCommand.FetchAsync("demo", target, options, http, output, CancellationToken.None));
        Assert.Contains("HTTP 404", output.ToString());
        Assert.Equal(backbone, File.ReadAllBytes(Path.Combine(target, "backbone.onnx")));
        Assert.False(File.Exists(Path.Combine(target, "head.onnx")));
    }

    [Fact]
    public async Task Fetch_refuses_files_without_a_checksum_and_unknown_models()
    {
        byte[] backbone = [1];
        _served["backbone.onnx"] = backbone;
        var manifests = Directory.CreateDirectory(Path.Combine(_root, "manifests")).FullName;
        File.WriteAllText(Path.Combine(manifests, "unsigned.json"), new ModelManifest
        {
            Name = "unsigned", Family = "nanotrack",
            Files = new Dictionary<string, ModelFile> { ["backbone"] = new() { Path = "b.onnx", Url = _baseUrl + "backbone.onnx" } },
        }.ToJson());
        var options = new TrackerFactoryOptions { ManifestFolders = [manifests] };
        using var http = new HttpClient();
        var output = new StringWriter();
        Assert.Equal(1, await ModelsCommand.FetchAsync("unsigned", Path.Combine(_root, "w"), options, http, output, CancellationToken.None));
        Assert.Contains("no SHA-256", output.ToString());
        Assert.Equal(0, _requests);
        var unknown = new StringWriter();
        Assert.Equal(1, await ModelsCommand.FetchAsync("no-such-model", null, options, http, unknown, CancellationToken.None));
        Assert.Contains("No manifest for model 'no-such-model'", unknown.ToString());
    }
}
