using System.Text;
using System.Text.Json.Nodes;
using EdgeTracker.Messaging.Contract;

namespace EdgeTracker.Tests.Messaging;

/// <summary>docs/schemas: every example is valid, everything our serialiser writes is valid, and the command
/// schemas and the command parser agree on what they accept and refuse.</summary>
public sealed class SchemaTests
{
    private static readonly DateTimeOffset T = new(2026, 5, 6, 7, 8, 9, 123, TimeSpan.Zero);

    private static string SchemaDirectory
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Edge.sln")))
                    return Path.Combine(dir.FullName, "docs", "schemas");
            }
            throw new InvalidOperationException($"no Edge.sln above {AppContext.BaseDirectory}: cannot find docs/schemas");
        }
    }

    private static JsonObject Load(string name) =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(SchemaDirectory, name + ".schema.json")))!;

    private static void AssertValid(string schema, byte[] json)
    {
        var errors = new JsonSchemaSubset(Load(schema)).Validate(JsonNode.Parse(json));
        Assert.True(errors.Count == 0, $"{Encoding.UTF8.GetString(json)} fails {schema}.schema.json:\n{string.Join("\n", errors)}");
    }

    public static TheoryData<string> SchemaNames() => new(Directory.GetFiles(SchemaDirectory, "*.schema.json")
        .Select(f => Path.GetFileName(f)[..^".schema.json".Length]).Order());

    [Fact]
    public void Every_payload_has_a_schema()
    {
        Assert.Equal(["config", "config-set", "events", "pantilt-set", "reply", "snapshot-get", "state", "target-clear", "target-set", "targets", "tracks"],
            SchemaNames().Select(row => row.Data).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(SchemaNames))]
    public void Every_example_in_a_schema_is_valid_against_it(string name)
    {
        var schema = Load(name);
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", schema["$schema"]!.GetValue<string>());
        var examples = Assert.IsType<JsonArray>(schema["examples"]);
        Assert.NotEmpty(examples);
        var validator = new JsonSchemaSubset(schema);
        foreach (var example in examples)
        {
            var errors = validator.Validate(example);
            Assert.True(errors.Count == 0, $"{name} example {example!.ToJsonString()}:\n{string.Join("\n", errors)}");
        }
    }

    [Fact]
    public void The_validator_does_refuse_what_the_schemas_forbid()
    {
        var tracks = new JsonSchemaSubset(Load("tracks"));
        Assert.Contains("$.targets[0].state: \"gone\" is not one of [\"tracking\",\"uncertain\",\"lost\"]", tracks.Validate(JsonNode.Parse(
            """{"camera":"c","frame":1,"time":"2026-01-01T00:00:00.000Z","targets":[{"id":"t1","box":{"x":0,"y":0,"w":0,"h":0},"norm":{"x":0,"y":0,"w":0,"h":0},"score":0,"confidence":0,"state":"gone","latencyMs":0}]}""")));
        Assert.Contains("$.time: '2026-01-01T00:00:00Z' does not match ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$",
            tracks.Validate(JsonNode.Parse("""{"camera":"c","frame":1,"time":"2026-01-01T00:00:00Z","targets":[]}""")));
        Assert.Contains("$: frame is required", tracks.Validate(JsonNode.Parse("""{"camera":"c","time":"2026-01-01T00:00:00.000Z","targets":[]}""")));
        var reply = new JsonSchemaSubset(Load("reply"));
        Assert.NotEmpty(reply.Validate(JsonNode.Parse("""{"requestId":"r","ok":true,"error":{"field":"a","message":"b"}}""")));
        Assert.NotEmpty(reply.Validate(JsonNode.Parse("""{"requestId":"r","ok":false}""")));
        Assert.NotEmpty(reply.Validate(JsonNode.Parse("""{"requestId":"r","ok":true,"extra":1}""")));
    }

    [Fact]
    public void Everything_the_serialiser_writes_is_valid_against_its_schema()
    {
        var box = new Box(312.5, 188, 64, 48);
        var norm = new Box(0.488, 0.392, 0.1, 0.1);
        AssertValid("tracks", ContractJson.Serialize(new TracksMessage("cam0", 125, T,
            [new TrackTarget("t1", box, norm, 0.91, 0.87, TrackState.Tracking, 21.4, "drone"), new TrackTarget("t2", box, norm, 0.1, 0.05, TrackState.Lost, 19)])));
        AssertValid("tracks", ContractJson.Serialize(new TracksMessage("cam0", 1, T, [])));
        foreach (var type in Enum.GetValues<EventType>())
        {
            AssertValid("events", ContractJson.Serialize(new EventMessage("cam0", type, T, "t1", 10, "drone", "detail")));
        }
        AssertValid("events", ContractJson.Serialize(new EventMessage("cam0", EventType.CameraLost, T, Message: "no frame for 2 s")));
        foreach (var state in Enum.GetValues<CameraState>())
        {
            AssertValid("state", ContractJson.Serialize(new StateMessage("0.1.0", "nanotrack-v3", "cpu", 12.5, T, [new CameraStatus("cam0", state, 29.9, 1, "ok")])));
            AssertValid("state", ContractJson.Serialize(new StateMessage("0.1.0", "nanotrack-v3", "cpu", 12.5, T, [new CameraStatus("cam0", state, 29.9, 1, "ok")],
                new HeadStatus("tracking", true, 4.2, -1.5))));
        }
        AssertValid("targets", ContractJson.Serialize(new TargetsMessage("cam0", T, [new TargetSummary("t1", TrackState.Uncertain, "car")])));
        AssertValid("config", ContractJson.Serialize(new ConfigMessage(T, new RuntimeSettings(10, 0, 85, true))));
        AssertValid("reply", ContractJson.Serialize(Reply.Success("r1", "t1", 123)));
        AssertValid("reply", ContractJson.Serialize(Reply.Success("r1")));
        AssertValid("reply", ContractJson.Serialize(Reply.Failure("r1", "box.w", "must be > 0")));
        AssertValid("reply", ContractJson.Serialize(Reply.Failure(new CommandError(null, "requestId", "is required"))));
    }

    public static TheoryData<string, CommandKind> CommandSchemas() => new()
    {
        { "target-set", CommandKind.TargetSet },
        { "target-clear", CommandKind.TargetClear },
        { "snapshot-get", CommandKind.SnapshotGet },
        { "config-set", CommandKind.ConfigSet },
        { "pantilt-set", CommandKind.PanTiltSet },
    };

    [Theory]
    [MemberData(nameof(CommandSchemas))]
    public void The_parser_accepts_every_documented_command_example(string schema, CommandKind kind)
    {
        foreach (var example in (JsonArray)Load(schema)["examples"]!)
        {
            var result = CommandParser.Parse(kind, kind == CommandKind.ConfigSet ? null : "cam0", Encoding.UTF8.GetBytes(example!.ToJsonString()));
            Assert.True(result.IsValid, $"{example.ToJsonString()}: {result.Error}");
        }
    }

    [Theory]
    [InlineData("target-set", CommandKind.TargetSet, """{"requestId":"r1","box":{"x":10,"y":20,"w":0,"h":40}}""")]
    [InlineData("target-set", CommandKind.TargetSet, """{"requestId":"r1","box":{"x":-1,"y":20,"w":3,"h":40}}""")]
    [InlineData("target-set", CommandKind.TargetSet, """{"requestId":"r1","box":{"x":1,"y":2,"w":3,"h":4},"units":"mm"}""")]
    [InlineData("target-set", CommandKind.TargetSet, """{"requestId":"r1","box":{"x":1,"y":2,"w":3,"h":4},"frame":1.5}""")]
    [InlineData("target-set", CommandKind.TargetSet, """{"requestId":"r1","id":"a b","box":{"x":1,"y":2,"w":3,"h":4}}""")]
    [InlineData("target-set", CommandKind.TargetSet, """{"requestId":"","box":{"x":1,"y":2,"w":3,"h":4}}""")]
    [InlineData("target-set", CommandKind.TargetSet, """{"box":{"x":1,"y":2,"w":3,"h":4}}""")]
    [InlineData("target-clear", CommandKind.TargetClear, """{"requestId":"r1","id":5}""")]
    [InlineData("snapshot-get", CommandKind.SnapshotGet, """{"requestId":7}""")]
    [InlineData("config-set", CommandKind.ConfigSet, """{"requestId":"c","settings":{}}""")]
    [InlineData("config-set", CommandKind.ConfigSet, """{"requestId":"c","settings":{"model":"x"}}""")]
    [InlineData("config-set", CommandKind.ConfigSet, """{"requestId":"c","settings":{"snapshotQuality":0}}""")]
    [InlineData("config-set", CommandKind.ConfigSet, """{"requestId":"c","settings":{"panTiltEnabled":"yes"}}""")]
    [InlineData("pantilt-set", CommandKind.PanTiltSet, """{"requestId":"p","action":"spin"}""")]
    [InlineData("pantilt-set", CommandKind.PanTiltSet, """{"requestId":"p","action":"nudge"}""")]
    [InlineData("pantilt-set", CommandKind.PanTiltSet, """{"requestId":"p","action":"home","pan":3}""")]
    [InlineData("pantilt-set", CommandKind.PanTiltSet, """{"requestId":"p","action":"nudge","tilt":400}""")]
    [InlineData("pantilt-set", CommandKind.PanTiltSet, """{"requestId":"p"}""")]
    [InlineData("pantilt-set", CommandKind.PanTiltSet, """{"requestId":"p","action":"home","target":"t1"}""")]
    [InlineData("pantilt-set", CommandKind.PanTiltSet, """{"requestId":"p","action":"follow","target":"a b"}""")]
    [InlineData("pantilt-set", CommandKind.PanTiltSet, """{"requestId":"p","action":"follow","pan":2}""")]
    public void Schema_and_parser_both_refuse_invalid_commands(string schema, CommandKind kind, string json)
    {
        Assert.NotEmpty(new JsonSchemaSubset(Load(schema)).Validate(JsonNode.Parse(json)));
        Assert.False(CommandParser.Parse(kind, kind == CommandKind.ConfigSet ? null : "cam0", Encoding.UTF8.GetBytes(json)).IsValid);
    }
}
