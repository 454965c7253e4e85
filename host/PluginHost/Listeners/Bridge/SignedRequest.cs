using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace PluginHost.Listeners.Bridge;

/// <summary>
/// Crossbar's signed HTTP bridge requests. The query carries key, timestamp (UTC ISO-8601 with fraction, e.g.
/// 2011-10-14T16:59:51.123Z), seq and nonce (integers) and signature = base64url (with padding) of
/// HMAC-SHA256(secret, key + timestamp + seq + nonce + body), all as the raw bytes the client sent.
/// </summary>
internal static partial class SignedRequest
{
    public static string Sign(string secret, string key, string timestamp, string seq, string nonce, ReadOnlySpan<byte> body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(Encoding.UTF8.GetBytes(key));
        hmac.AppendData(Encoding.UTF8.GetBytes(timestamp));
        hmac.AppendData(Encoding.UTF8.GetBytes(seq));
        hmac.AppendData(Encoding.UTF8.GetBytes(nonce));
        hmac.AppendData(body);
        return Convert.ToBase64String(hmac.GetHashAndReset()).Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Constant-time comparison of two ASCII strings (different lengths are simply unequal).</summary>
    public static bool SameText(string a, string b)
        => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    /// <summary>GitHub webhooks: header X-Hub-Signature = "sha1=" + hex HMAC-SHA1(secret, body), compared case-insensitively.</summary>
    public static bool GithubSignatureValid(string secret, string? header, ReadOnlySpan<byte> body)
    {
        if (header is null) return false;
#pragma warning disable CA5350 // GitHub's X-Hub-Signature is HMAC-SHA1 by definition; we check, we do not choose
        var ours = "sha1=" + Convert.ToHexStringLower(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), body));
#pragma warning restore CA5350
        return SameText(ours, header.ToLowerInvariant());
    }

    /// <summary>The timestamp format of Python's strptime "%Y-%m-%dT%H:%M:%S.%fZ" (1 to 6 fraction digits).</summary>
    public static bool TryParseTimestamp(string text, out DateTime utc)
    {
        utc = default;
        var m = Timestamp().Match(text);
        if (!m.Success) return false;
        int Part(string name) => int.Parse(m.Groups[name].Value, CultureInfo.InvariantCulture);
        var fraction = m.Groups["f"].Value.PadRight(6, '0');
        try
        {
            utc = new DateTime(Part("y"), Part("mo"), Part("d"), Part("h"), Part("mi"), Part("s"), DateTimeKind.Utc)
                .AddTicks(int.Parse(fraction, CultureInfo.InvariantCulture) * 10L);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false; // e.g. month 13 or second 61
        }
    }

    /// <summary>Python's int(): optional sign and surrounding whitespace, any size.</summary>
    public static bool IsInteger(string text)
        => BigInteger.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);

    [GeneratedRegex(@"^(?<y>\d{4})-(?<mo>\d{1,2})-(?<d>\d{1,2})T(?<h>\d{1,2}):(?<mi>\d{1,2}):(?<s>\d{1,2})\.(?<f>\d{1,6})Z$", RegexOptions.CultureInvariant)]
    private static partial Regex Timestamp();
}
