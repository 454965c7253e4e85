using System.Buffers;
using System.Text;
using MessagePack;
using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Serialization;

/// <summary>
/// wamp.2.msgpack: MessagePack binary frames via the MessagePack package's low-level
/// reader/writer. Strings are str (str8 allowed), binary is bin; extension types are
/// not part of WAMP and are rejected on input (but for msgpackr's encoding of `undefined`).
/// </summary>
public sealed class MsgPackWampSerializer : IWampSerializer
{
    public static readonly MsgPackWampSerializer Instance = new(carriesJsonPayloads: false);

    /// <summary>
    /// Between the nodes of a cluster (Router/Cluster/ClusterEnvelope.cs): a payload a router kept as the JSON it came
    /// in (<see cref="EncodedPayload"/>) travels as those bytes in extension type <see cref="JsonPayloadExtension"/>, and
    /// is kept as JSON again by the node that reads it, so that a JSON client's payload reaches JSON clients on other
    /// nodes without being decoded and encoded on the way. Never offered to clients: WAMP has no extension types.
    /// </summary>
    internal static readonly MsgPackWampSerializer Cluster = new(carriesJsonPayloads: true);

    /// <summary>The extension type of a JSON payload between nodes ('J'; 0-127 are the application's).</summary>
    internal const sbyte JsonPayloadExtension = 74;

    private readonly bool _carriesJsonPayloads;

    private MsgPackWampSerializer(bool carriesJsonPayloads) => _carriesJsonPayloads = carriesJsonPayloads;

    public string Name => "msgpack";
    public string Subprotocol => "wamp.2.msgpack";
    public bool IsBinary => true;
    public byte RawSocketId => 2;

    // MessagePack's own string decoding substitutes U+FFFD for bad bytes; peers must send valid UTF-8.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public void Serialize(WampMessage message, IBufferWriter<byte> output)
        => SerializeFields(WampMessageCodec.ToFields(message), output, _carriesJsonPayloads);

    /// <summary>Encodes a raw wire array; tests use it to produce malformed messages.</summary>
    internal static void SerializeFields(object?[] fields, IBufferWriter<byte> output, bool carriesJsonPayloads = false)
    {
        var sink = new MsgPackSink { Writer = new MessagePackWriter(output), CarriesJsonPayloads = carriesJsonPayloads };
        ValueWriter.WriteMessage(ref sink, fields);
        sink.Writer.Flush();
    }

