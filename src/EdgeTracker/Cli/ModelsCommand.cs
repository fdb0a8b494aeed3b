using System.CommandLine;
using System.Security.Cryptography;
using EdgeTracker.Tracking;
using EdgeTracker.Tracking.DefaultModel;

namespace EdgeTracker.Cli;

/// <summary>
/// <c>edgetracker models list|verify|fetch &lt;name&gt;|build-default</c>: what models this installation knows, whether
/// their files are present and intact, downloading third-party weights from the public addresses their manifests
/// record (SHA-256 checked, written atomically), and rebuilding our own default model.
/// </summary>
public static class ModelsCommand
{
    public static Command Create()
    {
        var manifests = new Option<string[]>("--manifests") { Description = "Extra folders holding manifests (searched before models/ next to the binaries).", AllowMultipleArgumentsPerToken = true };
        var folders = new Option<string[]>("--model-folder") { Description = "Extra folders holding weights.", AllowMultipleArgumentsPerToken = true };

        var list = new Command("list", "List every model manifest: family, files, present or not, checksum.") { manifests, folders };
        list.SetAction(parse => List(Options(parse.GetValue(manifests), parse.GetValue(folders)), Console.Out));

        var verifyNames = new Argument<string[]>("name") { Description = "Models to verify (default: all).", Arity = ArgumentArity.ZeroOrMore };
        var verify = new Command("verify", "Check that each model's files are present with the manifest's SHA-256 and load as the manifest says.") { verifyNames, manifests, folders };
        verify.SetAction(parse => Verify(parse.GetValue(verifyNames) ?? [], Options(parse.GetValue(manifests), parse.GetValue(folders)), Console.Out));

        var fetchName = new Argument<string>("name") { Description = "The model to download." };
        var to = new Option<string?>("--to") { Description = "Folder to write the weights into (default: the manifest's folder, in its 'folder' sub-folder)." };
        var fetch = new Command("fetch", "Download a model's third-party weights from the addresses in its manifest, checking SHA-256.") { fetchName, to, manifests, folders };
        fetch.SetAction(async (parse, cancellationToken) =>
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
            return await FetchAsync(parse.GetValue(fetchName)!, parse.GetValue(to), Options(parse.GetValue(manifests), parse.GetValue(folders)), http, Console.Out, cancellationToken);
        });

        var buildTo = new Option<string>("--to") { Description = "Folder to write into.", DefaultValueFactory = _ => "models" };
        var build = new Command("build-default", $"Write our own default model ({DefaultModelFiles.ModelName}: two ONNX graphs and the manifest), byte for byte the same every time.") { buildTo };
        build.SetAction(parse =>
        {
            foreach (var path in DefaultModelFiles.WriteTo(parse.GetValue(buildTo)!))
            {
                Console.WriteLine($"wrote {path} (sha256 {ModelManifest.Sha256Of(path)})");
            }
            return 0;
        });

