namespace EdgeTracker.Hosting.Configuration;

/// <summary>
/// Everything the daemon reads from configuration, one class per section. Defaults here are the defaults of
/// <c>config/edgetracker.json</c> (a test keeps the two equal) and of docs/configuration.md.
/// </summary>
public sealed class EdgeTrackerOptions
{
    public DeviceOptions Device { get; set; } = new();
    public MqttOptions Mqtt { get; set; } = new();
    public List<CameraOptions> Cameras { get; set; } = [];
    public TrackingOptions Tracking { get; set; } = new();
    public InferenceOptions Inference { get; set; } = new();
    public HttpOptions Http { get; set; } = new();
    /// <summary>The pan-tilt head (EdgeTracker.Control's options, bound as they are).</summary>
    public EdgeTracker.Control.PanTiltOptions PanTilt { get; set; } = new();
    /// <summary>Which camera and target the head follows: <c>PanTilt:Camera</c> and <c>PanTilt:Target</c>, in the <c>PanTilt</c> section beside the head's own keys.</summary>
    [SharesSection(nameof(PanTilt))]
    public PanTiltFollowOptions PanTiltFollow { get; set; } = new();
    public SystemdOptions Systemd { get; set; } = new();
}

public sealed class DeviceOptions
{
    /// <summary>The device's id: the MQTT topic segment <c>edgetracker/&lt;Id&gt;/</c> and the client id.</summary>
    public string Id { get; set; } = "edgetracker-1";
}

public sealed class MqttOptions
{
    public bool Enabled { get; set; } = true;
    public string Host { get; set; } = "127.0.0.1";
    public int Port { get; set; } = 1883;
    /// <summary>The MQTT client id; empty means the device id.</summary>
    public string ClientId { get; set; } = "";
    public string Username { get; set; } = "";
    public string Password { get; set; } = "";
    public string TopicPrefix { get; set; } = "edgetracker";
    public int KeepAliveSeconds { get; set; } = 30;
    public bool UseTls { get; set; }
    /// <summary>A PEM file with the broker's CA; empty means the system store (only with UseTls).</summary>
    public string CaFile { get; set; } = "";
    /// <summary>The most track messages a second per camera; 0 publishes every frame.</summary>
    public double TracksMaxRate { get; set; }
    /// <summary>Messages held while the broker is away (track messages are dropped oldest first beyond it).</summary>
    public int QueueCapacity { get; set; } = 1000;
    public double ReconnectMaxSeconds { get; set; } = 30;
}

public sealed class CameraOptions
{
    /// <summary>The camera's name: the MQTT topic segment and the web page's label.</summary>
    public string Name { get; set; } = "";
    /// <summary>The source URI: csi://, v4l2://, rtsp://, http://, file://, images://, test://, gst:.</summary>
    public string Source { get; set; } = "";
    public bool Enabled { get; set; } = true;
    /// <summary>Cap of the jittered exponential backoff between reopen attempts of a lost live source.</summary>
    public double ReconnectMaxSeconds { get; set; } = 30;
}

public sealed class TrackingOptions
{
    /// <summary>The model's manifest name (models/&lt;Model&gt;.json).</summary>
    public string Model { get; set; } = "siamfc-default";
    /// <summary>Extra folder searched for model manifests and weights.</summary>
    public string ModelsPath { get; set; } = "";
    /// <summary>The most targets one camera follows at once.</summary>
    public int MaxTargets { get; set; } = 4;
    /// <summary>
    /// Whether a camera's targets share one inference run a frame: <c>auto</c> (on a GPU, or the CPU with more
    /// than one intra-op thread), <c>on</c> (whenever the model allows it) or <c>off</c>.
    /// </summary>
    public string Batching { get; set; } = "auto";
    /// <summary>How far back a <c>target/set</c> naming a <c>frame</c> can reach.</summary>
    public double HistorySeconds { get; set; } = 2;
    /// <summary>
    /// Upper bound on frames kept in the history per camera, whatever their age: the memory guard (2 s at 30 fps;
    /// a 1280×720 frame is 2.7 MB, so 60 of them are 166 MB).
    /// </summary>
    public int HistoryMaxFrames { get; set; } = 60;
}

public sealed class InferenceOptions
{
    /// <summary>Execution providers in order of preference; one that cannot load is skipped with a warning.</summary>
    public List<string> Providers { get; set; } = ["tensorrt", "cuda", "cpu"];
    public bool StrictProviders { get; set; }
    public int IntraOpThreads { get; set; } = 1;
    public int CudaDeviceId { get; set; }
    public bool TensorRtFp16 { get; set; } = true;
    /// <summary>TensorRT engine and timing caches (systemd's CacheDirectory in production).</summary>
    public string EngineCachePath { get; set; } = "";
    /// <summary>An operator's own libonnxruntime.so.1 (e.g. JetPack's TensorRT build); empty searches the usual places.</summary>
    public string OnnxRuntimePath { get; set; } = "";
}

public sealed class HttpOptions
{
    public bool Enabled { get; set; } = true;
    /// <summary>Kestrel's listen URLs, separated by ';'. Anything but loopback requires <see cref="Token"/>.</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8080";
    /// <summary>A bearer token (header <c>Authorization: Bearer</c> or <c>?token=</c>); required beyond loopback.</summary>
    public string Token { get; set; } = "";
    /// <summary>Pictures a second the dashboard receives per camera.</summary>
    public double PreviewFps { get; set; } = 10;
    public int JpegQuality { get; set; } = 75;
    /// <summary>An MJPEG stream client whose connection cannot take a picture for this long (it stopped reading) is disconnected.</summary>
    public double StreamStallSeconds { get; set; } = 20;
}

/// <summary>Our settings in the <c>PanTilt</c> section (the rest of it is EdgeTracker.Control's <c>PanTiltOptions</c>).</summary>
public sealed class PanTiltFollowOptions
{
    /// <summary>The camera whose targets drive the head (an enabled camera's name); empty: the first enabled camera.</summary>
    public string Camera { get; set; } = "";
    /// <summary>
    /// The target id the head follows at start (a dashboard changes it with <c>pantilt/set</c> action <c>follow</c>);
    /// empty: the first target that is tracking.
    /// </summary>
    public string Target { get; set; } = "";
}

public sealed class SystemdOptions
{
    /// <summary>READY is sent once every camera delivered a frame, or after this long (then reported).</summary>
    public double ReadyTimeoutSeconds { get; set; } = 30;
    /// <summary>A pipeline whose loop has not turned for this long is wedged: watchdog pings stop.</summary>
    public double StallSeconds { get; set; } = 10;
    public double StatusIntervalSeconds { get; set; } = 5;
}
