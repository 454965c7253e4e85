using System.Buffers;
using System.Buffers.Binary;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Serialization;

namespace PluginHost.Wamp.Transport;

/// <summary>
/// The batched WebSocket subprotocols (wamp.2.json.batched, wamp.2.msgpack.batched, wamp.2.cbor.batched;
/// advanced profile, transport "batched mode"): one WebSocket message carries one or more WAMP messages.
/// As Autobahn (and so Crossbar) frames them: JSON messages each end with the byte 0x18; binary messages
/// each start with their length as a 4-byte big-endian integer.
/// </summary>
public static class BatchedFraming
{
    /// <summary>Appended to a serializer's subprotocol for its batched variant (wamp.2.json.batched).</summary>
    public const string Suffix = ".batched";

    /// <summary>Autobahn's JSON batch terminator ('\30', octal). The spec's sketch names 0x1E; both are accepted when reading.</summary>
    private const byte JsonTerminator = 0x18;
    private const byte SpecJsonTerminator = 0x1E;

    /// <summary>Appends one encoded message, framed for a batch.</summary>
    public static void Append(IWampSerializer serializer, ReadOnlySpan<byte> encoded, IBufferWriter<byte> output)
    {
        if (serializer.IsBinary)
        {
            BinaryPrimitives.WriteUInt32BigEndian(output.GetSpan(4), (uint)encoded.Length);
            output.Advance(4);
            output.Write(encoded);
        }
        else
        {
            output.Write(encoded);
            output.GetSpan(1)[0] = JsonTerminator;
            output.Advance(1);
        }
    }

    /// <summary>Splits one received WebSocket message into the encoded WAMP messages it carries.</summary>
    /// <exception cref="WampProtocolException">the framing is broken (a length past the end, no message at all).</exception>
    public static List<ReadOnlyMemory<byte>> Split(IWampSerializer serializer, ReadOnlyMemory<byte> payload)
    {
        var parts = new List<ReadOnlyMemory<byte>>();
        if (serializer.IsBinary)
        {
            while (payload.Length > 0)
            {
                if (payload.Length < 4) throw new WampProtocolException("batched message: truncated length prefix");
                uint length = BinaryPrimitives.ReadUInt32BigEndian(payload.Span);
                if (length > payload.Length - 4) throw new WampProtocolException($"batched message: a length prefix of {length} bytes runs past the end");
                parts.Add(payload.Slice(4, (int)length));
                payload = payload[(4 + (int)length)..];
            }
        }
        else
        {
            // JSON text never holds a raw control character (they are escaped in strings), so splitting is exact.
            while (payload.Length > 0)
            {
                int end = payload.Span.IndexOfAny(JsonTerminator, SpecJsonTerminator);
                if (end < 0) { parts.Add(payload); break; } // a last message without its terminator
                if (end > 0) parts.Add(payload[..end]);
                payload = payload[(end + 1)..];
            }
        }
        if (parts.Count == 0) throw new WampProtocolException("batched message without any WAMP message");
        return parts;
    }
}
