using System.Buffers.Binary;
using System.Text;

namespace EdgeTracker.Messaging.Mqtt;

/// <summary>
/// A growable, reusable byte buffer that writes MQTT's primitive encodings: big-endian 16-bit integers,
/// length-prefixed UTF-8 strings and binary data, and the variable byte integer of the fixed header.
/// One writer is reused for every packet a connection sends, so steady-state encoding does not allocate.
/// </summary>
public sealed class MqttBufferWriter(int initialCapacity = 256)
{
    private byte[] _buffer = new byte[Math.Max(16, initialCapacity)];
    private int _length;

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>The bytes written so far, as memory (valid until the next write or <see cref="Reset"/>).</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    /// <summary>How many bytes were written.</summary>
    public int Length => _length;

    /// <summary>Forgets what was written; keeps the storage.</summary>
    public void Reset() => _length = 0;

    public void WriteByte(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
    }

    public void WriteUInt16(ushort value)
    {
        Ensure(2);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(_length), value);
        _length += 2;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    /// <summary>Writes a UTF-8 string with its 16-bit length prefix.</summary>
    /// <exception cref="ArgumentException">The encoded string is longer than 65,535 bytes.</exception>
    public void WriteString(string value)
    {
        var byteCount = Encoding.UTF8.GetByteCount(value);
        if (byteCount > ushort.MaxValue)
        {
            throw new ArgumentException($"An MQTT string is at most 65535 bytes; this one is {byteCount}.", nameof(value));
        }
        WriteUInt16((ushort)byteCount);
        Ensure(byteCount);
        _length += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length));
    }

    /// <summary>Writes binary data with its 16-bit length prefix (CONNECT's will message and password).</summary>
    public void WriteBinary(ReadOnlySpan<byte> value)
    {
        if (value.Length > ushort.MaxValue)
        {
            throw new ArgumentException($"MQTT binary data is at most 65535 bytes; this is {value.Length}.", nameof(value));
        }
        WriteUInt16((ushort)value.Length);
        WriteBytes(value);
    }

    /// <summary>Writes the fixed header's remaining length: 1 to 4 bytes, 7 bits each, least significant first.</summary>
    public void WriteVariableByteInteger(int value)
    {
        if ((uint)value > MqttLimits.MaxRemainingLength)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"The remaining length is at most {MqttLimits.MaxRemainingLength}.");
        }
        do
        {
            var digit = (byte)(value & 0x7F);
            value >>= 7;
            WriteByte(value > 0 ? (byte)(digit | 0x80) : digit);
        }
        while (value > 0);
    }

    /// <summary>Writes a variable byte integer into <paramref name="destination"/>; returns the bytes used.</summary>
    public static int WriteVariableByteInteger(Span<byte> destination, int value)
    {
        var count = 0;
        do
        {
            var digit = (byte)(value & 0x7F);
            value >>= 7;
            destination[count++] = value > 0 ? (byte)(digit | 0x80) : digit;
        }
        while (value > 0);
        return count;
    }

    /// <summary>The written bytes, writable: the encoder places the fixed header into the gap it reserved.</summary>
    internal Span<byte> GetWrittenSpanForPatching() => _buffer.AsSpan(0, _length);

    /// <summary>How many bytes <see cref="WriteVariableByteInteger(int)"/> uses for <paramref name="value"/>.</summary>
    public static int VariableByteIntegerSize(int value) => value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;

    private void Ensure(int extra)
    {
        if (_length + extra <= _buffer.Length)
        {
            return;
        }
        var size = Math.Max(_buffer.Length * 2, _length + extra);
        Array.Resize(ref _buffer, size);
    }
}

/// <summary>Limits fixed by the MQTT 3.1.1 specification.</summary>
public static class MqttLimits
{
    /// <summary>The largest remaining length four variable-length bytes can express (256 MB - 1).</summary>
    public const int MaxRemainingLength = 268_435_455;

    /// <summary>The largest UTF-8 string or binary field: a 16-bit length prefix.</summary>
    public const int MaxStringBytes = ushort.MaxValue;
}
