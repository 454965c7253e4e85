using System.Security.Cryptography;
using NSec.Cryptography;
using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Router.Authentication;

/// <summary>
/// WAMP-Cryptosign, static (advanced/authentication, cryptosign): the client names its Ed25519 key in
/// HELLO.authextra.pubkey (hex), the router challenges with 32 random bytes (hex), and AUTHENTICATE.signature is
/// hex(64-byte Ed25519 signature || the 32 signed bytes). With channel binding "tls-unique" (HELLO.authextra, as
/// Autobahn offers it) the signed bytes are challenge XOR SHA-256(tls-unique) of this TLS connection, so a signature
/// made on one TLS channel fails on any other. Without TLS 1.2 there is no tls-unique: such a request is refused
/// rather than silently unbound.
/// </summary>
internal sealed class StaticCryptosignAuthenticator(AuthRequest request, IReadOnlyDictionary<string, CryptosignPrincipal> principals,
    string provider = "static") : PendingAuth(request, provider)
{
    private byte[]? _challenge;
    private byte[]? _signedMessage; // the challenge, or challenge XOR channel id when bound
    private IReadOnlyList<string> _candidateKeys = [];

    public override string AuthMethod => "cryptosign";

    public override AuthOutcome Hello()
    {
        byte[]? channelId = null;
        if (Request.AuthExtra.TryGetValue("channel_binding", out var binding) && binding is not null)
        {
            if (binding is not "tls-unique") return NotAuthorized($"channel binding '{binding}' is not supported (only tls-unique)");
            channelId = Request.Tls?.TlsUniqueChannelId;
            if (channelId is null)
                return NotAuthorized("channel binding 'tls-unique' needs a TLS 1.2 connection (it is not defined for plain transports or TLS 1.3)");
        }
        string? pubkey = null;
        if (Request.AuthExtra.TryGetValue("pubkey", out var pk))
        {
            if (pk is not string hex || !IsHexKey(hex)) return NotAuthorized("authextra.pubkey must be a 32-byte Ed25519 public key in hex");
            pubkey = hex.ToLowerInvariant();
        }

        // Crossbar: without an authid the public key names the principal, which must then be unique.
        var authId = Request.AuthId;
        if (authId is null)
        {
            if (pubkey is null) return NotAuthorized("cannot identify client: no authid requested and no authextra.pubkey provided");
            var owners = principals.Where(p => p.Value.AuthorizedKeys.Contains(pubkey)).Select(p => p.Key).Take(2).ToList();
            if (owners.Count != 1)
                return NotAuthorized(owners.Count == 0
                    ? "cannot identify client: no principal has the provided authextra.pubkey"
                    : "cannot infer client identity from pubkey: several principals have this key");
            authId = owners[0];
        }
        if (!principals.TryGetValue(authId, out var principal))
            return NotAuthorized($"no principal with authid '{authId}' exists");
        if (pubkey is not null && !principal.AuthorizedKeys.Contains(pubkey))
            return NotAuthorized("authextra.pubkey does not match any of the principal's authorized_keys");
        if (AssignPrincipal(authId, principal.Role, principal.Realm) is { } deny) return deny;

        _candidateKeys = pubkey is not null ? [pubkey] : principal.AuthorizedKeys;
        _challenge = RandomNumberGenerator.GetBytes(32);
        _signedMessage = channelId is null ? _challenge : _challenge.Zip(channelId, (a, b) => (byte)(a ^ b)).ToArray();
        return new AuthChallenge(new Dictionary<string, object?>
        {
            ["challenge"] = Convert.ToHexStringLower(_challenge),
            ["channel_binding"] = channelId is null ? null : "tls-unique",
        });
    }

    public override AuthOutcome Authenticate(string signature, IReadOnlyDictionary<string, object?> extra)
    {
        if (_signedMessage is null) return new AuthDeny(WampErrors.ProtocolViolation, "no cryptosign challenge pending");
        byte[] signed;
        try { signed = Convert.FromHexString(signature); }
        catch (FormatException) { return NotAuthorized("signed message is not hex"); }
        if (signed.Length != 96) return NotAuthorized($"signed message has {signed.Length} bytes, expected 96");
        // The signed message is signature (64) || message (32); the message must be our (channel-bound) challenge.
        if (!CryptographicOperations.FixedTimeEquals(signed.AsSpan(64), _signedMessage))
            return NotAuthorized(_signedMessage == _challenge ? "the signed message is not the challenge"
                : "the signed message is not the challenge bound to this TLS channel (tls-unique)");
        var algorithm = SignatureAlgorithm.Ed25519;
        foreach (var key in _candidateKeys)
        {
            if (!PublicKey.TryImport(algorithm, Convert.FromHexString(key), KeyBlobFormat.RawPublicKey, out var publicKey)) continue;
            if (algorithm.Verify(publicKey!, _signedMessage, signed.AsSpan(0, 64))) return Accept();
        }
        return NotAuthorized("signed message has an invalid signature");
    }

    internal static bool IsHexKey(string s) => s.Length == 64 && s.All(Uri.IsHexDigit);
}