        return new Command("models", "Model manifests and weights: list, verify, fetch, build the default model.") { list, verify, fetch, build };
    }

    private static TrackerFactoryOptions Options(string[]? manifests, string[]? folders) =>
        new() { ManifestFolders = manifests ?? [], ModelFolders = folders ?? [] };

    /// <summary>Every manifest on the search path, first one of each name winning (as <see cref="TrackerFactory"/> picks them).</summary>
    public static IReadOnlyList<(string Path, ModelManifest? Manifest, string? Error)> Manifests(TrackerFactoryOptions options)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var found = new List<(string, ModelManifest?, string?)>();
        foreach (var folder in TrackerFactory.ManifestSearchPath(options).Where(Directory.Exists))
        {
            foreach (var path in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
            {
                if (!seen.Add(Path.GetFileNameWithoutExtension(path)))
                {
                    continue;
                }
                try
                {
                    found.Add((path, ModelManifest.Load(path), null));
                }
                catch (ModelException e)
                {
                    found.Add((path, null, e.Message));
                }
            }
        }
        return found;
    }

    /// <summary><c>models list</c>: one block per manifest, one line per file. Exit 0.</summary>
    public static int List(TrackerFactoryOptions options, TextWriter output)
    {
        var all = Manifests(options);
        if (all.Count == 0)
        {
            output.WriteLine($"no manifests in {string.Join(", ", TrackerFactory.ManifestSearchPath(options))}");
            return 0;
        }
        foreach (var (path, manifest, error) in all)
        {
            if (manifest is null)
            {
                output.WriteLine($"{Path.GetFileNameWithoutExtension(path)}: INVALID MANIFEST {error}");
                continue;
            }
            output.WriteLine($"{manifest.Name} ({manifest.Family}) — {path}");
            foreach (var (role, file) in manifest.Files)
            {
                var (where, status) = Locate(manifest, file, options);
                output.WriteLine($"  {role,-10} {file.Path,-34} {status,-16} {where ?? (file.Url is null ? "" : "fetch: edgetracker models fetch " + manifest.Name)}");
            }
        }
        return 0;
    }

    /// <summary>Where a file is on the search path and whether its checksum matches.</summary>
    private static (string? Path, string Status) Locate(ModelManifest manifest, ModelFile file, TrackerFactoryOptions options)
    {
        var one = manifest with { Files = new Dictionary<string, ModelFile> { ["file"] = file with { Sha256 = null } } };
        string path;
        try
        {
            path = one.Resolve(TrackerFactory.ModelSearchPath(options))["file"];
        }
        catch (ModelException)
        {
            return (null, "missing");
        }
        if (file.Sha256 is null)
        {
            return (path, "present");
        }
        return string.Equals(ModelManifest.Sha256Of(path), file.Sha256, StringComparison.OrdinalIgnoreCase)
            ? (path, "checksum ok")
            : (path, "CHECKSUM MISMATCH");
    }

    /// <summary><c>models verify</c>: resolves each model's files (presence, SHA-256). Exit 1 when any fails.</summary>
    public static int Verify(IReadOnlyList<string> names, TrackerFactoryOptions options, TextWriter output)
    {
        var failures = 0;
        IEnumerable<(string Name, Func<ModelManifest> Load)> targets = names.Count > 0
            ? names.Select(n => (n, (Func<ModelManifest>)(() => TrackerFactory.FindManifest(n, options))))
            : Manifests(options).Select(m => (Path.GetFileNameWithoutExtension(m.Path),
                (Func<ModelManifest>)(() => m.Manifest ?? throw new ModelException(m.Error!))));
        foreach (var (name, load) in targets)
        {
            try
            {
                var manifest = load();
                var files = manifest.Resolve(TrackerFactory.ModelSearchPath(options));
                output.WriteLine($"ok       {manifest.Name}: {string.Join(", ", files.Select(f => $"{f.Key} {f.Value}"))}");
            }
            catch (ModelException e)
            {
                failures++;
                output.WriteLine($"FAILED   {name}: {e.Message}");
            }
        }
        return failures == 0 ? 0 : 1;
    }

    /// <summary>
    /// <c>models fetch</c>: downloads every file of <paramref name="name"/> that has a URL and is not already present
    /// with the right checksum. Exit 0 when all files are in place, 1 otherwise (the message says why).
    /// </summary>
    public static async Task<int> FetchAsync(string name, string? destination, TrackerFactoryOptions options, HttpClient http,
        TextWriter output, CancellationToken cancellationToken)
    {
        ModelManifest manifest;
        try
        {
            manifest = TrackerFactory.FindManifest(name, options);
        }
        catch (ModelException e)
        {
            output.WriteLine($"fetch: {e.Message}");
            return 1;
        }
        var folder = destination ?? Path.Combine(Path.GetDirectoryName(manifest.SourcePath!)!, manifest.Folder ?? "");
        var status = 0;
        foreach (var (role, file) in manifest.Files)
        {
            var (existing, state) = Locate(manifest, file, options);
            if (state == "checksum ok")
            {
                output.WriteLine($"{role}: already present at {existing}");
                continue;
            }
            if (file.Url is null)
            {
                output.WriteLine($"{role}: '{file.Path}' is {state} and the manifest records no URL to fetch it from.");
                status = 1;
                continue;
            }
            if (file.Sha256 is null)
            {
                output.WriteLine($"{role}: the manifest records no SHA-256 for '{file.Path}'; refusing to install weights that cannot be verified.");
                status = 1;
                continue;
            }
            var target = Path.Combine(folder, file.Path);
            try
            {
                output.WriteLine($"{role}: downloading {file.Url}");
                var bytes = await ModelDownloader.DownloadAsync(http, new Uri(file.Url), target, file.Sha256, cancellationToken);
                output.WriteLine($"{role}: {bytes} bytes, SHA-256 ok, written to {target}");
            }
            catch (Exception e) when (e is ModelException or HttpRequestException or IOException or UnauthorizedAccessException or TaskCanceledException or UriFormatException)
            {
                output.WriteLine($"{role}: {e.Message}");
                status = 1;
            }
        }
        return status;
    }
}

/// <summary>
/// Downloads one file with its SHA-256 checked while it streams in. The bytes go to a temporary file beside the
/// target, flushed to disk, and only a verified file is renamed over the target (atomic on one file system), so
/// a failed or interrupted download never leaves a half-written or wrong model where the tracker looks.
/// </summary>
public static class ModelDownloader
{
    /// <summary>Downloads <paramref name="url"/> to <paramref name="target"/>; returns the byte count. Throws <see cref="ModelException"/> on a checksum mismatch.</summary>
    public static async Task<long> DownloadAsync(HttpClient http, Uri url, string target, string expectedSha256, CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(target))!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(target)}.{Environment.ProcessId}.{Guid.NewGuid():N}.download");
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new ModelException($"Downloading {url} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
            }
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long total = 0;
            await using (var source = await response.Content.ReadAsStreamAsync(cancellationToken))
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    total += read;
                }
                file.Flush(flushToDisk: true);
            }
            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (!string.Equals(actual, expectedSha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new ModelException(
                    $"Downloaded {url} ({total} bytes) has SHA-256 {actual}, but the manifest expects {expectedSha256.ToLowerInvariant()}; nothing was installed.");
            }
            File.Move(temporary, target, overwrite: true);
            return total;
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}
