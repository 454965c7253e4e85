using System.Buffers;
using System.Formats.Cbor;
using System.Numerics;
using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Serialization;

/// <summary>
/// wamp.2.cbor: CBOR binary frames via System.Formats.Cbor in Lax mode, so any well-formed
/// encoding a peer picks is accepted: indefinite-length items, half/single/double floats,
/// non-canonical integers. Semantic tags are skipped (their content is decoded), except
/// bignums (tags 2/3) which become long/ulong/double.
/// </summary>
public sealed class CborWampSerializer : IWampSerializer
{
    public static readonly CborWampSerializer Instance = new();

    public string Name => "cbor";
    public string Subprotocol => "wamp.2.cbor";
    public bool IsBinary => true;
    public byte RawSocketId => 3;

    // CborWriter buffers internally; writers that grew past this are not kept per thread.
    private const int MaxRetainedWriterBytes = 64 * 1024;

    [ThreadStatic] private static CborWriter? t_writer;

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public void Serialize(WampMessage message, IBufferWriter<byte> output)
        => SerializeFields(WampMessageCodec.ToFields(message), output);

    /// <summary>Encodes a raw wire array; tests use it to produce malformed messages.</summary>
    internal static void SerializeFields(object?[] fields, IBufferWriter<byte> output)
    {
        var writer = t_writer ?? new CborWriter(CborConformanceMode.Lax, convertIndefiniteLengthEncodings: false);
        t_writer = null; // re-entrant calls get their own writer
        try
        {
            var sink = new CborSink(writer);
            ValueWriter.WriteMessage(ref sink, fields);
            int length = writer.BytesWritten;
            writer.Encode(output.GetSpan(length));
            output.Advance(length);
        }
        finally
        {
            bool keep = writer.BytesWritten <= MaxRetainedWriterBytes;
            writer.Reset();
            if (keep) t_writer = writer;
        }
    }

