using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using EdgeTracker.Camera;
using EdgeTracker.Camera.Sources;
using EdgeTracker.Tracking;

namespace EdgeTracker.Hosting.Configuration;

/// <summary>
/// Checks every setting and reports every problem at once, each with its key and the reason, so an operator
/// fixes a configuration in one round instead of one error per restart.
/// </summary>
public static partial class OptionsValidator
{
    private static readonly string[] KnownProviders = ["tensorrt", "cuda", "cpu"];

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex TopicSegment();

    public static List<ConfigError> Validate(EdgeTrackerOptions o)
    {
        var errors = new List<ConfigError>();
        void Check(bool ok, string key, string message)
        {
            if (!ok) errors.Add(new(key, message));
        }

        Check(TopicSegment().IsMatch(o.Device.Id), "Device:Id",
            $"'{o.Device.Id}' must be 1–64 letters, digits, '-' or '_' (it is an MQTT topic segment)");

        var m = o.Mqtt;
        if (m.Enabled)
        {
            Check(!string.IsNullOrWhiteSpace(m.Host), "Mqtt:Host", "is required when Mqtt:Enabled is true");
            Check(m.Port is >= 1 and <= 65535, "Mqtt:Port", $"{m.Port} is outside 1–65535");
            Check(m.KeepAliveSeconds is >= 0 and <= 65535, "Mqtt:KeepAliveSeconds", $"{m.KeepAliveSeconds} is outside 0–65535");
            Check(m.TopicPrefix.Length > 0 && !m.TopicPrefix.AsSpan().ContainsAny("+#") && !m.TopicPrefix.StartsWith('/') && !m.TopicPrefix.EndsWith('/'),
                "Mqtt:TopicPrefix", $"'{m.TopicPrefix}' must be non-empty, without '+', '#' or a leading/trailing '/'");
            Check(m.QueueCapacity is >= 10 and <= 1_000_000, "Mqtt:QueueCapacity", $"{m.QueueCapacity} is outside 10–1000000");
            Check(m.TracksMaxRate >= 0, "Mqtt:TracksMaxRate", $"{m.TracksMaxRate} must be ≥ 0 (0 = every frame)");
            Check(m.ReconnectMaxSeconds is > 0 and <= 3600, "Mqtt:ReconnectMaxSeconds", $"{m.ReconnectMaxSeconds} is outside (0, 3600]");
            Check(m.CaFile.Length == 0 || File.Exists(m.CaFile), "Mqtt:CaFile", $"'{m.CaFile}' does not exist");
            Check(m.CaFile.Length == 0 || m.UseTls, "Mqtt:CaFile", "is set but Mqtt:UseTls is false");
            Check(m.Password.Length == 0 || m.Username.Length > 0, "Mqtt:Password", "is set without Mqtt:Username");
        }

        var enabledCameras = o.Cameras.Where(c => c.Enabled).ToList();
        Check(enabledCameras.Count > 0, "Cameras", "at least one enabled camera is required (Cameras:0:Name, Cameras:0:Source)");
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < o.Cameras.Count; i++)
        {
            var c = o.Cameras[i];
            var key = $"Cameras:{i}";
            Check(TopicSegment().IsMatch(c.Name), $"{key}:Name", $"'{c.Name}' must be 1–64 letters, digits, '-' or '_' (it is an MQTT topic segment)");
            Check(!TopicSegment().IsMatch(c.Name) || names.Add(c.Name), $"{key}:Name", $"'{c.Name}' is used by another camera");
            Check(c.ReconnectMaxSeconds is >= 1 and <= 3600, $"{key}:ReconnectMaxSeconds", $"{c.ReconnectMaxSeconds} is outside 1–3600");
            foreach (var problem in SourceProblems(c.Source))
            {
                errors.Add(new($"{key}:Source", problem));
            }
        }

        var t = o.Tracking;
        Check(!string.IsNullOrWhiteSpace(t.Model) && t.Model.IndexOfAny(['/', '\\']) < 0, "Tracking:Model",
            $"'{t.Model}' must be a model name (the manifest models/<name>.json), not empty or a path");
        Check(t.ModelsPath.Length == 0 || Directory.Exists(t.ModelsPath), "Tracking:ModelsPath", $"'{t.ModelsPath}' is not a folder");
        Check(t.MaxTargets is >= 1 and <= 32, "Tracking:MaxTargets", $"{t.MaxTargets} is outside 1–32");
        Check(Enum.TryParse<BatchMode>(t.Batching, ignoreCase: true, out _) && !int.TryParse(t.Batching, out _), "Tracking:Batching",
            $"'{t.Batching}' is not one of auto, on, off");
        Check(t.HistorySeconds is >= 0 and <= 60, "Tracking:HistorySeconds", $"{t.HistorySeconds} is outside 0–60");
        Check(t.HistoryMaxFrames is >= 1 and <= 2000, "Tracking:HistoryMaxFrames", $"{t.HistoryMaxFrames} is outside 1–2000");