    public WampMessage Deserialize(ReadOnlySequence<byte> data)
    {
        try
        {
            var reader = new MessagePackReader(data);
            if (reader.End) throw new WampProtocolException("empty MessagePack message");
            var root = _carriesJsonPayloads ? ReadMessage(ref reader) : ReadValue(ref reader, 0);
            if (!reader.End) throw new WampProtocolException("trailing data after MessagePack message");
            return WampMessageCodec.FromFields(root, integralFloatIds: true);
        }
        catch (WampProtocolException) { throw; }
        catch (Exception ex)
        {
            throw new WampProtocolException($"invalid MessagePack message: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// A message's root value as <see cref="ReadValue"/> reads it, but for a payload in extension type
    /// <see cref="JsonPayloadExtension"/> at the Arguments or ArgumentsKw position, which is kept as JSON (<see cref="Cluster"/>).
    /// </summary>
    private static object? ReadMessage(ref MessagePackReader r)
    {
        if (r.NextMessagePackType != MessagePackType.Array) return ReadValue(ref r, 0);
        int count = r.ReadArrayHeader();
        CheckContainer(ref r, 0, count);
        var fields = new List<object?>(count);
        int payloadAt = int.MaxValue;
        for (int i = 0; i < count; i++)
        {
            if ((i == payloadAt || i == payloadAt + 1) && IsJsonPayload(ref r))
            {
                var header = r.ReadExtensionFormatHeader();
                fields.Add(JsonWampSerializer.KeepPayload(r.ReadRaw(header.Length).ToArray(), isArguments: i == payloadAt));
            }
            else
            {
                fields.Add(ReadValue(ref r, 1));
            }
            if (i == 0 && fields[0] is long type) payloadAt = WampMessageCodec.PayloadIndex(type);
        }
        return fields;
    }

    private static bool IsJsonPayload(ref MessagePackReader r)
    {
        if (r.NextMessagePackType != MessagePackType.Extension) return false;
        var peek = r.CreatePeekReader();
        return peek.ReadExtensionFormatHeader().TypeCode == JsonPayloadExtension;
    }

    private static object? ReadValue(ref MessagePackReader r, int depth)
    {
        switch (r.NextMessagePackType)
        {
            case MessagePackType.Nil:
                r.ReadNil();
                return null;
            case MessagePackType.Boolean:
                return r.ReadBoolean();
            case MessagePackType.Integer:
                if (r.NextCode == MessagePackCode.UInt64)
                {
                    ulong u = r.ReadUInt64();
                    return u <= long.MaxValue ? (object)(long)u : u;
                }
                return r.ReadInt64();
            case MessagePackType.Float:
                return r.ReadDouble(); // float32 widens exactly
            case MessagePackType.String:
                return ReadString(ref r);
            case MessagePackType.Binary:
                return r.ReadBytes()!.Value.ToArray();
            case MessagePackType.Array:
            {
                int count = r.ReadArrayHeader();
                CheckContainer(ref r, depth, count);
                var list = new List<object?>(count);
                for (int i = 0; i < count; i++) list.Add(ReadValue(ref r, depth + 1));
                return list;
            }
            case MessagePackType.Map:
            {
                int count = r.ReadMapHeader();
                CheckContainer(ref r, depth, count * 2L);
                var dict = new Dictionary<string, object?>(count);
                for (int i = 0; i < count; i++)
                {
                    if (r.NextMessagePackType != MessagePackType.String)
                        throw new WampProtocolException($"MessagePack map key is {r.NextMessagePackType}, not a string");
                    string key = ReadString(ref r);
                    dict[key] = ReadValue(ref r, depth + 1); // duplicate keys: last one wins
                }
                return dict;
            }
            case MessagePackType.Extension:
            {
                // Extension types are not part of WAMP, with one exception seen in the wild: msgpackr
                // (used by wampy.js) encodes JavaScript `undefined` as fixext 1, type 0, data 0.
                // Reading it as nil keeps those clients working; anything else is rejected.
                var header = r.ReadExtensionFormatHeader();
                var data = r.ReadRaw(header.Length);
                if (header.TypeCode == 0 && header.Length == 1 && data.FirstSpan[0] == 0) return null;
                throw new WampProtocolException($"MessagePack extension type {header.TypeCode} is not allowed in WAMP");
            }
            default:
                throw new WampProtocolException($"invalid MessagePack type code 0x{r.NextCode:x2}");
        }
    }

    // Rejects deep nesting (stack safety) and counts larger than the remaining input
    // (every item is at least one byte), before anything is allocated for them.
    private static void CheckContainer(ref MessagePackReader r, int depth, long minBytes)
    {
        if (depth >= ValueWriter.MaxDepth) throw new WampProtocolException($"MessagePack nesting exceeds {ValueWriter.MaxDepth} levels");
        if (minBytes > r.Sequence.Length - r.Consumed) throw new WampProtocolException("truncated MessagePack message");
    }

    private static string ReadString(ref MessagePackReader r)
    {
        var seq = r.ReadStringSequence()!.Value;
        return seq.IsSingleSegment ? StrictUtf8.GetString(seq.FirstSpan) : StrictUtf8.GetString(seq);
    }

    private ref struct MsgPackSink : IValueSink
    {
        public MessagePackWriter Writer;

        public void WriteNull() => Writer.WriteNil();
        public void WriteBool(bool value) => Writer.Write(value);
        public void WriteInt64(long value) => Writer.Write(value); // smallest encoding that fits
        public void WriteUInt64(ulong value) => Writer.Write(value);
        public void WriteDouble(double value) => Writer.Write(value);
        public void WriteSingle(float value) => Writer.Write(value);
        // MessagePack has no decimal type; a number is more useful to peers than a string.
        public void WriteDecimal(decimal value) => Writer.Write((double)value);
        public void WriteString(string value) => Writer.Write(value);
        public void WriteBytes(ReadOnlySpan<byte> value) => Writer.Write(value);
        public void StartArray(int count) => Writer.WriteArrayHeader(count);
        public void EndArray() { }
        public void StartMap(int count) => Writer.WriteMapHeader(count);
        public void WriteKey(string key) => Writer.Write(key);
        public void EndMap() { }

        /// <summary>Between nodes only (<see cref="Cluster"/>): a JSON payload as its bytes, in an extension.</summary>
        public bool CarriesJsonPayloads;

        public bool WriteEncoded(EncodedPayload payload)
        {
            if (!CarriesJsonPayloads || payload.Format is not JsonWampSerializer) return false;
            Writer.WriteExtensionFormatHeader(new ExtensionHeader(JsonPayloadExtension, payload.Bytes.Length));
            Writer.WriteRaw(payload.Bytes);
            return true;
        }
    }
}
