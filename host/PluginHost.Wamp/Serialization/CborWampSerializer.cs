using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Serialization;

/// <summary>
/// wamp.2.cbor: CBOR binary frames, written by CborSink below, read by CborValueReader, which
/// accepts any well-formed encoding a peer picks: indefinite-length items, half/single/double floats,
/// non-canonical integers. Semantic tags are skipped (their content is decoded), except
/// bignums (tags 2/3) which become long/ulong/double.
/// </summary>
public sealed class CborWampSerializer : IWampSerializer, IPayloadFormat
{
    public static readonly CborWampSerializer Instance = new(keepPayloadsEncoded: false);

    /// <summary>
    /// The router's: keeps each message's Arguments and ArgumentsKw as the bytes they arrived in
    /// (<see cref="EncodedPayload"/>), which a CBOR writer copies out as they are.
    /// </summary>
    internal static readonly CborWampSerializer Routing = new(keepPayloadsEncoded: true);

    private readonly bool _keepPayloadsEncoded;

    private CborWampSerializer(bool keepPayloadsEncoded) => _keepPayloadsEncoded = keepPayloadsEncoded;

    public string Name => "cbor";
    public string Subprotocol => "wamp.2.cbor";
    public bool IsBinary => true;
    public byte RawSocketId => 3;

    public void Serialize(WampMessage message, IBufferWriter<byte> output)
    {
        var sink = new CborSink(output);
        WampMessageCodec.Write(ref sink, message);
    }

    /// <summary>Encodes a raw wire array; tests use it to produce malformed messages.</summary>
    internal static void SerializeFields(object?[] fields, IBufferWriter<byte> output)
    {
        var sink = new CborSink(output);
        ValueWriter.WriteMessage(ref sink, fields);
    }

    public WampMessage Deserialize(ReadOnlySequence<byte> data)
    {
        if (data.IsSingleSegment) return Decode(data.First);
        // CborValueReader reads a span: contiguous memory; the decoded tree copies everything out of it.
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

    private WampMessage Decode(ReadOnlyMemory<byte> data)
    {
        try
        {
            if (data.IsEmpty) throw new WampProtocolException("empty CBOR message");
            var reader = new CborValueReader(data.Span);
            var root = _keepPayloadsEncoded ? reader.ReadMessage(this) : reader.ReadValue(0);
            if (reader.BytesRemaining != 0) throw new WampProtocolException("trailing data after CBOR message");
            return MessageFieldsList.ToMessage(root, integralFloatIds: true, taken: _keepPayloadsEncoded);
        }
        catch (WampProtocolException) { throw; }
        catch (Exception ex)
        {
            throw new WampProtocolException($"invalid CBOR message: {ex.Message}", ex);
        }
    }

    object IPayloadFormat.Decode(byte[] encoded)
        => new CborValueReader(encoded).ReadValue(1)!; // at the depth it had in its message; checked when it was kept

    /// <summary>
    /// CBOR written straight into the output: definite lengths (the value walk knows every count), integers and lengths
    /// in their shortest form, floats in the shortest of half, single and double that holds the value exactly (as
    /// System.Formats.Cbor's CborWriter writes them; it is not used here because it buffers the whole message and
    /// re-reads every pre-encoded value it is given to check it, which made a forwarded payload slower than decoding it).
    /// </summary>
    private readonly struct CborSink(IBufferWriter<byte> output) : IValueSink
    {
        public void WriteNull() => WriteByte(0xF6);
        public void WriteBool(bool value) => WriteByte(value ? (byte)0xF5 : (byte)0xF4);

        public void WriteInt64(long value)
        {
            if (value >= 0) WriteHead(0, (ulong)value);
            else WriteHead(1, (ulong)(-1 - value)); // major type 1 holds -1 - n
        }

        public void WriteUInt64(ulong value) => WriteHead(0, value);

        public void WriteDouble(double value)
        {
            var span = output.GetSpan(9);
            if (double.IsNaN(value))
            {
                span[0] = 0xF9;
                BinaryPrimitives.WriteUInt16BigEndian(span[1..], 0x7E00); // the canonical NaN
                output.Advance(3);
            }
            else if ((double)(Half)value == value)
            {
                span[0] = 0xF9;
                BinaryPrimitives.WriteHalfBigEndian(span[1..], (Half)value);
                output.Advance(3);
            }
            else if ((double)(float)value == value)
            {
                span[0] = 0xFA;
                BinaryPrimitives.WriteSingleBigEndian(span[1..], (float)value);
                output.Advance(5);
            }
            else
            {
                span[0] = 0xFB;
                BinaryPrimitives.WriteDoubleBigEndian(span[1..], value);
                output.Advance(9);
            }
        }

        public void WriteSingle(float value) => WriteDouble(value);
        // CBOR's decimal fraction tag is poorly supported by WAMP peers; send a plain number.
        public void WriteDecimal(decimal value) => WriteDouble((double)value);

        public void WriteString(string value)
        {
            int length = StrictUtf8.GetByteCount(value); // throws on a lone surrogate, as CborWriter did
            WriteHead(3, (ulong)length);
            StrictUtf8.GetBytes(value, output.GetSpan(length));
            output.Advance(length);
        }

        public void WriteBytes(ReadOnlySpan<byte> value)
        {
            WriteHead(2, (ulong)value.Length);
            output.Write(value);
        }

        public void StartArray(int count) => WriteHead(4, (ulong)count);
        public void EndArray() { }
        public void StartMap(int count) => WriteHead(5, (ulong)count);
        public void WriteKey(string key) => WriteString(key);
        public void EndMap() { }

        public bool WriteEncoded(EncodedPayload payload)
        {
            if (payload.Format is not CborWampSerializer) return false;
            output.Write(payload.Bytes);
            return true;
        }

        private void WriteByte(byte value)
        {
            output.GetSpan(1)[0] = value;
            output.Advance(1);
        }

        /// <summary>An initial byte with its argument in the fewest bytes that hold it.</summary>
        private void WriteHead(int major, ulong argument)
        {
            var span = output.GetSpan(9);
            byte type = (byte)(major << 5);
            int length;
            if (argument < 24) { span[0] = (byte)(type | (int)argument); length = 1; }
            else if (argument <= byte.MaxValue) { span[0] = (byte)(type | 24); span[1] = (byte)argument; length = 2; }
            else if (argument <= ushort.MaxValue) { span[0] = (byte)(type | 25); BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)argument); length = 3; }
            else if (argument <= uint.MaxValue) { span[0] = (byte)(type | 26); BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)argument); length = 5; }
            else { span[0] = (byte)(type | 27); BinaryPrimitives.WriteUInt64BigEndian(span[1..], argument); length = 9; }
            output.Advance(length);
        }
    }

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