        var inf = o.Inference;
        Check(inf.Providers.Count > 0, "Inference:Providers", "needs at least one of tensorrt, cuda, cpu");
        for (var i = 0; i < inf.Providers.Count; i++)
        {
            Check(KnownProviders.Contains(inf.Providers[i].ToLowerInvariant()), $"Inference:Providers:{i}",
                $"'{inf.Providers[i]}' is not one of tensorrt, cuda, cpu");
        }
        Check(inf.IntraOpThreads is >= 0 and <= 64, "Inference:IntraOpThreads", $"{inf.IntraOpThreads} is outside 0–64 (0 = ONNX Runtime's default)");
        Check(inf.CudaDeviceId is >= 0 and <= 64, "Inference:CudaDeviceId", $"{inf.CudaDeviceId} is outside 0–64");
        Check(inf.OnnxRuntimePath.Length == 0 || File.Exists(inf.OnnxRuntimePath), "Inference:OnnxRuntimePath", $"'{inf.OnnxRuntimePath}' does not exist");

        var h = o.Http;
        if (h.Enabled)
        {
            var urls = h.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Check(urls.Length > 0, "Http:Urls", "needs at least one URL such as http://127.0.0.1:8080");
            var beyondLoopback = false;
            foreach (var url in urls)
            {
                if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0").Replace("://+", "://0.0.0.0"), UriKind.Absolute, out var uri)
                    || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/" || uri.Port is < 0 or > 65535)
                {
                    errors.Add(new("Http:Urls", $"'{url}' is not a listen URL such as http://127.0.0.1:8080"));
                    continue;
                }
                beyondLoopback |= !IsLoopback(uri.Host);
            }
            Check(!beyondLoopback || h.Token.Length >= 16, "Http:Token",
                h.Token.Length == 0
                    ? "is required (16+ characters) because Http:Urls listens beyond loopback"
                    : "must have at least 16 characters");
            Check(h.PreviewFps is > 0 and <= 60, "Http:PreviewFps", $"{h.PreviewFps} is outside (0, 60]");
            Check(h.JpegQuality is >= 1 and <= 100, "Http:JpegQuality", $"{h.JpegQuality} is outside 1–100");
            Check(h.StreamStallSeconds is >= 1 and <= 3600, "Http:StreamStallSeconds", $"{h.StreamStallSeconds} is outside 1–3600");
        }

        // The pan-tilt library names its own problems; its keys (panTilt.pan.channel) become ours (PanTilt:pan:channel).
        foreach (var problem in o.PanTilt.Validate("PanTilt"))
        {
            errors.Add(new(problem.Key.Replace('.', ':'), problem.Problem));
        }

        var followed = o.PanTiltFollow.Camera;
        if (followed.Length > 0 && !o.Cameras.Any(c => c.Name == followed))
        {
            errors.Add(new("PanTilt:Camera", $"'{followed}' is not a configured camera (configured: {string.Join(", ", o.Cameras.Select(c => c.Name))})"));
        }
        else if (followed.Length > 0 && o.PanTilt.Enabled && !enabledCameras.Any(c => c.Name == followed))
        {
            errors.Add(new("PanTilt:Camera", $"'{followed}' is disabled (Cameras:…:Enabled is false), so the head would follow nothing"));
        }

        var target = o.PanTiltFollow.Target;
        Check(target.Length <= 64 && target.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'), "PanTilt:Target",
            $"'{target}' is not a target id (1-64 letters, digits, '-', '_', '.', ':'; empty: the first target that is tracking)");

        var s = o.Systemd;
        Check(s.ReadyTimeoutSeconds is > 0 and <= 600, "Systemd:ReadyTimeoutSeconds", $"{s.ReadyTimeoutSeconds} is outside (0, 600]");
        Check(s.StallSeconds is >= 1 and <= 600, "Systemd:StallSeconds", $"{s.StallSeconds} is outside 1–600");
        Check(s.StatusIntervalSeconds is > 0 and <= 3600, "Systemd:StatusIntervalSeconds", $"{s.StatusIntervalSeconds} is outside (0, 3600]");
        return errors;
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    /// <summary>What is wrong with a source URI (nothing for a good one), in the camera library's own words.</summary>
    internal static IEnumerable<string> SourceProblems(string source)
    {
        if (string.IsNullOrWhiteSpace(source))
        {
            return ["is required (for example test://ball, images:///path/to/sequence, v4l2:///dev/video0)"];
        }
        SourceDescription parsed;
        try
        {
            parsed = SourceDescription.Parse(source);
        }
        catch (SourceUriException e)
        {
            return [e.Message];
        }
        if (parsed.Kind == SourceKind.Images && !Directory.Exists(parsed.Folder))
        {
            return [$"images:// folder '{parsed.Folder}' does not exist"];
        }
        return [];
    }
}
