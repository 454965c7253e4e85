using System.Buffers.Text;

namespace PluginHost.Wamp.Serialization;

/// <summary>
/// WAMP's JSON binary convention: a byte array travels as a string whose first character
/// is U+0000 followed by the standard (padded) Base64 of the bytes.
/// </summary>
internal static class JsonBinary
{
    /// <summary>The raw JSON text that starts every binary value: quote, then the escaped NUL.</summary>
    public static ReadOnlySpan<byte> Prefix => "\"\\u0000"u8;

    /// <summary>Decodes padded standard Base64 (UTF-8) into an exactly sized array; null when invalid.</summary>
    public static byte[]? TryDecode(ReadOnlySpan<byte> base64)
    {
        if (base64.Length % 4 != 0) return null;
        if (base64.Length == 0) return [];
        int padding = base64[^1] == (byte)'=' ? (base64[^2] == (byte)'=' ? 2 : 1) : 0;
        var result = new byte[base64.Length / 4 * 3 - padding];
        var status = Base64.DecodeFromUtf8(base64, result, out int consumed, out int written);
        return status == System.Buffers.OperationStatus.Done && consumed == base64.Length && written == result.Length
            ? result
            : null;
    }

    /// <summary>Decodes a "\0"+Base64 string held in a JsonElement/JsonNode being written out.</summary>
    public static byte[] DecodeOrThrowArgument(string s)
    {
        Span<byte> utf8 = s.Length <= 256 ? stackalloc byte[s.Length - 1] : new byte[s.Length - 1];
        for (int i = 1; i < s.Length; i++)
        {
            if (s[i] > 0x7f) throw new ArgumentException("JSON binary string (\\u0000 prefix) has invalid Base64");
            utf8[i - 1] = (byte)s[i];
        }
        return TryDecode(utf8) ?? throw new ArgumentException("JSON binary string (\\u0000 prefix) has invalid Base64");
    }
}
