using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace PluginHost.Wamp.Transport;

/// <summary>
/// RFC 6455 section 5 framing, the server's side: reading the masked frames a client sends and writing the unmasked
/// frames a server sends. Used by <see cref="PipeWebSocketConnection"/>; every rule of the RFC it enforces is named
/// where it is.
/// </summary>
internal static class WebSocketFrames
{
    public const byte Continuation = 0x0, Text = 0x1, Binary = 0x2, Close = 0x8, Ping = 0x9, Pong = 0xA;

    /// <summary>5.5: a control frame's payload is at most 125 bytes (a close frame's includes its 2-byte code).</summary>
    public const int MaxControlPayload = 125;

    /// <summary>The longest header a server writes: 2 bytes and a 64-bit length (server frames carry no mask).</summary>
    public const int MaxServerHeaderSize = 10;

    /// <summary>Close codes of RFC 6455 7.4.1 that this server sends.</summary>
    public const ushort NormalClosure = 1000, ProtocolError = 1002, InvalidPayload = 1007, MessageTooBig = 1009;

    /// <summary>One parsed frame header.</summary>
    public readonly record struct Header(bool Fin, byte Opcode, long PayloadLength, uint Mask, int Size)
    {
        public bool IsControl => IsControlOpcode(Opcode);
    }

    /// <summary>
    /// Reads a client frame's header from the front of <paramref name="buffer"/>. False when the header is not complete
    /// yet. Throws <see cref="WebSocketFramingException"/> (with the close code to send) on a header the RFC forbids.
    /// </summary>
    public static bool TryReadHeader(in ReadOnlySequence<byte> buffer, out Header header)
    {
        header = default;
        if (buffer.Length < 2) return false;
        Span<byte> bytes = stackalloc byte[14];
        int available = (int)Math.Min(buffer.Length, 14);
        buffer.Slice(0, available).CopyTo(bytes);

        byte first = bytes[0], second = bytes[1];
        // 5.2: RSV1-3 must be 0 unless an extension defines them; this connection negotiates none.
        if ((first & 0x70) != 0) throw new WebSocketFramingException(ProtocolError, "a frame has reserved bits set and no extension was negotiated");
        byte opcode = (byte)(first & 0x0F);
        // 5.2: opcodes 3-7 and 0xB-0xF are reserved.
        if (opcode is > Binary and < Close or > Pong) throw new WebSocketFramingException(ProtocolError, $"a frame has the reserved opcode 0x{opcode:X}");
        bool fin = (first & 0x80) != 0;
        // 5.1: a server closes the connection on a frame from the client that is not masked.
        if ((second & 0x80) == 0) throw new WebSocketFramingException(ProtocolError, "a client frame is not masked");

        int size = 2;
        long length = second & 0x7F;
        if (length == 126)
        {
            size = 4;
            if (available < size) return false;
            length = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]);
        }
        else if (length == 127)
        {
            size = 10;
            if (available < size) return false;
            ulong wide = BinaryPrimitives.ReadUInt64BigEndian(bytes[2..]);
            // 5.2: the most significant bit of a 64-bit length must be 0.
            if (wide > long.MaxValue) throw new WebSocketFramingException(ProtocolError, "a frame's 64-bit length has its most significant bit set");
            length = (long)wide;
        }
        if (available < size + 4) return false;
        uint mask = MemoryMarshal.Read<uint>(bytes.Slice(size, 4)); // the key's bytes in wire order
        size += 4;

        if (IsControlOpcode(opcode))
        {
            // 5.5: control frames are never fragmented and carry at most 125 bytes.
            if (!fin) throw new WebSocketFramingException(ProtocolError, "a control frame is fragmented");
            if (length > MaxControlPayload) throw new WebSocketFramingException(ProtocolError, $"a control frame carries {length} bytes (at most 125)");
        }
        header = new Header(fin, opcode, length, mask, size);
        return true;
    }

    /// <summary>
    /// Copies a masked payload into <paramref name="destination"/>, unmasking it (5.3). <paramref name="offset"/> is the
    /// payload's position within its frame, so that a frame copied in pieces is unmasked with the right key bytes.
    /// </summary>
    public static void CopyUnmasked(in ReadOnlySequence<byte> payload, Span<byte> destination, uint mask, long offset = 0)
    {
        payload.CopyTo(destination);
        Unmask(destination[..(int)payload.Length], mask, offset);
    }

    /// <summary>XORs <paramref name="data"/> in place with the 4-byte key, starting at key byte <paramref name="offset"/> mod 4.</summary>
    public static void Unmask(Span<byte> data, uint mask, long offset = 0)
    {
        int shift = (int)(offset & 3);
        // Rotate the key so that its byte for data[0] comes first (the key is held in memory order).
        uint key = shift == 0 ? mask : BitConverter.IsLittleEndian ? BitOperations.RotateRight(mask, shift * 8) : BitOperations.RotateLeft(mask, shift * 8);
        ulong wide = key | ((ulong)key << 32);
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        for (int w = 0; w < words.Length; w++) words[w] ^= wide;
        int i = words.Length * 8;
        Span<byte> keyBytes = stackalloc byte[4];
        MemoryMarshal.Write(keyBytes, in key);
        for (int k = 0; i < data.Length; i++, k++) data[i] ^= keyBytes[k & 3];
    }

    /// <summary>5.5: control frames have opcodes with the high bit set (0x8-0xF).</summary>
    private static bool IsControlOpcode(byte opcode) => (opcode & 0x8) != 0;

    /// <summary>Writes a server frame's header (FIN set, no mask) and returns its size.</summary>
    public static int WriteHeader(Span<byte> destination, byte opcode, long payloadLength)
    {
        destination[0] = (byte)(0x80 | opcode);
        if (payloadLength < 126)
        {
            destination[1] = (byte)payloadLength;
            return 2;
        }
        if (payloadLength <= ushort.MaxValue)
        {
            destination[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
            return 4;
        }
        destination[1] = 127;
        BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
        return 10;
    }

    /// <summary>Writes one whole unmasked frame into <paramref name="output"/>.</summary>
    public static void WriteFrame(IBufferWriter<byte> output, byte opcode, ReadOnlySpan<byte> payload)
    {
        output.Advance(WriteHeader(output.GetSpan(MaxServerHeaderSize), opcode, payload.Length));
        output.Write(payload);
    }

    /// <summary>7.4: the codes a peer may send in a close frame (1004-1006 and 1015 are reserved, the rest below 3000 unassigned).</summary>
    public static bool IsValidReceivedCloseCode(ushort code)
        => code is >= 1000 and <= 1003 or >= 1007 and <= 1011 or >= 3000 and <= 4999;
}

/// <summary>A client broke RFC 6455 framing; the connection is failed with <see cref="CloseCode"/>.</summary>
internal sealed class WebSocketFramingException(ushort closeCode, string message) : IOException($"WebSocket protocol error: {message}")
{
    public ushort CloseCode { get; } = closeCode;
}
