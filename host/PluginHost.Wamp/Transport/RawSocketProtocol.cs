using System.Buffers.Binary;

namespace PluginHost.Wamp.Transport;

/// <summary>
/// Wire constants and helpers of WAMP RawSocket (wamp-proto advanced/transport_rawsocket.md).
/// </summary>
public static class RawSocketProtocol
{
    /// <summary>First octet of the handshake: it makes RawSocket distinguishable from HTTP and others.</summary>
    public const byte Magic = 0x7F;

    /// <summary>2^24 = 16 MiB: the largest length a frame or handshake can express.</summary>
    public const int MaxLengthLimit = 1 << 24;

    /// <summary>2^9 = 512 B: the smallest maximum length (exponent 0).</summary>
    public const int MinLengthLimit = 1 << 9;

    /// <summary>Octets in a handshake (request or reply).</summary>
    public const int HandshakeSize = 4;
    /// <summary>Octets in a frame header: type and 24-bit length.</summary>
    public const int FrameHeaderSize = 4;

    // Frame types: the low three bits TTT of the first header octet.
    /// <summary>Frame type: a WAMP message.</summary>
    public const byte FrameMessage = 0;
    /// <summary>Frame type: PING (the peer answers with PONG, same payload).</summary>
    public const byte FramePing = 1;
    /// <summary>Frame type: PONG.</summary>
    public const byte FramePong = 2;

    /// <summary>Handshake exponent L so that 2^(9+L) is the largest power of two not above <paramref name="maxMessageSize"/>.</summary>
    public static int LengthExponent(int maxMessageSize)
    {
        int clamped = Math.Clamp(maxMessageSize, MinLengthLimit, MaxLengthLimit);
        return 31 - int.LeadingZeroCount(clamped) - 9;
    }

    /// <summary>Maximum length announced by exponent L: 2^(9+L).</summary>
    public static int LengthFromExponent(int exponent) => 1 << (9 + exponent);

    /// <summary>Client hello / router reply: 0x7F, LLLL SSSS, 0, 0 (the last two octets are reserved and must be zero).</summary>
    public static void WriteHandshake(Span<byte> destination, int lengthExponent, byte serializerId)
    {
        destination[0] = Magic;
        destination[1] = (byte)((lengthExponent << 4) | (serializerId & 0x0F));
        destination[2] = 0;
        destination[3] = 0;
    }

    /// <summary>Router error reply: 0x7F, EEEE 0000, 0, 0.</summary>
    public static void WriteHandshakeError(Span<byte> destination, RawSocketHandshakeError error)
    {
        destination[0] = Magic;
        destination[1] = (byte)((int)error << 4);
        destination[2] = 0;
        destination[3] = 0;
    }

    /// <summary>
    /// Frame header: RRRR XTTT then a 24-bit big-endian length; X is the 25th length bit, used
    /// only for exactly 2^24. Reserved bits R are always zero.
    /// </summary>
    public static void WriteFrameHeader(Span<byte> destination, byte frameType, int length)
    {
        uint x = (uint)length >> 24; // 1 only for exactly 2^24
        BinaryPrimitives.WriteUInt32BigEndian(destination, (x << 27) | ((uint)frameType << 24) | ((uint)length & 0xFF_FFFF));
    }

    /// <summary>Splits a frame header into reserved bits, frame type and payload length.</summary>
    public static (int Reserved, int FrameType, int Length) ReadFrameHeader(ReadOnlySpan<byte> header)
    {
        uint value = BinaryPrimitives.ReadUInt32BigEndian(header);
        int x = (int)(value >> 27) & 1;
        return ((int)(value >> 28), (int)((value >> 24) & 0x07), (x << 24) | (int)(value & 0xFF_FFFF));
    }
}

/// <summary>Error codes E of the router's handshake error reply.</summary>
public enum RawSocketHandshakeError : byte
{
    /// <summary>The router speaks none of the serializers asked for.</summary>
    SerializerUnsupported = 1,
    /// <summary>The maximum message length asked for is not acceptable.</summary>
    MaxLengthUnacceptable = 2,
    /// <summary>The handshake used reserved bits.</summary>
    ReservedBitsUsed = 3,
    /// <summary>The router has reached its connection limit.</summary>
    MaxConnectionCountReached = 4,
}

/// <summary>The router refused the RawSocket handshake (or answered with something that is not a handshake).</summary>
public sealed class RawSocketHandshakeException(string message, RawSocketHandshakeError? error = null) : IOException(message)
{
    /// <summary>The router's error code, when it sent one.</summary>
    public RawSocketHandshakeError? Error { get; } = error;
}

/// <summary>A message is larger than the peer accepts; it was not sent (earlier messages of the batch were).</summary>
public sealed class WampMessageTooLargeException(int size, int limit)
    : IOException($"message of {size} bytes exceeds the peer's limit of {limit} bytes")
{
    /// <summary>The encoded size of the message, in bytes.</summary>
    public int Size { get; } = size;
    /// <summary>The largest message the peer accepts, in bytes.</summary>
    public int Limit { get; } = limit;
}
