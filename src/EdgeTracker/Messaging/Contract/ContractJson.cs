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

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        Span<char> text = stackalloc char[32];
        value.UtcDateTime.TryFormat(text, out var written, Format, CultureInfo.InvariantCulture);
        writer.WriteStringValue(text[..written]);
    }
}
