using System.Text.Json.Nodes;
using EdgeTracker.Inference;
using EdgeTracker.Testing;
using EdgeTracker.Tests.Inference;
using EdgeTracker.Tracking;

namespace EdgeTracker.Tests.Tracking;

/// <summary>Manifests and weights made wrong on purpose in temp folders: every failure names the file and the mismatch.</summary>
[Collection(OrtCollection.Name)]
public sealed class ModelManifestTests : IDisposable
{
    private static readonly InferenceOptions Cpu = new() { Providers = ["cpu"] };
    private readonly string _dir = Directory.CreateTempSubdirectory("et-manifest-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string ShippedManifest(string name) => Path.Combine(TestData.RepoRoot, "models", name + ".json");

    private string WriteManifest(string name, Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(ShippedManifest("nanotrack-v3")))!.AsObject();
        json["name"] = name;
        edit(json);
        var path = Path.Combine(_dir, name + ".json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    private TrackerFactoryOptions InTempFolder(params string[] modelFolders) =>
        new() { ManifestFolders = [_dir], ModelFolders = modelFolders };

    [Theory]
    [InlineData("nanotrack-v1")]
    [InlineData("nanotrack-v2")]
    [InlineData("nanotrack-v3")]
    [InlineData("vittrack")]
    public void The_shipped_manifests_load_and_their_weights_match_their_checksums(string name)
    {
        var manifest = ModelManifest.Load(ShippedManifest(name));
        Assert.Equal(name, manifest.Name);
        var files = manifest.Resolve([TestData.Models]);
        Assert.All(files.Values, f => Assert.True(File.Exists(f)));
    }

    [Fact]
    public void A_missing_weights_file_names_the_file_and_every_folder_searched()
    {
        WriteManifest("nt-missing", j => j["files"]!["head"]!["path"] = "no_such_head.onnx");
        var e = Assert.Throws<ModelException>(() => TrackerFactory.Create("nt-missing", Cpu, InTempFolder(TestData.Models)));
        Assert.Contains("no_such_head.onnx", e.Message);
        Assert.Contains(_dir, e.Message);
        Assert.Contains(TestData.Models, e.Message);
    }

    [Fact]
    public void A_corrupted_weights_file_fails_its_checksum_naming_the_file_and_both_hashes()
    {
        var manifestPath = WriteManifest("nt-corrupt", j => j["folder"] = null);
        var original = Path.Combine(TestData.Models, "nanotrackv3", "nanotrack_head.onnx");
        var copy = Path.Combine(_dir, "nanotrack_head.onnx");
        var bytes = File.ReadAllBytes(original);
        bytes[bytes.Length / 2] ^= 0x55;
        File.WriteAllBytes(copy, bytes);
        File.Copy(Path.Combine(TestData.Models, "nanotrackv3", "nanotrack_backbone.onnx"), Path.Combine(_dir, "nanotrack_backbone.onnx"));
        var e = Assert.Throws<ModelException>(() => ModelManifest.Load(manifestPath).Resolve([]));
        Assert.Contains(copy, e.Message);
        Assert.Contains(ModelManifest.Sha256Of(copy), e.Message);
        Assert.Contains("75357903be3f4817c965af16cb5a11fd32b1467f597a408405a98635ac63f61d", e.Message);
    }

    [Fact]
    public void A_model_whose_outputs_differ_from_the_manifest_fails_at_load_naming_the_file_and_shapes()
    {
        WriteManifest("nt-shapes", j => j["files"]!["head"]!["outputs"]!["output1"] = new JsonArray(1, 2, 16, 16));
        var e = Assert.Throws<ModelException>(() => TrackerFactory.Create("nt-shapes", Cpu, InTempFolder(TestData.Models)));
        Assert.Contains("nanotrack_head.onnx", e.Message);
        Assert.Contains("output1", e.Message);
        Assert.Contains("[1,2,15,15]", e.Message);
        Assert.Contains("[1,2,16,16]", e.Message);
    }

    [Fact]
    public void A_model_without_the_manifests_input_fails_naming_it()
    {
        WriteManifest("nt-input", j => j["files"]!["backbone"]!["inputs"] = new JsonObject { ["image"] = new JsonArray(1, 3, 255, 255) });
        var e = Assert.Throws<ModelException>(() => TrackerFactory.Create("nt-input", Cpu, InTempFolder(TestData.Models)));
        Assert.Contains("no input 'image'", e.Message);
        Assert.Contains("nanotrack_backbone.onnx", e.Message);
    }

    [Fact]
    public void Bad_manifests_are_named_with_the_problem()
    {
        var path = Path.Combine(_dir, "broken.json");
        File.WriteAllText(path, "{ \"name\": \"x\", ");
        Assert.Contains(path, Assert.Throws<ModelException>(() => ModelManifest.Load(path)).Message);

        var order = WriteManifest("nt-order", j => j["channelOrder"] = "bgra");
        Assert.Contains("channelOrder 'bgra'", Assert.Throws<ModelException>(() => ModelManifest.Load(order)).Message);

        var sha = WriteManifest("nt-sha", j => j["files"]!["head"]!["sha256"] = "abc");
        Assert.Contains("not 64 hex digits", Assert.Throws<ModelException>(() => ModelManifest.Load(sha)).Message);

        var unknown = WriteManifest("nt-unknown", j => j["stide"] = 16);
        Assert.Contains("stide", Assert.Throws<ModelException>(() => ModelManifest.Load(unknown)).Message);

        var family = WriteManifest("nt-family", j => j["family"] = "kcf");
        Assert.Contains("family 'kcf'", Assert.Throws<ModelException>(() => TrackerFactory.Create("nt-family", Cpu, InTempFolder(TestData.Models))).Message);

        Assert.Contains("No manifest for model 'nope'", Assert.Throws<ModelException>(() => TrackerFactory.Create("nope", Cpu, InTempFolder())).Message);
    }
}
