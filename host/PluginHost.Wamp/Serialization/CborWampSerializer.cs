using System.Buffers;
using System.Formats.Cbor;
using System.Numerics;
using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Serialization;

/// <summary>
/// wamp.2.cbor: CBOR binary frames, written by System.Formats.Cbor's CborWriter, read by CborValueReader, which
/// accepts any well-formed encoding a peer picks: indefinite-length items, half/single/double floats,
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
            var reader = new CborValueReader(data.Span);
            var root = reader.ReadValue(0);
            if (reader.BytesRemaining != 0) throw new WampProtocolException("trailing data after CBOR message");
            return WampMessageCodec.FromFields(root, integralFloatIds: true);
        }
        catch (WampProtocolException) { throw; }
        catch (Exception ex)
        {
            throw new WampProtocolException($"invalid CBOR message: {ex.Message}", ex);
        }
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
        public bool WriteEncoded(EncodedPayload payload) => false; // no CBOR payload is kept encoded
    }
}