    public WampMessage Deserialize(ReadOnlySequence<byte> data)
    {
        if (data.IsSingleSegment) return Decode(data.First);
        // CborReader needs contiguous memory; the decoded tree copies everything out of it.
        int length = checked((int)data.Length);
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            data.CopyTo(rented);
            return Decode(rented.AsMemory(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static WampMessage Decode(ReadOnlyMemory<byte> data)
    {
        try
        {
            if (data.IsEmpty) throw new WampProtocolException("empty CBOR message");
            var reader = new CborReader(data, CborConformanceMode.Lax);
            var root = ReadValue(reader, 0);
            if (reader.BytesRemaining != 0) throw new WampProtocolException("trailing data after CBOR message");
            return WampMessageCodec.FromFields(root, integralFloatIds: true);
        }
        catch (WampProtocolException) { throw; }
        catch (Exception ex)
        {
            throw new WampProtocolException($"invalid CBOR message: {ex.Message}", ex);
        }
    }

    private static object? ReadValue(CborReader r, int depth)
    {
        while (true)
        {
            switch (r.PeekState())
            {
                case CborReaderState.UnsignedInteger:
                {
                    ulong u = r.ReadUInt64();
                    return u <= long.MaxValue ? (object)(long)u : u;
                }
                case CborReaderState.NegativeInteger:
                {
                    // Encoded as n meaning -1 - n; below long.MinValue only a double can hold it.
                    ulong n = r.ReadCborNegativeIntegerRepresentation();
                    return n <= long.MaxValue ? (object)(-1L - (long)n) : -1.0 - n;
                }
                case CborReaderState.ByteString:
                case CborReaderState.StartIndefiniteLengthByteString:
                    return r.ReadByteString(); // concatenates indefinite-length chunks
                case CborReaderState.TextString:
                case CborReaderState.StartIndefiniteLengthTextString:
                    return ReadText(r);
                case CborReaderState.StartArray:
                {
                    int? count = r.ReadStartArray();
                    CheckContainer(r, depth, count ?? 0);
                    var list = new List<object?>(count ?? 4);
                    while (r.PeekState() != CborReaderState.EndArray) list.Add(ReadValue(r, depth + 1));
                    r.ReadEndArray();
                    return list;
                }
                case CborReaderState.StartMap:
                {
                    int? count = r.ReadStartMap();
                    CheckContainer(r, depth, (count ?? 0) * 2L);
                    var dict = new Dictionary<string, object?>(count ?? 4);
                    while (r.PeekState() != CborReaderState.EndMap)
                    {
                        var keyState = r.PeekState();
                        if (keyState is not (CborReaderState.TextString or CborReaderState.StartIndefiniteLengthTextString))
                            throw new WampProtocolException($"CBOR map key is {keyState}, not a text string");
                        string key = ReadText(r);
                        dict[key] = ReadValue(r, depth + 1); // duplicate keys: last one wins
                    }
                    r.ReadEndMap();
                    return dict;
                }
                case CborReaderState.Tag:
                {
                    var tag = r.PeekTag();
                    if (tag is CborTag.UnsignedBigNum or CborTag.NegativeBigNum) return Narrow(r.ReadBigInteger());
                    r.ReadTag(); // other semantic tags (dates, self-describe 55799, ...): use the content
                    continue;
                }
                case CborReaderState.HalfPrecisionFloat:
                case CborReaderState.SinglePrecisionFloat:
                case CborReaderState.DoublePrecisionFloat:
                    return r.ReadDouble();
                case CborReaderState.Boolean:
                    return r.ReadBoolean();
                case CborReaderState.Null:
                    r.ReadNull();
                    return null;
                case CborReaderState.SimpleValue:
                    // undefined (what JavaScript encoders emit for missing values) maps to null
                    if (r.ReadSimpleValue() == CborSimpleValue.Undefined) return null;
                    throw new WampProtocolException("unassigned CBOR simple value");
                default:
                    throw new WampProtocolException($"unexpected CBOR item {r.PeekState()}");
            }
        }
    }

    // Lax mode does not validate UTF-8, so text is decoded here with a throwing decoder.
    private static string ReadText(CborReader r)
    {
        if (r.PeekState() == CborReaderState.TextString)
            return StrictUtf8.GetString(r.ReadDefiniteLengthTextStringBytes().Span);
        r.ReadStartIndefiniteLengthTextString();
        var chunks = new ArrayBufferWriter<byte>();
        while (r.PeekState() != CborReaderState.EndIndefiniteLengthTextString)
            chunks.Write(r.ReadDefiniteLengthTextStringBytes().Span);
        r.ReadEndIndefiniteLengthTextString();
        return StrictUtf8.GetString(chunks.WrittenSpan);
    }

    private static object Narrow(BigInteger value)
    {
        // The narrowest of long, ulong, double that holds the value, boxed as that type.
        if (value >= long.MinValue && value <= long.MaxValue) { long asLong = (long)value; return asLong; }
        if (value.Sign > 0 && value <= ulong.MaxValue) { ulong asUlong = (ulong)value; return asUlong; }
        double asDouble = (double)value;
        return asDouble;
    }

    // Rejects deep nesting (stack safety) and definite counts larger than the remaining
    // input (every item is at least one byte) before anything is allocated for them.
    private static void CheckContainer(CborReader r, int depth, long minBytes)
    {
        if (depth >= ValueWriter.MaxDepth) throw new WampProtocolException($"CBOR nesting exceeds {ValueWriter.MaxDepth} levels");
        if (minBytes > r.BytesRemaining) throw new WampProtocolException("truncated CBOR message");
    }

    private readonly struct CborSink(CborWriter w) : IValueSink
    {
        public void WriteNull() => w.WriteNull();
        public void WriteBool(bool value) => w.WriteBoolean(value);
        public void WriteInt64(long value) => w.WriteInt64(value);
        public void WriteUInt64(ulong value) => w.WriteUInt64(value);
        public void WriteDouble(double value) => w.WriteDouble(value);
        public void WriteSingle(float value) => w.WriteSingle(value);
        // CBOR's decimal fraction tag is poorly supported by WAMP peers; send a plain number.
        public void WriteDecimal(decimal value) => w.WriteDouble((double)value);
        public void WriteString(string value) => w.WriteTextString(value);
        public void WriteBytes(ReadOnlySpan<byte> value) => w.WriteByteString(value);
        public void StartArray(int count) => w.WriteStartArray(count);
        public void EndArray() => w.WriteEndArray();
        public void StartMap(int count) => w.WriteStartMap(count);
        public void WriteKey(string key) => w.WriteTextString(key);
        public void EndMap() => w.WriteEndMap();
    }
}
