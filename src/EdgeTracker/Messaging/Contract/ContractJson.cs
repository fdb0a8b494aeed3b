using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace EdgeTracker.Messaging.Contract;

/// <summary>Source-generated System.Text.Json metadata for every payload: no reflection per message.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false)]
[JsonSerializable(typeof(TracksMessage))]
[JsonSerializable(typeof(EventMessage))]
[JsonSerializable(typeof(StateMessage))]
[JsonSerializable(typeof(TargetsMessage))]
[JsonSerializable(typeof(ConfigMessage))]
[JsonSerializable(typeof(Reply))]
internal sealed partial class ContractJsonContext : JsonSerializerContext;

/// <summary>Serialises contract payloads to UTF-8 JSON.</summary>
public static class ContractJson
{
    /// <summary>The options every payload is written with: camelCase, nulls omitted, and only the escaping JSON
    /// requires (the default encoder would write "must be &gt; 0" as "must be \u003E 0").</summary>
    internal static readonly ContractJsonContext Context = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    internal static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Serialize(TracksMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, Context.TracksMessage);
    public static byte[] Serialize(EventMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, Context.EventMessage);
    public static byte[] Serialize(StateMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, Context.StateMessage);
    public static byte[] Serialize(TargetsMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, Context.TargetsMessage);
    public static byte[] Serialize(ConfigMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, Context.ConfigMessage);
    public static byte[] Serialize(Reply reply) => JsonSerializer.SerializeToUtf8Bytes(reply, Context.Reply);

}

/// <summary>
/// A reusable serialiser for the publishing loop: writes into one growing buffer, so steady-state serialisation
/// of tracks does not allocate the output. Not thread-safe: one per publishing thread.
/// <code>
/// var json = writer.Write(tracks);          // valid until the next Write
/// client.TryEnqueue(topics.Tracks, json, MqttQos.AtMostOnce);
/// </code>
/// </summary>
public sealed class ContractWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _json;

    public ContractWriter() => _json = new Utf8JsonWriter(_buffer, ContractJson.WriterOptions);

    public ReadOnlySpan<byte> Write(TracksMessage message) => Write(message, ContractJson.Context.TracksMessage);
    public ReadOnlySpan<byte> Write(EventMessage message) => Write(message, ContractJson.Context.EventMessage);
    public ReadOnlySpan<byte> Write(StateMessage message) => Write(message, ContractJson.Context.StateMessage);
    public ReadOnlySpan<byte> Write(TargetsMessage message) => Write(message, ContractJson.Context.TargetsMessage);
    public ReadOnlySpan<byte> Write(ConfigMessage message) => Write(message, ContractJson.Context.ConfigMessage);
    public ReadOnlySpan<byte> Write(Reply reply) => Write(reply, ContractJson.Context.Reply);

    /// <summary>
    /// Writes a <see cref="TracksMessage"/> from its parts without allocating: the per-frame path. The bytes are
    /// identical to <see cref="Write(TracksMessage)"/>'s (a test holds them together).
    /// </summary>
    public ReadOnlySpan<byte> WriteTracks(string camera, long frame, DateTimeOffset time, ReadOnlySpan<TrackTarget> targets)
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        var w = _json;
        w.WriteStartObject();
        w.WriteString(Names.Camera, camera);
        w.WriteNumber(Names.Frame, frame);
        w.WritePropertyName(Names.Time);
        UtcMillisecondsConverter.WriteValue(w, time);
        w.WriteStartArray(Names.Targets);
        foreach (ref readonly var target in targets)
        {
            w.WriteStartObject();
            w.WriteString(Names.Id, target.Id);
            WriteBox(w, Names.Box, target.Box);
            WriteBox(w, Names.Norm, target.Norm);
            w.WriteNumber(Names.Score, target.Score);
            w.WriteNumber(Names.Confidence, target.Confidence);
            w.WriteString(Names.State, target.State switch
            {
                TrackState.Tracking => Names.Tracking,
                TrackState.Uncertain => Names.Uncertain,
                _ => Names.Lost,
            });
            w.WriteNumber(Names.LatencyMs, target.LatencyMs);
            if (target.Label is not null)
            {
                w.WriteString(Names.Label, target.Label);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        return _buffer.WrittenSpan;
    }

    private static void WriteBox(Utf8JsonWriter w, JsonEncodedText name, Box box)
    {
        w.WriteStartObject(name);
        w.WriteNumber(Names.X, box.X);
        w.WriteNumber(Names.Y, box.Y);
        w.WriteNumber(Names.W, box.W);
        w.WriteNumber(Names.H, box.H);
        w.WriteEndObject();
    }

    /// <summary>Property names and enum values, encoded once.</summary>
    private static class Names
    {
        public static readonly JsonEncodedText Camera = JsonEncodedText.Encode("camera");
        public static readonly JsonEncodedText Frame = JsonEncodedText.Encode("frame");
        public static readonly JsonEncodedText Time = JsonEncodedText.Encode("time");
        public static readonly JsonEncodedText Targets = JsonEncodedText.Encode("targets");
        public static readonly JsonEncodedText Id = JsonEncodedText.Encode("id");
        public static readonly JsonEncodedText Box = JsonEncodedText.Encode("box");
        public static readonly JsonEncodedText Norm = JsonEncodedText.Encode("norm");
        public static readonly JsonEncodedText Score = JsonEncodedText.Encode("score");
        public static readonly JsonEncodedText Confidence = JsonEncodedText.Encode("confidence");
        public static readonly JsonEncodedText State = JsonEncodedText.Encode("state");
        public static readonly JsonEncodedText LatencyMs = JsonEncodedText.Encode("latencyMs");
        public static readonly JsonEncodedText Label = JsonEncodedText.Encode("label");
        public static readonly JsonEncodedText X = JsonEncodedText.Encode("x");
        public static readonly JsonEncodedText Y = JsonEncodedText.Encode("y");
        public static readonly JsonEncodedText W = JsonEncodedText.Encode("w");
        public static readonly JsonEncodedText H = JsonEncodedText.Encode("h");
        public static readonly JsonEncodedText Tracking = JsonEncodedText.Encode("tracking");
        public static readonly JsonEncodedText Uncertain = JsonEncodedText.Encode("uncertain");
        public static readonly JsonEncodedText Lost = JsonEncodedText.Encode("lost");
    }

    private ReadOnlySpan<byte> Write<T>(T value, JsonTypeInfo<T> info)
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        JsonSerializer.Serialize(_json, value, info);
        _json.Flush();
        return _buffer.WrittenSpan;
    }
}

/// <summary>Times as <c>2026-01-01T00:00:00.000Z</c>: UTC, always with milliseconds, as the contract fixes.</summary>
public sealed class UtcMillisecondsConverter : JsonConverter<DateTimeOffset>
{
    private const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => WriteValue(writer, value);

    internal static void WriteValue(Utf8JsonWriter writer, DateTimeOffset value)
    {
        Span<char> text = stackalloc char[32];
        value.UtcDateTime.TryFormat(text, out var written, Format, CultureInfo.InvariantCulture);
        writer.WriteStringValue(text[..written]);
    }
}
