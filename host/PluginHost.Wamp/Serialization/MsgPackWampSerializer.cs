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
public sealed class MsgPackWampSerializer : IWampSerializer, IPayloadFormat
{
    public static readonly MsgPackWampSerializer Instance = new(keepPayloadsEncoded: false, carriesJsonPayloads: false);

    /// <summary>
    /// The router's: keeps each message's Arguments and ArgumentsKw as the bytes they arrived in
    /// (<see cref="EncodedPayload"/>), which a MessagePack writer copies out as they are.
    /// </summary>
    internal static readonly MsgPackWampSerializer Routing = new(keepPayloadsEncoded: true, carriesJsonPayloads: false);

    /// <summary>
    /// Between the nodes of a cluster (Router/Cluster/ClusterEnvelope.cs): a payload a router kept as the JSON it came
    /// in (<see cref="EncodedPayload"/>) travels as those bytes in extension type <see cref="JsonPayloadExtension"/>, and
    /// is kept as JSON again by the node that reads it, so that a JSON client's payload reaches JSON clients on other
    /// nodes without being decoded and encoded on the way. Never offered to clients: WAMP has no extension types.
    /// </summary>
    internal static readonly MsgPackWampSerializer Cluster = new(keepPayloadsEncoded: true, carriesJsonPayloads: true);

    /// <summary>The extension type of a JSON payload between nodes ('J'; 0-127 are the application's).</summary>
    internal const sbyte JsonPayloadExtension = 74;

    private readonly bool _keepPayloadsEncoded, _carriesJsonPayloads;

    private MsgPackWampSerializer(bool keepPayloadsEncoded, bool carriesJsonPayloads)
    {
        _keepPayloadsEncoded = keepPayloadsEncoded;
        _carriesJsonPayloads = carriesJsonPayloads;
    }

    public string Name => "msgpack";
    public string Subprotocol => "wamp.2.msgpack";
    public bool IsBinary => true;
    public byte RawSocketId => 2;

