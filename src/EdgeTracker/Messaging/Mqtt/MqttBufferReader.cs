using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace EdgeTracker.Messaging.Mqtt;

/// <summary>
/// Reads MQTT primitive encodings from one packet's body. Every read checks that the bytes are there and well
/// formed and throws <see cref="MqttProtocolException"/> naming the field otherwise, so a truncated or malformed
/// packet can never read past its own body.
/// </summary>
public ref struct MqttBufferReader(ReadOnlySpan<byte> body)
{
    private readonly ReadOnlySpan<byte> _body = body;
    private int _position;

    /// <summary>Bytes not read yet.</summary>
    public readonly int Remaining => _body.Length - _position;

    public readonly ReadOnlySpan<byte> RemainingSpan => _body[_position..];

    public byte ReadByte(string field)
    {
        Require(1, field);
        return _body[_position++];
    }

    public ushort ReadUInt16(string field)
    {
        Require(2, field);
        var value = BinaryPrimitives.ReadUInt16BigEndian(_body[_position..]);
        _position += 2;
        return value;
    }

    /// <summary>Reads a length-prefixed UTF-8 string, rejecting ill-formed UTF-8 and U+0000 (spec 1.5.3).</summary>
    public string ReadString(string field)
    {
        var bytes = ReadBinarySpan(field);
        if (!Utf8.IsValid(bytes))
        {
            throw new MqttProtocolException($"{field} is not well-formed UTF-8");
        }
        if (bytes.IndexOf((byte)0) >= 0)
        {
            throw new MqttProtocolException($"{field} contains the null character U+0000");
        }
        return Encoding.UTF8.GetString(bytes);
    }

    public ReadOnlySpan<byte> ReadBinarySpan(string field)
    {
        var length = ReadUInt16(field + " length");
        Require(length, field);
        var bytes = _body.Slice(_position, length);
        _position += length;
        return bytes;
    }

    public ReadOnlySpan<byte> ReadToEnd()
    {
        var rest = _body[_position..];
        _position = _body.Length;
        return rest;
    }

    /// <summary>Throws unless every byte of the body was consumed (fixed-size packets must not carry extra bytes).</summary>
    public readonly void ExpectEnd(string packet)
    {
        if (Remaining != 0)
        {
            throw new MqttProtocolException($"{packet} has {Remaining} unexpected trailing byte(s)");
        }
    }

    private readonly void Require(int count, string field)
    {
        if (_body.Length - _position < count)
        {
            throw new MqttProtocolException($"truncated packet: {field} needs {count} byte(s), {_body.Length - _position} left");
        }
    }
}
