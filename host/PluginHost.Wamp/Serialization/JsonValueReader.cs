using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;
using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Serialization;

/// <summary>Reads one JSON value from a <see cref="Utf8JsonReader"/> into the WAMP value model.</summary>
internal static class JsonValueReader
{
    /// <summary>Reads the value whose first token the reader is positioned on.</summary>
    public static object? ReadValue(ref Utf8JsonReader r)
    {
        switch (r.TokenType)
        {
            case JsonTokenType.StartArray:
            {
                var list = new List<object?>();
                while (true)
                {
                    Next(ref r);
                    if (r.TokenType == JsonTokenType.EndArray) return list;
                    list.Add(ReadValue(ref r));
                }
            }
            case JsonTokenType.StartObject:
            {
                var dict = new Dictionary<string, object?>();
                while (true)
                {
                    Next(ref r);
                    if (r.TokenType == JsonTokenType.EndObject) return dict;
                    // An unescaped key in one piece can be a known one (KnownKeys); anything else is decoded.
                    string key = (!r.ValueIsEscaped && !r.HasValueSequence ? KnownKeys.Find(r.ValueSpan) : null) ?? r.GetString()!;
                    Next(ref r);
                    dict[key] = ReadValue(ref r); // duplicate keys: last one wins, like most JSON parsers
                }
            }
            case JsonTokenType.String:
                return IsBinary(ref r) ? ReadBinary(ref r) : r.GetString();
            case JsonTokenType.Number:
                return ReadNumber(ref r);
            case JsonTokenType.True: return WampValue.Box(true);
            case JsonTokenType.False: return WampValue.Box(false);
            case JsonTokenType.Null: return null;
            default:
                throw new WampProtocolException($"unexpected JSON token {r.TokenType}");
        }
    }

    /// <summary>
    /// Reads a message's root value. With <paramref name="format"/> given (a router's read), an Arguments array or an
    /// ArgumentsKw object that is not empty is kept as its bytes in <paramref name="data"/>, checked as
    /// <see cref="ReadValue"/> would check it (<see cref="EncodedPayload"/>); everything else is decoded.
    /// </summary>
    public static object? ReadMessage(ref Utf8JsonReader r, ReadOnlySequence<byte> data, IPayloadFormat? format)
    {
        if (format is null || r.TokenType != JsonTokenType.StartArray) return ReadValue(ref r);
        var fields = MessageFieldsList.Take();
        int payloadAt = int.MaxValue;
        while (true)
        {
            Next(ref r);
            if (r.TokenType == JsonTokenType.EndArray) return fields;
            int index = fields.Count;
            if (index == payloadAt && r.TokenType == JsonTokenType.StartArray)
                fields.Add(KeepEncoded(ref r, data, format, isArguments: true));
            else if (index == payloadAt + 1 && r.TokenType == JsonTokenType.StartObject)
                fields.Add(KeepEncoded(ref r, data, format, isArguments: false));
            else
                fields.Add(ReadValue(ref r));
            if (index == 0 && fields[0] is long type) payloadAt = WampMessageCodec.PayloadIndex(type);
        }
    }

    /// <summary>
    /// The container the reader is on, kept as its bytes, after the checks <see cref="ReadValue"/> makes on each of
    /// its values (the reader itself checks grammar and depth); an empty one is decoded.
    /// </summary>
    public static object KeepEncoded(ref Utf8JsonReader r, ReadOnlySequence<byte> data, IPayloadFormat format, bool isArguments)
    {
        long start = r.TokenStartIndex;
        int depth = r.CurrentDepth;
        int count = 0;
        while (true)
        {
            Next(ref r);
            if (r.CurrentDepth == depth) break; // its end token
            if (r.CurrentDepth == depth + 1 && r.TokenType is not (JsonTokenType.EndArray or JsonTokenType.EndObject or JsonTokenType.PropertyName))
                count++;
            switch (r.TokenType)
            {
                case JsonTokenType.String:
                    if (IsBinary(ref r)) ReadBinary(ref r);
                    else CheckText(ref r);
                    break;
                case JsonTokenType.PropertyName:
                    CheckText(ref r);
                    break;
                case JsonTokenType.Number:
                    if (!r.TryGetInt64(out _) && !r.TryGetUInt64(out _)) ReadDouble(ref r);
                    break;
            }
        }
        if (count == 0) return isArguments ? new List<object?>() : new Dictionary<string, object?>();
        var bytes = data.Slice(start, r.BytesConsumed - start).ToArray();
        return isArguments ? new EncodedArguments(format, bytes, count) : new EncodedArgumentsKwDictionary(format, bytes);
    }

    /// <summary>What GetString checks of a string or key: its escapes, and that its bytes are UTF-8.</summary>
    private static void CheckText(ref Utf8JsonReader r)
    {
        if (r.ValueIsEscaped) r.GetString();
        else if (!(r.HasValueSequence ? Utf8Text.IsValid(r.ValueSequence) : Utf8.IsValid(r.ValueSpan)))
            throw new WampProtocolException("invalid UTF-8 in a JSON string");
    }

    private static void Next(ref Utf8JsonReader r)
    {
        if (!r.Read()) throw new WampProtocolException("truncated JSON message");
    }

    private static object ReadNumber(ref Utf8JsonReader r)
    {
        // TryGetInt64/UInt64 fail on any fraction or exponent, so those fall through to double.
        if (r.TryGetInt64(out long l)) return l;
        if (r.TryGetUInt64(out ulong ul)) return ul;
        return ReadDouble(ref r);
    }

    private static double ReadDouble(ref Utf8JsonReader r)
    {
        double d = r.GetDouble();
        if (!double.IsFinite(d)) throw new WampProtocolException("JSON number out of range");
        return d;
    }

    // NUL cannot appear raw in a JSON string, so a binary value always starts with the
    // six bytes \u0000 in the raw (still escaped) token.
    private static bool IsBinary(ref Utf8JsonReader r)
    {
        if (!r.ValueIsEscaped) return false;
        ReadOnlySpan<byte> marker = "\\u0000"u8;
        if (!r.HasValueSequence) return r.ValueSpan.StartsWith(marker);
        var seq = r.ValueSequence;
        if (seq.Length < marker.Length) return false;
        Span<byte> head = stackalloc byte[6];
        seq.Slice(0, marker.Length).CopyTo(head);
        return head.SequenceEqual(marker);
    }

    private static byte[] ReadBinary(ref Utf8JsonReader r)
    {
        int rawLength = r.HasValueSequence ? checked((int)r.ValueSequence.Length) : r.ValueSpan.Length;
        byte[] rented = ArrayPool<byte>.Shared.Rent(rawLength);
        try
        {
            // The unescaped value is never longer than the raw token.
            int n = r.CopyString(rented);
            return JsonBinary.TryDecode(rented.AsSpan(1, n - 1))
                ?? throw new WampProtocolException("invalid Base64 in JSON binary string");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
