using System.Collections;
using System.Globalization;
using System.Reflection;
using EdgeTracker.Hosting.Configuration;
using EdgeTracker.Testing;
using Microsoft.Extensions.Configuration;

namespace EdgeTracker.Tests.Hosting;

public sealed class ConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("et-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string json)
    {
        var path = Path.Combine(_dir, $"{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static readonly Dictionary<string, string?> NoEnvironment = [];

    [Fact]
    public void Every_invalid_value_is_reported_with_its_key_and_reason()
    {
        var file = Write("""
        {
          "Device": { "Id": "bad/id" },
          "Mqtt": { "Port": "abc", "Hots": "typo", "KeepAliveSeconds": -1 },
          "Cameras": [ { "Name": "cam0", "Source": "" }, { "Name": "cam0", "Source": "ftp://x" }, { "Name": "c2", "Source": "images:///no/such/folder?fps=fast&loop=maybe" } ],
          "Tracking": { "MaxTargets": 0, "HistorySeconds": "two" },
          "Inference": { "Providers": [ "cpu", "gpu" ] },
          "Http": { "Urls": "http://0.0.0.0:8080" },
          "PanTilt": { "Enabled": true, "Driver": "servo", "Pan": { "Channel": 16 } },
          "Systemd": { "StallSeconds": 0 }
        }
        """);
        var loaded = ConfigLoader.Load(file, [], NoEnvironment);
        var keys = loaded.Errors.Select(e => e.Key).ToList();
        Assert.Equal(
            new[]
            {
                "Device:Id", "Mqtt:Port", "Mqtt:Hots", "Mqtt:KeepAliveSeconds", "Cameras:0:Source", "Cameras:1:Name", "Cameras:1:Source",
                "Cameras:2:Source", "Tracking:MaxTargets", "Tracking:HistorySeconds", "Inference:Providers:1", "Http:Token",
                "PanTilt:driver", "PanTilt:pan:channel", "Systemd:StallSeconds",
            }.Order(),
            keys.Distinct().Order());
        string Why(string key) => string.Join(" / ", loaded.Errors.Where(e => e.Key == key).Select(e => e.Message));
        Assert.Contains("'abc' is not a whole number", Why("Mqtt:Port"));
        Assert.Contains("unknown setting", Why("Mqtt:Hots"));
        Assert.Contains("'two' is not a number", Why("Tracking:HistorySeconds"));
        Assert.Contains("is used by another camera", Why("Cameras:1:Name"));
        Assert.Contains("unknown scheme 'ftp'", Why("Cameras:1:Source"));
        Assert.Contains("fast", Why("Cameras:2:Source"));
        Assert.Contains("does not exist", ConfigLoader.Load(file, ["--Cameras:2:Source=images:///no/such/folder?fps=5"], NoEnvironment).Errors.Single(e => e.Key == "Cameras:2:Source").Message);
        Assert.Contains("listens beyond loopback", Why("Http:Token"));
        Assert.Contains("'gpu' is not one of tensorrt, cuda, cpu", Why("Inference:Providers:1"));
    }

    [Fact]
    public void Command_line_overrides_environment_which_overrides_the_file()
    {
        var file = Write("""{ "Device": { "Id": "from-file" }, "Mqtt": { "Host": "file-host", "Port": 1 }, "Cameras": [ { "Name": "cam0", "Source": "test://ball" } ] }""");
        var environment = new Dictionary<string, string?>
        {
            ["EDGETRACKER_Mqtt__Host"] = "env-host",
            ["EDGETRACKER_Mqtt__Port"] = "2",
            ["EDGETRACKER_DATA"] = "/somewhere", // not a setting of ours: ignored, not an error
            ["OTHER_Mqtt__Port"] = "3",
        };
        var loaded = ConfigLoader.Load(file,
            ["--Mqtt:Port=1999", "--Cameras:0:Source=test://smpte", "--Tracking:Model=nanotrack-v3", "--Http:Urls=http://127.0.0.1:9999", "--Inference:Providers=cuda,cpu"],
            environment);
        Assert.Empty(loaded.Errors);
        var o = loaded.Options;
        Assert.Equal("from-file", o.Device.Id);
        Assert.Equal("env-host", o.Mqtt.Host);
        Assert.Equal(1999, o.Mqtt.Port);
        Assert.Equal("cam0", o.Cameras[0].Name); // the override changed one field of the file's camera
        Assert.Equal("test://smpte", o.Cameras[0].Source);
        Assert.Equal("nanotrack-v3", o.Tracking.Model);
        Assert.Equal("http://127.0.0.1:9999", o.Http.Urls);
        Assert.Equal(["cuda", "cpu"], o.Inference.Providers);
    }

    [Fact]
    public void A_list_given_as_one_value_replaces_the_files_list()
    {
        // The shipped file lists three providers; "--Inference:Providers=cpu" must leave only the CPU, not be ignored.
        var file = Write("""{ "Cameras": [ { "Name": "cam0", "Source": "test://ball" } ], "Inference": { "Providers": [ "tensorrt", "cuda", "cpu" ] } }""");
        Assert.Equal(["tensorrt", "cuda", "cpu"], ConfigLoader.Load(file, [], NoEnvironment).Options.Inference.Providers);
        Assert.Equal(["cpu"], ConfigLoader.Load(file, ["--Inference:Providers=cpu"], NoEnvironment).Options.Inference.Providers);
        Assert.Equal(["cuda", "cpu"], ConfigLoader.Load(file, [], new Dictionary<string, string?> { ["EDGETRACKER_Inference__Providers"] = "cuda, cpu" }).Options.Inference.Providers);
        // One item can still be overridden on its own.
        Assert.Equal(["cuda", "cuda", "cpu"], ConfigLoader.Load(file, ["--Inference:Providers:0=cuda"], NoEnvironment).Options.Inference.Providers);
    }

    [Fact]
    public void A_bad_override_or_a_broken_file_is_an_error_not_a_crash()
    {
        var loaded = ConfigLoader.Load(Write("""{ "Device": { "Id": "x" """), ["Mqtt:Port=1"], NoEnvironment);
        Assert.Contains(loaded.Errors, e => e.Key == "Mqtt:Port=1" && e.Message.Contains("--Section:Key=value"));
        Assert.Contains(loaded.Errors, e => e.Key.EndsWith(".json", StringComparison.Ordinal));
        Assert.Contains(ConfigLoader.Load(Path.Combine(_dir, "missing.json"), [], NoEnvironment).Errors, e => e.Key == "--config");
    }

    [Fact]
    public void The_shipped_configuration_lists_every_setting_with_its_default()
    {
        var path = Path.Combine(TestData.RepoRoot, "config", "edgetracker.json");
        var fromFile = new ConfigurationBuilder().AddJsonFile(path).Build();
        var expected = Flatten(new EdgeTrackerOptions(), "");
        var actual = fromFile.AsEnumerable().Where(kv => kv.Value is not null && !kv.Key.StartsWith("Logging", StringComparison.Ordinal) && !kv.Key.StartsWith("Cameras", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value!);
        Assert.Equal(expected.OrderBy(kv => kv.Key), actual.OrderBy(kv => kv.Key), new KeyValueComparer());
        var camera = Flatten(new CameraOptions(), "Cameras:0").Keys.Where(k => !k.EndsWith(":Name", StringComparison.Ordinal) && !k.EndsWith(":Source", StringComparison.Ordinal));
        foreach (var key in camera)
        {
            Assert.Equal(Flatten(new CameraOptions(), "Cameras:0")[key], fromFile[key]);
        }
        Assert.Empty(ConfigLoader.Load(path, [], NoEnvironment).Errors);
    }

    [Theory]
    [InlineData("jetson-csi.json")]
    [InlineData("usb-webcam.json")]
    [InlineData("rtsp-camera.json")]
    [InlineData("demo.json")]
    public void The_examples_are_valid(string name)
    {
        var loaded = ConfigLoader.Load(Path.Combine(TestData.RepoRoot, "config", "examples", name), [], NoEnvironment);
        Assert.Empty(loaded.Errors.Select(e => e.ToString()));
    }

    private static Dictionary<string, string> Flatten(object o, string prefix)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in o.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            // A property sharing another's section (PanTilt:Camera beside Control's PanTilt:*) has its keys there.
            var name = p.GetCustomAttribute<SharesSectionAttribute>()?.Section ?? p.Name;
            var key = prefix.Length == 0 ? name : $"{prefix}:{name}";
            var value = p.GetValue(o);
            switch (value)
            {
                case string s: result[key] = s; break;
                case bool b: result[key] = b ? "True" : "False"; break;
                case IFormattable f: result[key] = f.ToString(null, CultureInfo.InvariantCulture); break;
                case IList list when p.Name == "Cameras": break;
                case IList list:
                    for (var i = 0; i < list.Count; i++) result[$"{key}:{i}"] = list[i]!.ToString()!;
                    break;
                case not null: foreach (var kv in Flatten(value, key)) result[kv.Key] = kv.Value; break;
            }
        }
        return result;
    }

    private sealed class KeyValueComparer : IEqualityComparer<KeyValuePair<string, string>>
    {
        public bool Equals(KeyValuePair<string, string> x, KeyValuePair<string, string> y) =>
            string.Equals(x.Key, y.Key, StringComparison.OrdinalIgnoreCase) && string.Equals(x.Value, y.Value, StringComparison.OrdinalIgnoreCase);

        public int GetHashCode(KeyValuePair<string, string> obj) => 0;
    }
}
