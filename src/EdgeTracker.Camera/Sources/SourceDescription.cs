using System.Globalization;

namespace EdgeTracker.Camera.Sources;

/// <summary>What kind of camera or replay a source URI names.</summary>
public enum SourceKind
{
    /// <summary><c>csi://N</c>: a Jetson CSI camera through nvarguscamerasrc (JetPack only).</summary>
    Csi,

    /// <summary><c>v4l2:///dev/videoN</c>: a USB/V4L2 camera.</summary>
    V4l2,

    /// <summary><c>rtsp://…</c>: a network camera over RTSP.</summary>
    Rtsp,

    /// <summary><c>http(s)://…</c>: a network camera serving multipart MJPEG.</summary>
    HttpMjpeg,

    /// <summary><c>file://…</c>: a video file in any container decodebin reads.</summary>
    File,

    /// <summary><c>images://folder</c>: an OTB or VOT JPEG sequence, decoded with libturbojpeg.</summary>
    Images,

    /// <summary><c>test://pattern</c>: a videotestsrc pattern.</summary>
    TestPattern,

    /// <summary><c>gst:…</c>: any gst-launch pipeline ending in <c>appsink name=sink</c>.</summary>
    Pipeline,
}

/// <summary>
/// A parsed source URI: what it is, whether it is live, and the GStreamer pipeline that captures it
/// (every pipeline ends in <c>videoconvert ! video/x-raw,format=BGR ! appsink name=sink</c>). Build one with
/// <see cref="Parse"/>; parsing checks syntax only (devices, hosts and folders are checked when opened).
/// </summary>
/// <remarks>
/// Syntax (defaults in brackets):
/// <list type="bullet">
/// <item><c>csi://0?width=[1280]&amp;height=[720]&amp;fps=[30]&amp;flip=[0]</c></item>
/// <item><c>v4l2:///dev/video0?width=[640]&amp;height=[480]&amp;fps=[30]&amp;format=[yuyv]|mjpg</c></item>
/// <item><c>rtsp://user:pass@host:554/path#latency=[200]&amp;transport=[tcp]|udp</c> (our options after '#',
/// so the camera's own query string passes through untouched)</item>
/// <item><c>http://host:port/path#timeout=[5]</c> (multipart MJPEG; https too)</item>
/// <item><c>file:///path/video.mp4?loop=[false]&amp;realtime=[false]</c></item>
/// <item><c>images://folder?fps=[30]&amp;loop=[false]</c> (fps=0: as fast as the consumer takes them)</item>
/// <item><c>test://ball?width=[640]&amp;height=[480]&amp;fps=[30]</c> (fps=0: unpaced, every frame delivered)</item>
/// <item><c>gst:videotestsrc ! videoconvert ! video/x-raw,format=BGR ! appsink name=sink</c></item>
/// </list>
/// </remarks>
public sealed record SourceDescription
{
    private const string LiveSink = "appsink name=sink max-buffers=1 drop=true sync=false enable-last-sample=false";
    private const string ToBgr = "videoconvert ! video/x-raw,format=BGR";

    /// <summary>The videotestsrc patterns <c>test://</c> accepts.</summary>
    public static IReadOnlyList<string> TestPatterns { get; } =
    [
        "smpte", "snow", "black", "white", "red", "green", "blue", "checkers-1", "checkers-2", "checkers-4",
        "checkers-8", "circular", "blink", "smpte75", "zone-plate", "gamut", "chroma-zone-plate", "solid-color",
        "ball", "smpte100", "bar", "pinwheel", "spokes", "gradient", "colors", "smpte-rp-219",
    ];

    private SourceDescription(string uri, SourceKind kind)
    {
        Uri = uri;
        Kind = kind;
    }

    /// <summary>The URI as given.</summary>
    public string Uri { get; }

    /// <summary>The kind of source.</summary>
    public SourceKind Kind { get; }

    /// <summary>
    /// True for cameras (frames keep coming whether read or not: the consumer gets the newest, older ones are dropped
    /// and counted, faults are retried); false for replays (files, image sequences, unpaced test patterns: every
    /// frame is delivered in order and the end is reported, not retried).
    /// </summary>
    public bool IsLive { get; private init; }

