using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Text.Unicode;
using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Serialization;

/// <summary>
/// Reads one CBOR item (RFC 8949) from a span into the WAMP value model, accepting any well-formed encoding a peer
/// picks: indefinite-length arrays, maps and strings, half/single/double floats, non-shortest integers. Semantic tags are
/// skipped (their content is the value), except bignums (tags 2 and 3), which become long, ulong or double.
/// A struct over the span rather than System.Formats.Cbor's CborReader: decoding is half of what a serializer costs
/// the router per message, and the reader object, its state checks and its nesting stack cost more than the decoding
/// (bench/PluginHost.Bench.Embedded/SerializedMessages.cs). Writing is CborWampSerializer.CborSink, for the same reason.
/// </summary>
internal ref struct CborValueReader(ReadOnlySpan<byte> data)
{
    private const byte Break = 0xFF;
    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _data = data;
    private int _pos;

    public readonly int BytesRemaining => _data.Length - _pos;

    public object? ReadValue(int depth)
    {
        while (true)
        {
            byte initial = Next();
            int major = initial >> 5, info = initial & 0x1F;
            switch (major)
            {
                case 0:
                {
                    ulong u = Argument(info);
                    return u <= long.MaxValue ? (object)(long)u : u;
                }
                case 1:
                {
                    // Encoded as n meaning -1 - n; below long.MinValue only a double can hold it.
                    ulong n = Argument(info);
                    return n <= long.MaxValue ? (object)(-1L - (long)n) : -1.0 - n;
                }
                case 2:
                    return info == 31 ? Chunks(2).ToArray() : Take(Length(info)).ToArray();
                case 3:
                    return TextItem(info);
                case 4:
                {
                    if (info == 31) return ReadIndefiniteArray(depth);
                    int count = Count(depth, info, itemsPer: 1);
                    var list = new List<object?>(count);
                    for (int i = 0; i < count; i++) list.Add(ReadValue(depth + 1));
                    return list;
                }
                case 5:
                {
                    if (info == 31) return ReadIndefiniteMap(depth);
                    int count = Count(depth, info, itemsPer: 2);
                    var dict = new Dictionary<string, object?>(count);
                    for (int i = 0; i < count; i++)
                    {
                        string key = ReadKey();
                        dict[key] = ReadValue(depth + 1); // duplicate keys: last one wins
                    }
                    return dict;
                }
                case 6:
                {
                    ulong tag = Argument(info);
                    if (tag is 2 or 3) return Narrow(BigNum(negative: tag == 3));
                    continue; // other semantic tags (dates, self-describe 55799, ...): the content is the value
                }
                default:
                    return Simple(info);
            }
        }
    }

    /// <summary>
    /// A message's root value as <see cref="ReadValue"/> reads it, but for a non-empty Arguments array or ArgumentsKw map,
    /// which is kept as its bytes (<see cref="EncodedPayload"/>) after the same checks, unless it holds something that
    /// decoding changes (a semantic tag, undefined): that is decoded, so that what is forwarded is what was read.
    /// </summary>
    public object? ReadMessage(IPayloadFormat format)
    {
        byte initial = Peek();
        if (initial >> 5 != 4) return ReadValue(0);
        _pos++;
        int info = initial & 0x1F;
        bool indefinite = info == 31;
        int count = indefinite ? 0 : Count(0, info, itemsPer: 1); // Count checks the depth of a definite array
        if (indefinite) CheckDepth(0);
        var fields = MessageFieldsList.Take();
        int payloadAt = int.MaxValue;
        for (int i = 0; indefinite ? !AtBreak() : i < count; i++)
        {
            int major = Peek() >> 5;
            if ((i == payloadAt && major == 4) || (i == payloadAt + 1 && major == 5))
                fields.Add(KeepEncoded(format, isArguments: i == payloadAt));
            else
                fields.Add(ReadValue(1));
            if (i == 0 && fields[0] is long type) payloadAt = WampMessageCodec.PayloadIndex(type);
        }
        return fields;
    }

    private object? KeepEncoded(IPayloadFormat format, bool isArguments)
    {
        int start = _pos;
        bool decodesDifferently = false;
        int count = Check(1, ref decodesDifferently);
        if (count == 0 || decodesDifferently)
        {
            _pos = start;
            return ReadValue(1);
        }
        var bytes = _data[start.._pos].ToArray();
        return isArguments ? new EncodedArguments(format, bytes, count) : new EncodedArgumentsKwDictionary(format, bytes);
    }

    /// <summary>
    /// Reads past one item, refusing what <see cref="ReadValue"/> refuses without building anything; returns a
    /// container's item count (0 for anything else). Notes an item that decoding changes (tags, undefined).
    /// </summary>
    private int Check(int depth, ref bool decodesDifferently)
    {
        while (true)
        {
            byte initial = Next();
            int major = initial >> 5, info = initial & 0x1F;
            switch (major)
            {
                case 0 or 1:
                    Argument(info);
                    return 0;
                case 2:
                    if (info == 31) Chunks(2);
                    else Take(Length(info));
                    return 0;
                case 3:
                    if (!Utf8.IsValid(info == 31 ? Chunks(3) : Take(Length(info)))) throw new WampProtocolException("invalid UTF-8 in a CBOR text string");
                    return 0;
                case 4:
                {
                    if (info == 31)
                    {
                        CheckDepth(depth);
                        int n = 0;
                        for (; !AtBreak(); n++) Check(depth + 1, ref decodesDifferently);
                        return n;
                    }
                    int count = Count(depth, info, itemsPer: 1);
                    for (int i = 0; i < count; i++) Check(depth + 1, ref decodesDifferently);
                    return count;
                }
                case 5:
                {
                    if (info == 31)
                    {
                        CheckDepth(depth);
                        int n = 0;
                        for (; !AtBreak(); n++) CheckEntry(depth, ref decodesDifferently);
                        return n;
                    }
                    int count = Count(depth, info, itemsPer: 2);
                    for (int i = 0; i < count; i++) CheckEntry(depth, ref decodesDifferently);
                    return count;
                }
                case 6:
                {
                    decodesDifferently = true;
                    ulong tag = Argument(info);
                    if (tag is 2 or 3)
                    {
                        BigNum(negative: tag == 3);
                        return 0;
                    }
                    continue;
                }
                default:
                    if (info == 23) decodesDifferently = true; // undefined decodes as null
                    Simple(info);
                    return 0;
            }
        }
    }

    private void CheckEntry(int depth, ref bool decodesDifferently)
    {
        byte key = Peek();
        if (key >> 5 != 3) throw new WampProtocolException($"CBOR map key is of major type {key >> 5}, not a text string");
        Check(depth + 1, ref decodesDifferently); // the key's text
        Check(depth + 1, ref decodesDifferently);
    }

    private List<object?> ReadIndefiniteArray(int depth)
    {
        CheckDepth(depth);
        var list = new List<object?>(4);
        while (!AtBreak()) list.Add(ReadValue(depth + 1));
        return list;
    }

    private Dictionary<string, object?> ReadIndefiniteMap(int depth)
    {
        CheckDepth(depth);
        var dict = new Dictionary<string, object?>(4);
        while (!AtBreak())
        {
            string key = ReadKey();
            dict[key] = ReadValue(depth + 1);
        }
        return dict;
    }

    /// <summary>A map key: a text string (definite or indefinite).</summary>
    private string ReadKey()
    {
        byte initial = Peek();
        if (initial >> 5 != 3) throw new WampProtocolException($"CBOR map key is of major type {initial >> 5}, not a text string");
        _pos++;
        if ((initial & 0x1F) == 31) return TextItem(31); // indefinite: chunks, decoded as any string
        ReadOnlySpan<byte> utf8 = Take(Length(initial & 0x1F));
        return KnownKeys.Find(utf8) ?? Text(utf8); // a known key's shared string (KnownKeys), else decoded
    }

    /// <summary>A text string whose initial byte has been read: definite, or indefinite (chunks up to the break).</summary>
    private string TextItem(int info) => Text(info == 31 ? Chunks(3) : Take(Length(info)));

    /// <summary>Major type 7: false, true, null, undefined (null: what JavaScript encoders emit for missing values), floats.</summary>
    private object? Simple(int info) => info switch
    {
        20 => WampValue.Box(false),
        21 => WampValue.Box(true),
        22 or 23 => null,
        25 => (double)BinaryPrimitives.ReadHalfBigEndian(Take(2)),
        26 => (double)BinaryPrimitives.ReadSingleBigEndian(Take(4)),
        27 => BinaryPrimitives.ReadDoubleBigEndian(Take(8)),
        31 => throw new WampProtocolException("unexpected CBOR break outside an indefinite-length item"),
        24 => throw new WampProtocolException("unassigned CBOR simple value"),
        < 20 => throw new WampProtocolException("unassigned CBOR simple value"),
        _ => throw new WampProtocolException($"reserved CBOR additional information {info} in a simple value"),
    };

    /// <summary>A bignum's content: a byte string (big-endian magnitude); tag 3 means -1 - magnitude.</summary>
    private BigInteger BigNum(bool negative)
    {
        byte initial = Next();
        if (initial >> 5 != 2) throw new WampProtocolException("CBOR bignum content is not a byte string");
        int info = initial & 0x1F;
        var magnitude = new BigInteger(info == 31 ? Chunks(2) : Take(Length(info)), isUnsigned: true, isBigEndian: true);
        return negative ? BigInteger.MinusOne - magnitude : magnitude;
    }

    private static object Narrow(BigInteger value)
    {
        // The narrowest of long, ulong, double that holds the value, boxed as that type.
        if (value >= long.MinValue && value <= long.MaxValue) { long asLong = (long)value; return asLong; }
        if (value.Sign > 0 && value <= ulong.MaxValue) { ulong asUlong = (ulong)value; return asUlong; }
        double asDouble = (double)value;
        return asDouble;
    }

    /// <summary>An indefinite-length string's definite chunks of the same major type, up to the break, joined.</summary>
    private ReadOnlySpan<byte> Chunks(int major)
    {
        var joined = new ArrayBufferWriter<byte>();
        while (!AtBreak())
        {
            byte initial = Next();
            int info = initial & 0x1F;
            if (initial >> 5 != major || info == 31) throw new WampProtocolException("invalid chunk in a CBOR indefinite-length string");
            joined.Write(Take(Length(info)));
        }
        return joined.WrittenSpan;
    }

    // Lax peers may send anything; text must still be valid UTF-8.
    private static string Text(ReadOnlySpan<byte> utf8) => StrictUtf8.GetString(utf8);

    /// <summary>A definite container's item count, checked before anything is allocated for it: nesting depth (stack
    /// safety), and at least one byte per item left in the input.</summary>
    private int Count(int depth, int info, int itemsPer)
    {
        CheckDepth(depth);
        ulong count = Argument(info);
        if (count > (ulong)BytesRemaining / (ulong)itemsPer) throw new WampProtocolException("truncated CBOR message");
        return (int)count;
    }

    private static void CheckDepth(int depth)
    {
        if (depth >= ValueWriter.MaxDepth) throw new WampProtocolException($"CBOR nesting exceeds {ValueWriter.MaxDepth} levels");
    }

    private int Length(int info)
    {
        ulong length = Argument(info);
        if (length > (ulong)BytesRemaining) throw new WampProtocolException("truncated CBOR message");
        return (int)length;
    }

    /// <summary>The argument of an initial byte: the value itself (0-23) or the 1, 2, 4 or 8 bytes that follow.</summary>
    private ulong Argument(int info) => info switch
    {
        < 24 => (ulong)info,
        24 => Next(),
        25 => BinaryPrimitives.ReadUInt16BigEndian(Take(2)),
        26 => BinaryPrimitives.ReadUInt32BigEndian(Take(4)),
        27 => BinaryPrimitives.ReadUInt64BigEndian(Take(8)),
        31 => throw new WampProtocolException("CBOR indefinite length where none is allowed"),
        _ => throw new WampProtocolException($"reserved CBOR additional information {info}"),
    };

    private bool AtBreak()
    {
        if (Peek() != Break) return false;
        _pos++;
        return true;
    }

    private readonly byte Peek() => _pos < _data.Length ? _data[_pos] : throw new WampProtocolException("truncated CBOR message");

    private byte Next()
    {
        byte b = Peek();
        _pos++;
        return b;
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > BytesRemaining) throw new WampProtocolException("truncated CBOR message");
        var span = _data.Slice(_pos, count);
        _pos += count;
        return span;
    }
}
