using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace PluginHost.Wamp.Security;

/// <summary>
/// WAMP-SCRAM computations (advanced/authentication, wamp-scram; RFC 5802 with SHA-256), shared by the router
/// (Router/Authentication/ScramAuthenticator.cs) and the client (Client/ScramAuthenticator.cs). Stateless.
///
/// Two dialects exist and both are spoken, chosen by the authmethod the client offers:
///  - "scram": what Crossbar.io routers and Autobahn clients implement (the only SCRAM in the wild). The
///    client-final "c=" attribute is empty (no channel binding), WELCOME.authextra.scram_server_signature carries the
///    ServerSignature, and with kdf "argon2id-13" the SaltedPassword is the unpadded base64 text of the Argon2id
///    output (Autobahn's _hash_argon2id13_secret and derive_scram_credential both key the HMACs with that text).
///  - "wamp-scram": the spec. "c=" is base64(gs2 header + channel binding data), AUTHENTICATE.extra echoes nonce,
///    channel_binding and cbind_data, WELCOME.authextra.verifier carries the ServerSignature, and kdf "argon2id13"
///    uses the raw 32-byte output.
/// The router never runs a KDF: it keeps StoredKey and ServerKey only, so the KDF names matter to clients.
/// </summary>
public static class ScramProtocol
{
    public const string CrossbarMethod = "scram";
    public const string SpecMethod = "wamp-scram";

    /// <summary>Autobahn/Crossbar's Argon2id name (text-keyed SaltedPassword), the spec's, and PBKDF2-SHA256.</summary>
    public const string Argon2idCrossbar = "argon2id-13";
    public const string Argon2idSpec = "argon2id13";
    public const string Pbkdf2 = "pbkdf2";

    public static readonly string[] Kdfs = [Argon2idCrossbar, Argon2idSpec, Pbkdf2];

    public static bool IsArgon2(string kdf) => kdf is Argon2idCrossbar or Argon2idSpec;

    /// <summary>RFC 5802's AuthMessage: client-first-bare "," server-first "," client-final-without-proof.</summary>
    public static byte[] AuthMessage(string method, string authId, string clientNonce, string serverNonce, string salt, long iterations,
        string? channelBinding, byte[]? channelBindingData)
    {
        string name = SaslPrep(authId);
        string c = "";
        if (method == SpecMethod)
        {
            name = name.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal);
            var header = Encoding.ASCII.GetBytes(channelBinding is null ? "n,," : $"p={channelBinding},,");
            c = Convert.ToBase64String([.. header, .. channelBindingData ?? []]);
        }
        return Encoding.UTF8.GetBytes(
            $"n={name},r={clientNonce},r={serverNonce},s={salt},i={iterations.ToString(CultureInfo.InvariantCulture)},c={c},r={serverNonce}");
    }

    /// <summary>SaltedPassword = KDF(password, salt, …), in the form each kdf name stands for (see the class comment).</summary>
    public static byte[] SaltedPassword(string kdf, string password, ReadOnlySpan<byte> salt, int iterations, int memory)
    {
        var secret = Encoding.UTF8.GetBytes(kdf == Argon2idSpec ? SaslPrep(password) : password);
        switch (kdf)
        {
            case Pbkdf2:
                return Rfc2898DeriveBytes.Pbkdf2(secret, salt, iterations, HashAlgorithmName.SHA256, 32);
            case Argon2idCrossbar or Argon2idSpec:
                // WAMP-SCRAM fixes parallelism at 1 and the output at 32 bytes; memory is in KiB.
                var argon = PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters
                {
                    DegreeOfParallelism = 1, MemorySize = memory, NumberOfPasses = iterations,
                });
                var raw = argon.DeriveBytes(secret, salt, 32);
                return kdf == Argon2idSpec ? raw : Encoding.ASCII.GetBytes(Convert.ToBase64String(raw).TrimEnd('='));
            default:
                throw new ArgumentException($"unknown WAMP-SCRAM kdf '{kdf}' (expected {string.Join(", ", Kdfs)})", nameof(kdf));
        }
    }

    /// <summary>StoredKey = SHA256(ClientKey), ServerKey = HMAC(SaltedPassword, "Server Key"): what a router stores.</summary>
    public static (byte[] StoredKey, byte[] ServerKey) Credential(byte[] saltedPassword)
        => (SHA256.HashData(ClientKey(saltedPassword)), HMACSHA256.HashData(saltedPassword, "Server Key"u8));

    /// <summary>ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage).</summary>
    public static byte[] ClientProof(byte[] saltedPassword, byte[] authMessage)
    {
        var clientKey = ClientKey(saltedPassword);
        return Xor(clientKey, HMACSHA256.HashData(SHA256.HashData(clientKey), authMessage));
    }

    /// <summary>The router's check: SHA256(HMAC(StoredKey, AuthMessage) XOR proof) == StoredKey, in constant time.</summary>
    public static bool VerifyClientProof(byte[] storedKey, byte[] authMessage, byte[] proof)
    {
        if (proof.Length != 32) return false;
        var recoveredClientKey = Xor(HMACSHA256.HashData(storedKey, authMessage), proof);
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(recoveredClientKey), storedKey);
    }

    public static byte[] ServerSignature(byte[] serverKey, byte[] authMessage) => HMACSHA256.HashData(serverKey, authMessage);

    private static byte[] ClientKey(byte[] saltedPassword) => HMACSHA256.HashData(saltedPassword, "Client Key"u8);

    private static byte[] Xor(byte[] a, byte[] b)
    {
        var result = new byte[a.Length];
        for (int i = 0; i < a.Length; i++) result[i] = (byte)(a[i] ^ b[i]);
        return result;
    }

    /// <summary>
    /// SASLprep (RFC 4013) as far as it changes real names and passwords: non-ASCII spaces become U+0020, characters
    /// "mapped to nothing" are dropped, then NFKC; control, private-use, surrogate and non-characters are refused.
    /// (The bidi rule is not checked.) ASCII text comes back unchanged, as from Crossbar's passlib saslprep.
    /// </summary>
    public static string SaslPrep(string value)
    {
        if (value.All(c => c is >= ' ' and < '\u007f')) return value;
        var mapped = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is '\u00ad' or '\u034f' or '\u1806' or '\u180b' or '\u180c' or '\u180d' or '\u200b' or '\u200c' or '\u200d'
                or '\u2060' or '\ufeff' || c is >= '\ufe00' and <= '\ufe0f') continue;
            mapped.Append(c != ' ' && char.IsWhiteSpace(c) && CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.SpaceSeparator ? ' ' : c);
        }
        var normalized = mapped.ToString().Normalize(NormalizationForm.FormKC);
        for (int i = 0; i < normalized.Length;)
        {
            // A lone surrogate does not decode; control, private-use and unassigned code points are prohibited output.
            if (Rune.DecodeFromUtf16(normalized.AsSpan(i), out var rune, out int length) != System.Buffers.OperationStatus.Done
                || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned)
                throw new ArgumentException("the name or password contains a character SASLprep prohibits");
            i += length;
        }
        return normalized;
    }
}