    // MessagePack's own string decoding substitutes U+FFFD for bad bytes; peers must send valid UTF-8.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public void Serialize(WampMessage message, IBufferWriter<byte> output)
    {
        var sink = new MsgPackSink { Writer = new MessagePackWriter(output), CarriesJsonPayloads = _carriesJsonPayloads };
        WampMessageCodec.Write(ref sink, message);
        sink.Writer.Flush();
    }

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
            var root = _keepPayloadsEncoded ? ReadMessage(ref reader) : ReadValue(ref reader, 0);
            if (!reader.End) throw new WampProtocolException("trailing data after MessagePack message");
            return MessageFieldsList.ToMessage(root, integralFloatIds: true, taken: _keepPayloadsEncoded);
        }
        catch (WampProtocolException) { throw; }
        catch (Exception ex)
        {
            throw new WampProtocolException($"invalid MessagePack message: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// A message's root value as <see cref="ReadValue"/> reads it, but for the payload: kept as its bytes
    /// (<see cref="EncodedPayload"/>) when this instance keeps payloads, and, between nodes (<see cref="Cluster"/>), a JSON
    /// payload in extension type <see cref="JsonPayloadExtension"/> kept as JSON.
    /// </summary>
    private object? ReadMessage(ref MessagePackReader r)
    {
        if (r.NextMessagePackType != MessagePackType.Array) return ReadValue(ref r, 0);
        int count = r.ReadArrayHeader();
        CheckContainer(ref r, 0, count);
        var fields = MessageFieldsList.Take();
        int payloadAt = int.MaxValue;
        for (int i = 0; i < count; i++)
        {
            bool isPayload = i == payloadAt || i == payloadAt + 1;
            if (isPayload && _carriesJsonPayloads && IsJsonPayload(ref r))
            {
                var header = r.ReadExtensionFormatHeader();
                fields.Add(JsonWampSerializer.KeepPayload(r.ReadRaw(header.Length).ToArray(), isArguments: i == payloadAt));
            }
            else if (isPayload && r.NextMessagePackType == (i == payloadAt ? MessagePackType.Array : MessagePackType.Map))
            {
                fields.Add(KeepEncoded(ref r, isArguments: i == payloadAt));
            }
            else
            {
                fields.Add(ReadValue(ref r, 1));
            }
            if (i == 0 && fields[0] is long type) payloadAt = WampMessageCodec.PayloadIndex(type);
        }
        return fields;
    }

    /// <summary>
    /// The array or map the reader is on, kept as its bytes after the checks <see cref="ReadValue"/> makes; decoded when
    /// it is empty, or when it holds msgpackr's `undefined`, which decoding turns into nil.
    /// </summary>
    private object? KeepEncoded(ref MessagePackReader r, bool isArguments)
    {
        var begin = r.CreatePeekReader();
        bool decodesDifferently = false;
        int count = isArguments ? CheckArray(ref r, 1, ref decodesDifferently) : CheckMap(ref r, 1, ref decodesDifferently);
        if (count == 0 || decodesDifferently) return ReadValue(ref begin, 1);
        var bytes = r.Sequence.Slice(begin.Position, r.Position).ToArray();
        return isArguments ? new EncodedArguments(this, bytes, count) : new EncodedArgumentsKwDictionary(this, bytes);
    }

    /// <summary>Reads past one value, refusing what <see cref="ReadValue"/> refuses, allocating nothing.</summary>
    private static void Check(ref MessagePackReader r, int depth, ref bool decodesDifferently)
    {
        switch (r.NextMessagePackType)
        {
            case MessagePackType.String:
                CheckString(ref r);
                return;
            case MessagePackType.Array:
                CheckArray(ref r, depth, ref decodesDifferently);
                return;
            case MessagePackType.Map:
                CheckMap(ref r, depth, ref decodesDifferently);
                return;
            case MessagePackType.Extension:
                ReadExtension(ref r);
                decodesDifferently = true;
                return;
            case MessagePackType.Nil or MessagePackType.Boolean or MessagePackType.Integer or MessagePackType.Float or MessagePackType.Binary:
                r.Skip();
                return;
            default:
                throw new WampProtocolException($"invalid MessagePack type code 0x{r.NextCode:x2}");
        }
    }

    /// <summary><see cref="Check"/> of an array; returns its element count.</summary>
    private static int CheckArray(ref MessagePackReader r, int depth, ref bool decodesDifferently)
    {
        int count = r.ReadArrayHeader();
        CheckContainer(ref r, depth, count);
        for (int i = 0; i < count; i++) Check(ref r, depth + 1, ref decodesDifferently);
        return count;
    }

    /// <summary><see cref="Check"/> of a map; returns its entry count.</summary>
    private static int CheckMap(ref MessagePackReader r, int depth, ref bool decodesDifferently)
    {
        int count = r.ReadMapHeader();
        CheckContainer(ref r, depth, count * 2L);
        for (int i = 0; i < count; i++)
        {
            if (r.NextMessagePackType != MessagePackType.String)
                throw new WampProtocolException($"MessagePack map key is {r.NextMessagePackType}, not a string");
            CheckString(ref r);
            Check(ref r, depth + 1, ref decodesDifferently);
        }
        return count;
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
                return WampValue.Box(r.ReadBoolean());
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
                    string key = ReadKey(ref r);
                    dict[key] = ReadValue(ref r, depth + 1); // duplicate keys: last one wins
                }
                return dict;
            }
            case MessagePackType.Extension:
                return ReadExtension(ref r);
            default:
                throw new WampProtocolException($"invalid MessagePack type code 0x{r.NextCode:x2}");
        }
    }

    private static object? ReadExtension(ref MessagePackReader r)
    {
        // Extension types are not part of WAMP, with one exception seen in the wild: msgpackr
        // (used by wampy.js) encodes JavaScript `undefined` as fixext 1, type 0, data 0.
        // Reading it as nil keeps those clients working; anything else is rejected.
        var header = r.ReadExtensionFormatHeader();
        var data = r.ReadRaw(header.Length);
        if (header.TypeCode == 0 && header.Length == 1 && data.FirstSpan[0] == 0) return null;
        throw new WampProtocolException($"MessagePack extension type {header.TypeCode} is not allowed in WAMP");
    }

    // Rejects deep nesting (stack safety) and counts larger than the remaining input
    // (every item is at least one byte), before anything is allocated for them.
    private static void CheckContainer(ref MessagePackReader r, int depth, long minBytes)
    {
        if (depth >= ValueWriter.MaxDepth) throw new WampProtocolException($"MessagePack nesting exceeds {ValueWriter.MaxDepth} levels");
        if (minBytes > r.Sequence.Length - r.Consumed) throw new WampProtocolException("truncated MessagePack message");
    }

    private static string ReadString(ref MessagePackReader r) => Decode(r.ReadStringSequence()!.Value);

    /// <summary>A map key: the shared string when it is a known one (KnownKeys), else decoded as any string.</summary>
    private static string ReadKey(ref MessagePackReader r)
    {
        var seq = r.ReadStringSequence()!.Value;
        return (seq.IsSingleSegment ? KnownKeys.Find(seq.FirstSpan) : null) ?? Decode(seq);
    }

    private static string Decode(in ReadOnlySequence<byte> utf8)
        => utf8.IsSingleSegment ? StrictUtf8.GetString(utf8.FirstSpan) : StrictUtf8.GetString(utf8);

    /// <summary>What <see cref="ReadString"/> checks, without making the string.</summary>
    private static void CheckString(ref MessagePackReader r)
    {
        var seq = r.ReadStringSequence()!.Value;
        if (!Utf8Text.IsValid(seq))
            throw new WampProtocolException("invalid UTF-8 in a MessagePack string");
    }

    object IPayloadFormat.Decode(byte[] encoded)
    {
        var reader = new MessagePackReader(encoded);
        return ReadValue(ref reader, 1)!; // at the depth it had in its message; checked when it was kept
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
            if (payload.Format is MsgPackWampSerializer)
            {
                Writer.WriteRaw(payload.Bytes);
                return true;
            }
            if (!CarriesJsonPayloads || payload.Format is not JsonWampSerializer) return false;
            Writer.WriteExtensionFormatHeader(new ExtensionHeader(JsonPayloadExtension, payload.Bytes.Length));
            Writer.WriteRaw(payload.Bytes);
            return true;
        }
    }
}
