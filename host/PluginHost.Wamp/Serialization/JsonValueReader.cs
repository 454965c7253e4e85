using System.Buffers;
using System.Text.Json;
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
                    string key = r.GetString()!;
                    Next(ref r);
                    dict[key] = ReadValue(ref r); // duplicate keys: last one wins, like most JSON parsers
                }
            }
            case JsonTokenType.String:
                return IsBinary(ref r) ? ReadBinary(ref r) : r.GetString();
            case JsonTokenType.Number:
                return ReadNumber(ref r);
            case JsonTokenType.True: return true;
            case JsonTokenType.False: return false;
            case JsonTokenType.Null: return null;
            default:
                throw new WampProtocolException($"unexpected JSON token {r.TokenType}");
        }
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
