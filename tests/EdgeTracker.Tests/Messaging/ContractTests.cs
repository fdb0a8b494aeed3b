using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeTracker.Messaging.Contract;
using EdgeTracker.Tracking;

namespace EdgeTracker.Tests.Messaging;

/// <summary>The fixed wire shapes of issue 6 and docs/mqtt.md, and the command parser's field errors.</summary>
public sealed class ContractTests
{
    private static readonly DateTimeOffset Midnight = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    private static CommandParseResult Parse(CommandKind kind, string json, string? camera = "cam0") =>
        CommandParser.Parse(kind, kind == CommandKind.ConfigSet ? null : camera, Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Replies_are_exactly_the_fixed_shapes()
    {
        Assert.Equal("""{"requestId":"r1","ok":true,"id":"t1","frame":123}""", Text(ContractJson.Serialize(Reply.Success("r1", "t1", 123))));
        Assert.Equal("""{"requestId":"r1","ok":false,"error":{"field":"box.w","message":"must be > 0"}}""",
            Text(ContractJson.Serialize(Reply.Failure("r1", "box.w", "must be > 0"))));
        Assert.Equal("""{"requestId":"r2","ok":true}""", Text(ContractJson.Serialize(Reply.Success("r2"))));
    }

    [Fact]
    public void Tracks_are_exactly_the_fixed_shape_with_keys_in_the_documented_order()
    {
        var message = new TracksMessage("cam0", 124, Midnight,
            [new TrackTarget("t1", new Box(0, 0, 0, 0), new Box(0, 0, 0, 0), 0.0, 0.0, TrackState.Tracking, 0.0)]);
        var written = Text(ContractJson.Serialize(message));
        const string fixedShape = """{"camera": "cam0", "frame": 124, "time": "2026-01-01T00:00:00.000Z", "targets": [{"id": "t1", "box": {"x": 0, "y": 0, "w": 0, "h": 0}, "norm": {"x": 0, "y": 0, "w": 0, "h": 0}, "score": 0.0, "confidence": 0.0, "state": "tracking", "latencyMs": 0.0}]}""";
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(fixedShape), JsonNode.Parse(written)), written);
        Assert.Equal(Keys(JsonNode.Parse(fixedShape)!), Keys(JsonNode.Parse(written)!));
        Assert.Equal(written, Encoding.UTF8.GetString(new ContractWriter().Write(message)));
    }

    private static IEnumerable<string> Keys(JsonNode node) => node switch
    {
        JsonObject o => o.SelectMany(p => new[] { p.Key }.Concat(p.Value is null ? [] : Keys(p.Value))),
        JsonArray a => a.SelectMany(e => e is null ? [] : Keys(e)),
        _ => [],
    };

    [Fact]
    public void Time_is_UTC_with_milliseconds_whatever_the_offset()
    {
        var local = new DateTimeOffset(2026, 3, 4, 7, 8, 9, 45, TimeSpan.FromHours(2));
        var json = Text(ContractJson.Serialize(new EventMessage("cam0", EventType.TargetLost, local, "t1")));
        Assert.Equal("""{"camera":"cam0","type":"target_lost","time":"2026-03-04T05:08:09.045Z","target":"t1"}""", json);
    }

    [Fact]
    public void Domain_values_map_to_the_wire()
    {
        Assert.Equal(TrackState.Uncertain, TargetState.Uncertain.ToWire());
        Assert.Equal(new Box(0.25, 0.5, 0.5, 0.25), new BoxF(160, 240, 320, 120).Normalise(640, 480));
    }

    [Fact]
    public void The_fixed_target_set_example_parses_into_a_typed_request()
    {
        var result = Parse(CommandKind.TargetSet, """{"requestId": "r1", "id": "t1", "box": {"x": 10, "y": 20, "w": 30, "h": 40}, "units": "px", "frame": 123}""");
        var request = Assert.IsType<TargetSetRequest>(result.Request);
        Assert.Equal(new TargetSetRequest("r1", "cam0", "t1", new Box(10, 20, 30, 40), BoxUnits.Pixels, 123, null), request);

        var minimal = Assert.IsType<TargetSetRequest>(Parse(CommandKind.TargetSet, """{"requestId":"r9","box":{"x":0.1,"y":0.2,"w":0.3,"h":0.4},"units":"norm","label":"car"}""").Request);
        Assert.Null(minimal.Id);
        Assert.Null(minimal.Frame);
        Assert.Equal(BoxUnits.Normalised, minimal.Units);
        Assert.Equal("car", minimal.Label);
        Assert.True(minimal.TryResolvePixels(1000, 500, out var pixels, out _));
        Assert.Equal(100, pixels.X, 6);
        Assert.Equal(200, pixels.H, 6);
    }

    [Fact]
    public void A_box_outside_the_frame_is_refused_when_resolved_against_the_frame_size()
    {
        var request = Assert.IsType<TargetSetRequest>(Parse(CommandKind.TargetSet, """{"requestId":"r1","box":{"x":600,"y":20,"w":100,"h":40}}""").Request);
        Assert.False(request.TryResolvePixels(640, 480, out _, out var error));
        Assert.Equal(new CommandError("r1", "box", "must lie inside the 640x480 frame"), error);
    }

    [Theory]
    [InlineData("""{"requestId":"r1","box":{"x":10,"y":20,"w":0,"h":40}}""", "r1", "box.w", "must be > 0")]
    [InlineData("""{"requestId":"r1","box":{"x":10,"y":20,"w":30,"h":-1}}""", "r1", "box.h", "must be > 0")]
    [InlineData("""{"requestId":"r1","box":{"x":-1,"y":20,"w":30,"h":40}}""", "r1", "box.x", "must be >= 0")]
    [InlineData("""{"requestId":"r1","box":{"x":10,"y":20,"w":30}}""", "r1", "box.h", "is required")]
    [InlineData("""{"requestId":"r1","box":{"x":"10","y":20,"w":30,"h":40}}""", "r1", "box.x", "must be a number, not a string")]
    [InlineData("""{"requestId":"r1"}""", "r1", "box", "is required")]
    [InlineData("""{"requestId":"r1","box":[1,2,3,4]}""", "r1", "box", "must be an object {x, y, w, h}, not an array")]
    [InlineData("""{"requestId":"r1","box":{"x":1,"y":2,"w":3,"h":4},"units":"mm"}""", "r1", "units", "must be \"px\" or \"norm\", not \"mm\"")]
    [InlineData("""{"requestId":"r1","box":{"x":0.5,"y":0.2,"w":0.6,"h":0.4},"units":"norm"}""", "r1", "box.w", "must keep x + w <= 1 with units \"norm\"")]
    [InlineData("""{"requestId":"r1","box":{"x":1,"y":2,"w":3,"h":4},"frame":-3}""", "r1", "frame", "must be >= 0")]
    [InlineData("""{"requestId":"r1","box":{"x":1,"y":2,"w":3,"h":4},"frame":1.5}""", "r1", "frame", "must be an integer (the frame's sequence number)")]
    [InlineData("""{"requestId":"r1","id":"t 1","box":{"x":1,"y":2,"w":3,"h":4}}""", "r1", "id", "may only contain letters, digits, '-', '_', '.' and ':'")]
    [InlineData("""{"requestId":"r1","id":7,"box":{"x":1,"y":2,"w":3,"h":4}}""", "r1", "id", "must be a string, not a number")]
    [InlineData("""{"box":{"x":1,"y":2,"w":3,"h":4}}""", null, "requestId", "is required")]
    [InlineData("""{"requestId":5}""", null, "requestId", "must be a string, not a number")]
    [InlineData("""[1,2]""", null, "$", "must be a JSON object, not an array")]
    public void Target_set_errors_name_the_field_and_the_problem(string json, string? requestId, string field, string message)
    {
        var result = Parse(CommandKind.TargetSet, json);
        Assert.Null(result.Request);
        Assert.Equal(new CommandError(requestId, field, message), result.Error);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("")]
    [InlineData("""{"requestId":"r1","requestId":"r2"}""")]
    [InlineData("""{"requestId":"r1",}""")]
    [InlineData("\u00ff\u00fe")]
    public void Payloads_that_are_not_JSON_are_refused_as_a_whole(string json)
    {
        var result = Parse(CommandKind.TargetClear, json);
        Assert.Equal("$", result.Error!.Field);
        Assert.StartsWith("is not valid JSON", result.Error.Message);
    }

    [Fact]
    public void An_oversized_payload_is_refused_without_parsing()
    {
        var result = CommandParser.Parse(CommandKind.TargetClear, "cam0", new byte[CommandParser.MaxPayloadBytes + 1]);
        Assert.Equal(new CommandError(null, "$", $"is {CommandParser.MaxPayloadBytes + 1} bytes; at most {CommandParser.MaxPayloadBytes} are accepted"), result.Error);
    }

    [Fact]
    public void Target_clear_takes_one_id_or_none_for_all()
    {
        Assert.Equal(new TargetClearRequest("r2", "cam0", "t1"), Parse(CommandKind.TargetClear, """{"requestId": "r2", "id": "t1"}""").Request);
        Assert.Equal(new TargetClearRequest("r3", "cam0", null), Parse(CommandKind.TargetClear, """{"requestId": "r3"}""").Request);
        Assert.Equal(new SnapshotGetRequest("r4", "cam1"), Parse(CommandKind.SnapshotGet, """{"requestId": "r4"}""", "cam1").Request);
    }

    [Fact]
    public void Config_set_accepts_only_runtime_settings_in_range()
    {
        var request = Assert.IsType<ConfigSetRequest>(Parse(CommandKind.ConfigSet, """{"requestId":"c1","settings":{"tracksMaxRateHz":10,"snapshotQuality":80,"panTiltEnabled":false}}""").Request);
        Assert.Equal(new RuntimeSettings(10, null, 80, false), request.Settings);

        Assert.Equal(new CommandError("c2", "settings.model", "is not a setting that can be changed remotely (tracksMaxRateHz, snapshotIntervalSeconds, snapshotQuality, panTiltEnabled)"),
            Parse(CommandKind.ConfigSet, """{"requestId":"c2","settings":{"model":"x"}}""").Error);
        Assert.Equal(new CommandError("c3", "settings.snapshotQuality", "must be an integer from 1 to 100"),
            Parse(CommandKind.ConfigSet, """{"requestId":"c3","settings":{"snapshotQuality":101}}""").Error);
        Assert.Equal(new CommandError("c4", "settings", "must name at least one setting"),
            Parse(CommandKind.ConfigSet, """{"requestId":"c4","settings":{}}""").Error);
        Assert.Equal(new CommandError("c5", "settings.tracksMaxRateHz", "must be a number from 0 (every frame) to 1000"),
            Parse(CommandKind.ConfigSet, """{"requestId":"c5","settings":{"tracksMaxRateHz":-1}}""").Error);
    }

    [Fact]
    public void The_topic_map_builds_every_topic_under_prefix_and_device()
    {
        var topics = new TopicMap("dev1");
        Assert.Equal("edgetracker/dev1/status", topics.Status);
        Assert.Equal("edgetracker/dev1/state", topics.State);
        Assert.Equal("edgetracker/dev1/reply", topics.Reply);
        Assert.Equal("edgetracker/dev1/config/set", topics.ConfigSet);
        var cam = topics.Camera("cam0");
        Assert.Same(cam, topics.Camera("cam0"));
        Assert.Equal("edgetracker/dev1/cam0/tracks", cam.Tracks);
        Assert.Equal("edgetracker/dev1/cam0/events", cam.Events);
        Assert.Equal("edgetracker/dev1/cam0/snapshot", cam.Snapshot);
        Assert.Equal("edgetracker/dev1/cam0/target/set", cam.TargetSet);
        Assert.Equal("site/et/dev2/cam1/target/clear", new TopicMap("dev2", "site/et").Camera("cam1").TargetClear);

        Assert.True(topics.TryParseCommandTopic("edgetracker/dev1/cam0/target/set", out var kind, out var camera));
        Assert.Equal((CommandKind.TargetSet, "cam0"), (kind, camera));
        Assert.True(topics.TryParseCommandTopic("edgetracker/dev1/config/set", out kind, out camera));
        Assert.Equal((CommandKind.ConfigSet, (string?)null), (kind, camera));
        Assert.True(topics.TryParseCommandTopic("edgetracker/dev1/cam2/snapshot/get", out kind, out camera));
        Assert.Equal((CommandKind.SnapshotGet, "cam2"), (kind, camera));
        Assert.False(topics.TryParseCommandTopic("edgetracker/dev1/cam0/tracks", out _, out _));
        Assert.False(topics.TryParseCommandTopic("edgetracker/dev2/cam0/target/set", out _, out _));
        Assert.False(topics.TryParseCommandTopic("edgetracker/dev1//target/set", out _, out _));

        foreach (var filter in topics.CommandFilters)
        {
            Assert.True(EdgeTracker.Messaging.Mqtt.MqttTopic.IsValidFilter(filter, out _), filter);
        }
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a+")]
    [InlineData("#")]
    [InlineData("")]
    public void Ids_that_cannot_be_a_topic_level_are_refused(string id)
    {
        var error = Assert.Throws<ArgumentException>(() => new TopicMap(id));
        Assert.Contains("cannot be an MQTT topic level", error.Message);
        Assert.Throws<ArgumentException>(() => new TopicMap("dev1").Camera(id));
    }

    [Fact]
    public void A_repeated_request_gets_the_first_reply_and_the_memory_is_bounded()
    {
        var recent = new RecentReplies(capacity: 2);
        recent.Remember(Reply.Success("r1", "t1", 5));
        recent.Remember(Reply.Failure(null, "requestId", "is required"));
        Assert.True(recent.TryGet("r1", out var first));
        Assert.Equal(Reply.Success("r1", "t1", 5), first);
        recent.Remember(Reply.Success("r1", "t9"));
        Assert.True(recent.TryGet("r1", out first));
        Assert.Equal("t1", first.Id);
        recent.Remember(Reply.Success("r2"));
        recent.Remember(Reply.Success("r3"));
        Assert.False(recent.TryGet("r1", out _));
        Assert.Equal(2, recent.Count);
    }
}