    /// <summary>The gst-launch description, or null for <see cref="SourceKind.Images"/> (decoded by libturbojpeg).</summary>
    public string? Pipeline { get; private init; }

    /// <summary>For <see cref="SourceKind.Images"/>: the sequence folder (OTB <c>img/</c> layout or VOT flat layout).</summary>
    public string? Folder { get; private init; }

    /// <summary>The frame rate asked for (0: unpaced, or not stated for sources that set their own).</summary>
    public double RequestedFps { get; private init; }

    /// <summary>For files and image sequences: start again at the end instead of ending.</summary>
    public bool Loop { get; private init; }

    /// <summary>
    /// Parses a source URI; throws <see cref="SourceUriException"/> naming the bad part (unknown scheme, unknown or
    /// malformed option, out-of-range number).
    /// </summary>
    public static SourceDescription Parse(string uri)
    {
        if (string.IsNullOrWhiteSpace(uri))
        {
            throw new SourceUriException(uri ?? "", "it is empty");
        }
        uri = uri.Trim();
        if (uri.StartsWith("gst:", StringComparison.OrdinalIgnoreCase))
        {
            return ParsePipeline(uri);
        }
        var schemeEnd = uri.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            throw new SourceUriException(uri,
                "expected scheme://… (csi, v4l2, rtsp, http, https, file, images, test) or gst:<pipeline>");
        }
        var scheme = uri[..schemeEnd].ToLowerInvariant();
        var rest = uri[(schemeEnd + 3)..];
        return scheme switch
        {
            "csi" => ParseCsi(uri, rest),
            "v4l2" => ParseV4l2(uri, rest),
            "rtsp" or "rtsps" => ParseRtsp(uri),
            "http" or "https" => ParseHttp(uri),
            "file" => ParseFile(uri, rest),
            "images" => ParseImages(uri, rest),
            "test" => ParseTest(uri, rest),
            _ => throw new SourceUriException(uri,
                $"unknown scheme '{scheme}' (expected csi, v4l2, rtsp, http, https, file, images, test or gst:)"),
        };
    }

    private static SourceDescription ParseCsi(string uri, string rest)
    {
        var (path, options) = SplitQuery(uri, rest, "width", "height", "fps", "flip");
        var sensor = string.IsNullOrEmpty(path) ? 0 : ParseInt(uri, "sensor id", path, 0, 15);
        var width = options.Int("width", 1280, 16, 8192);
        var height = options.Int("height", 720, 16, 8192);
        var fps = options.Int("fps", 30, 1, 1000);
        var flip = options.Int("flip", 0, 0, 7);
        // nvvidconv does the NVMM→CPU copy and colour conversion to BGRx in hardware; videoconvert only drops the x.
        var pipeline =
            $"nvarguscamerasrc sensor-id={sensor} ! video/x-raw(memory:NVMM),width={width},height={height},framerate={fps}/1,format=NV12 ! " +
            $"nvvidconv flip-method={flip} ! video/x-raw,format=BGRx ! {ToBgr} ! {LiveSink}";
        return new SourceDescription(uri, SourceKind.Csi) { IsLive = true, Pipeline = pipeline, RequestedFps = fps };
    }

    private static SourceDescription ParseV4l2(string uri, string rest)
    {
        var (device, options) = SplitQuery(uri, rest, "width", "height", "fps", "format");
        if (!device.StartsWith("/dev/", StringComparison.Ordinal))
        {
            throw new SourceUriException(uri, $"expected a device path like v4l2:///dev/video0, got '{device}'");
        }
        var width = options.Int("width", 640, 16, 8192);
        var height = options.Int("height", 480, 16, 8192);
        var fps = options.Int("fps", 30, 1, 1000);
        var format = options.Text("format", "yuyv").ToLowerInvariant();
        var source = $"v4l2src device={Quote(uri, device)}";
        var pipeline = format switch
        {
            "yuyv" => $"{source} ! video/x-raw,format=YUY2,width={width},height={height},framerate={fps}/1 ! {ToBgr} ! {LiveSink}",
            "mjpg" => $"{source} ! image/jpeg,width={width},height={height},framerate={fps}/1 ! jpegdec ! {ToBgr} ! {LiveSink}",
            _ => throw new SourceUriException(uri, $"format '{format}' is not yuyv or mjpg"),
        };
        return new SourceDescription(uri, SourceKind.V4l2) { IsLive = true, Pipeline = pipeline, RequestedFps = fps };
    }

    private static SourceDescription ParseRtsp(string uri)
    {
        var (location, options) = SplitFragment(uri, "latency", "transport");
        var latency = options.Int("latency", 200, 0, 60_000);
        var transport = options.Text("transport", "tcp").ToLowerInvariant();
        if (transport is not ("tcp" or "udp"))
        {
            throw new SourceUriException(uri, $"transport '{transport}' is not tcp or udp");
        }
        var pipeline =
            $"rtspsrc location={Quote(uri, location)} latency={latency} protocols={transport} ! decodebin ! {ToBgr} ! {LiveSink}";
        return new SourceDescription(uri, SourceKind.Rtsp) { IsLive = true, Pipeline = pipeline };
    }

    private static SourceDescription ParseHttp(string uri)
    {
        var (location, options) = SplitFragment(uri, "timeout");
        var timeout = options.Int("timeout", 5, 1, 3600);
        var pipeline =
            $"souphttpsrc location={Quote(uri, location)} is-live=true do-timestamp=true timeout={timeout} ! " +
            $"multipartdemux ! jpegdec ! {ToBgr} ! {LiveSink}";
        return new SourceDescription(uri, SourceKind.HttpMjpeg) { IsLive = true, Pipeline = pipeline };
    }

    private static SourceDescription ParseFile(string uri, string rest)
    {
        var (path, options) = SplitQuery(uri, rest, "loop", "realtime");
        if (path.Length == 0)
        {
            throw new SourceUriException(uri, "no file path (expected file:///path/to/video.mp4)");
        }
        var realtime = options.Bool("realtime", false);
        var pipeline =
            $"filesrc location={Quote(uri, path)} ! decodebin ! {ToBgr} ! " +
            $"appsink name=sink max-buffers=2 drop=false sync={(realtime ? "true" : "false")} enable-last-sample=false";
        return new SourceDescription(uri, SourceKind.File) { IsLive = false, Pipeline = pipeline, Loop = options.Bool("loop", false) };
    }

    private static SourceDescription ParseImages(string uri, string rest)
    {
        var (folder, options) = SplitQuery(uri, rest, "fps", "loop");
        if (folder.Length == 0)
        {
            throw new SourceUriException(uri, "no folder (expected images:///path/to/sequence)");
        }
        return new SourceDescription(uri, SourceKind.Images)
        {
            IsLive = false,
            Folder = folder,
            RequestedFps = options.Double("fps", 30, 0, 10_000),
            Loop = options.Bool("loop", false),
        };
    }

    private static SourceDescription ParseTest(string uri, string rest)
    {
        var (pattern, options) = SplitQuery(uri, rest, "width", "height", "fps");
        pattern = pattern.Length == 0 ? "smpte" : pattern.ToLowerInvariant();
        if (!TestPatterns.Contains(pattern))
        {
            throw new SourceUriException(uri, $"unknown test pattern '{pattern}' (one of: {string.Join(", ", TestPatterns)})");
        }
        var width = options.Int("width", 640, 16, 8192);
        var height = options.Int("height", 480, 16, 8192);
        var fps = options.Int("fps", 30, 0, 1000);
        var live = fps > 0;
        var sink = live ? LiveSink : "appsink name=sink max-buffers=2 drop=false sync=false enable-last-sample=false";
        var pipeline =
            $"videotestsrc pattern={pattern} is-live={(live ? "true" : "false")} ! " +
            $"video/x-raw,width={width},height={height},framerate={(live ? fps : 30)}/1 ! {ToBgr} ! {sink}";
        return new SourceDescription(uri, SourceKind.TestPattern) { IsLive = live, Pipeline = pipeline, RequestedFps = fps };
    }

    private static SourceDescription ParsePipeline(string uri)
    {
        var pipeline = uri[4..].Trim();
        if (pipeline.Length == 0)
        {
            throw new SourceUriException(uri, "gst: needs a pipeline after the colon");
        }
        if (!pipeline.Contains("appsink", StringComparison.Ordinal) || !pipeline.Contains("name=sink", StringComparison.Ordinal))
        {
            throw new SourceUriException(uri,
                "a gst: pipeline must end in 'appsink name=sink' (after 'videoconvert ! video/x-raw,format=BGR')");
        }
        return new SourceDescription(uri, SourceKind.Pipeline) { IsLive = true, Pipeline = pipeline };
    }

    // ---- helpers

    private static (string Path, Options Options) SplitQuery(string uri, string rest, params string[] allowed)
    {
        var question = rest.IndexOf('?');
        var path = question < 0 ? rest : rest[..question];
        var query = question < 0 ? "" : rest[(question + 1)..];
        return (System.Uri.UnescapeDataString(path), Options.Parse(uri, query, allowed));
    }

    private static (string Location, Options Options) SplitFragment(string uri, params string[] allowed)
    {
        var hash = uri.IndexOf('#');
        var location = hash < 0 ? uri : uri[..hash];
        var fragment = hash < 0 ? "" : uri[(hash + 1)..];
        if (!System.Uri.TryCreate(location, UriKind.Absolute, out var parsed) || string.IsNullOrEmpty(parsed.Host))
        {
            throw new SourceUriException(uri, $"'{location}' is not an absolute URL with a host");
        }
        return (location, Options.Parse(uri, fragment, allowed));
    }

    /// <summary>Quotes a value for gst-launch; a double quote or backslash inside cannot be expressed safely.</summary>
    private static string Quote(string uri, string value)
    {
        if (value.Contains('"') || value.Contains('\\'))
        {
            throw new SourceUriException(uri, "quotes and backslashes are not allowed in locations");
        }
        return $"\"{value}\"";
    }

    private static int ParseInt(string uri, string what, string text, int min, int max) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new SourceUriException(uri, $"{what} '{text}' is not a whole number from {min} to {max}");

    private sealed class Options
    {
        private readonly string _uri;
        private readonly Dictionary<string, string> _values;

        private Options(string uri, Dictionary<string, string> values)
        {
            _uri = uri;
            _values = values;
        }

        public static Options Parse(string uri, string query, string[] allowed)
        {
            var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=');
                var key = equals < 0 ? pair : pair[..equals];
                var value = equals < 0 ? "" : System.Uri.UnescapeDataString(pair[(equals + 1)..]);
                if (!allowed.Contains(key, StringComparer.OrdinalIgnoreCase))
                {
                    throw new SourceUriException(uri,
                        $"unknown option '{key}' (allowed: {(allowed.Length == 0 ? "none" : string.Join(", ", allowed))})");
                }
                if (!values.TryAdd(key, value))
                {
                    throw new SourceUriException(uri, $"option '{key}' is given twice");
                }
            }
            return new Options(uri, values);
        }

        public int Int(string key, int fallback, int min, int max) =>
            _values.TryGetValue(key, out var text) ? ParseInt(_uri, key, text, min, max) : fallback;

        public double Double(string key, double fallback, double min, double max)
        {
            if (!_values.TryGetValue(key, out var text))
            {
                return fallback;
            }
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) &&
                   double.IsFinite(value) && value >= min && value <= max
                ? value
                : throw new SourceUriException(_uri, $"{key} '{text}' is not a number from {min} to {max}");
        }

        public bool Bool(string key, bool fallback)
        {
            if (!_values.TryGetValue(key, out var text))
            {
                return fallback;
            }
            return text.ToLowerInvariant() switch
            {
                "true" or "1" or "yes" or "" => true,
                "false" or "0" or "no" => false,
                _ => throw new SourceUriException(_uri, $"{key} '{text}' is not true or false"),
            };
        }

        public string Text(string key, string fallback) =>
            _values.TryGetValue(key, out var text) && text.Length > 0 ? text : fallback;
    }
}
