using System.Buffers;
using System.Globalization;
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
    public static byte[] Serialize(TracksMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, ContractJsonContext.Default.TracksMessage);
    public static byte[] Serialize(EventMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, ContractJsonContext.Default.EventMessage);
    public static byte[] Serialize(StateMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, ContractJsonContext.Default.StateMessage);
    public static byte[] Serialize(TargetsMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, ContractJsonContext.Default.TargetsMessage);
    public static byte[] Serialize(ConfigMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, ContractJsonContext.Default.ConfigMessage);
    public static byte[] Serialize(Reply reply) => JsonSerializer.SerializeToUtf8Bytes(reply, ContractJsonContext.Default.Reply);

    internal static JsonTypeInfo<T> Info<T>() => (JsonTypeInfo<T>)ContractJsonContext.Default.GetTypeInfo(typeof(T))!;
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

    public ContractWriter() => _json = new Utf8JsonWriter(_buffer);

    public ReadOnlySpan<byte> Write(TracksMessage message) => Write(message, ContractJsonContext.Default.TracksMessage);
    public ReadOnlySpan<byte> Write(EventMessage message) => Write(message, ContractJsonContext.Default.EventMessage);
    public ReadOnlySpan<byte> Write(StateMessage message) => Write(message, ContractJsonContext.Default.StateMessage);
    public ReadOnlySpan<byte> Write(TargetsMessage message) => Write(message, ContractJsonContext.Default.TargetsMessage);
    public ReadOnlySpan<byte> Write(ConfigMessage message) => Write(message, ContractJsonContext.Default.ConfigMessage);
    public ReadOnlySpan<byte> Write(Reply reply) => Write(reply, ContractJsonContext.Default.Reply);

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
