namespace EdgeTracker.Messaging.Contract;

/// <summary>The commands a device accepts (docs/mqtt.md).</summary>
public enum CommandKind
{
    /// <summary><c>&lt;camera&gt;/target/set</c>: start following a box.</summary>
    TargetSet,

    /// <summary><c>&lt;camera&gt;/target/clear</c>: stop following one target or all.</summary>
    TargetClear,

    /// <summary><c>&lt;camera&gt;/snapshot/get</c>: publish one JPEG now.</summary>
    SnapshotGet,

    /// <summary><c>config/set</c>: change runtime settings that are safe to change remotely.</summary>
    ConfigSet,
}

/// <summary>
/// Every topic of one device: <c>&lt;prefix&gt;/&lt;deviceId&gt;/…</c> (prefix <c>edgetracker</c> by default).
/// Topic strings are built once here (and once per camera in <see cref="CameraTopics"/>), so publishing per frame
/// never formats a string.
/// </summary>
public sealed class TopicMap
{
    /// <summary>The default topic prefix.</summary>
    public const string DefaultPrefix = "edgetracker";

    private readonly Dictionary<string, CameraTopics> _cameras = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <param name="deviceId">This device's id: one topic level (no <c>/</c>, <c>+</c>, <c>#</c>).</param>
    /// <param name="prefix">The root, one or more levels (e.g. <c>edgetracker</c> or <c>site1/edgetracker</c>).</param>
    /// <exception cref="ArgumentException">The id or prefix cannot be used in a topic; the message says why.</exception>
    public TopicMap(string deviceId, string prefix = DefaultPrefix)
    {
        ValidateLevel(deviceId, nameof(deviceId));
        if (string.IsNullOrEmpty(prefix) || prefix.StartsWith('/') || prefix.EndsWith('/'))
        {
            throw new ArgumentException($"MQTT topic prefix '{prefix}' must be non-empty and must not start or end with '/'.", nameof(prefix));
        }
        foreach (var level in prefix.Split('/'))
        {
            ValidateLevel(level, nameof(prefix));
        }
        Prefix = prefix;
        DeviceId = deviceId;
        Root = $"{prefix}/{deviceId}";
        Status = Root + "/status";
        State = Root + "/state";
        Reply = Root + "/reply";
        Config = Root + "/config";
        ConfigSet = Root + "/config/set";
        CommandFilters = [Root + "/+/target/set", Root + "/+/target/clear", Root + "/+/snapshot/get", ConfigSet];
    }

    public string Prefix { get; }
    public string DeviceId { get; }

    /// <summary><c>&lt;prefix&gt;/&lt;deviceId&gt;</c>.</summary>
    public string Root { get; }

    /// <summary>Retained availability: <c>online</c> / <c>offline</c> (the last will).</summary>
    public string Status { get; }

    /// <summary>Retained JSON state: version, model, execution provider, cameras, fps, uptime.</summary>
    public string State { get; }

    /// <summary>Where every command is answered.</summary>
    public string Reply { get; }

    /// <summary>Retained current runtime settings.</summary>
    public string Config { get; }

    /// <summary>The config/set command.</summary>
    public string ConfigSet { get; }

    /// <summary>The subscription filters that cover every command (QoS 1).</summary>
    public IReadOnlyList<string> CommandFilters { get; }

    /// <summary>The topics of one camera, built once and cached.</summary>
    /// <exception cref="ArgumentException">The camera name cannot be a topic level.</exception>
    public CameraTopics Camera(string camera)
    {
        lock (_lock)
        {
            if (!_cameras.TryGetValue(camera, out var topics))
            {
                ValidateLevel(camera, nameof(camera));
                topics = new CameraTopics(Root, camera);
                _cameras.Add(camera, topics);
            }
            return topics;
        }
    }

    /// <summary>Recognises a command topic of this device; <paramref name="camera"/> is null for <c>config/set</c>.</summary>
    public bool TryParseCommandTopic(string topic, out CommandKind kind, out string? camera)
    {
        kind = default;
        camera = null;
        if (topic == ConfigSet)
        {
            kind = CommandKind.ConfigSet;
            return true;
        }
        if (!topic.StartsWith(Root, StringComparison.Ordinal) || topic.Length <= Root.Length + 1 || topic[Root.Length] != '/')
        {
            return false;
        }
        var rest = topic.AsSpan(Root.Length + 1);
        var slash = rest.IndexOf('/');
        if (slash <= 0)
        {
            return false;
        }
        var command = rest[(slash + 1)..];
        if (command is "target/set") kind = CommandKind.TargetSet;
        else if (command is "target/clear") kind = CommandKind.TargetClear;
        else if (command is "snapshot/get") kind = CommandKind.SnapshotGet;
        else return false;
        camera = rest[..slash].ToString();
        return true;
    }

    internal static void ValidateLevel(string level, string name)
    {
        if (string.IsNullOrEmpty(level) || level.AsSpan().IndexOfAny("/+#\0") >= 0 || level.Length > 128)
        {
            throw new ArgumentException($"'{level}' cannot be an MQTT topic level ({name}): it must be 1-128 characters without '/', '+', '#' or U+0000.", name);
        }
    }
}

/// <summary>The topics of one camera under a device root.</summary>
public sealed class CameraTopics
{
    internal CameraTopics(string root, string camera)
    {
        Name = camera;
        var baseTopic = $"{root}/{camera}";
        Tracks = baseTopic + "/tracks";
        Events = baseTopic + "/events";
        Snapshot = baseTopic + "/snapshot";
        Targets = baseTopic + "/targets";
        TargetSet = baseTopic + "/target/set";
        TargetClear = baseTopic + "/target/clear";
        SnapshotGet = baseTopic + "/snapshot/get";
    }

    public string Name { get; }

    /// <summary>QoS 0, every frame or rate-limited: <see cref="TracksMessage"/>.</summary>
    public string Tracks { get; }

    /// <summary>QoS 1: <see cref="EventMessage"/>.</summary>
    public string Events { get; }

    /// <summary>A JPEG, on request and optionally periodic.</summary>
    public string Snapshot { get; }

    /// <summary>Retained: the current targets (<see cref="TargetsMessage"/>).</summary>
    public string Targets { get; }

    public string TargetSet { get; }
    public string TargetClear { get; }
    public string SnapshotGet { get; }
}

/// <summary>The plain-text payloads of the retained <see cref="TopicMap.Status"/> topic.</summary>
public static class Availability
{
    /// <summary>Published (retained, QoS 1) once connected.</summary>
    public static ReadOnlySpan<byte> Online => "online"u8;

    /// <summary>The last will (retained, QoS 1), and what a graceful shutdown publishes before disconnecting.</summary>
    public static ReadOnlySpan<byte> Offline => "offline"u8;
}
