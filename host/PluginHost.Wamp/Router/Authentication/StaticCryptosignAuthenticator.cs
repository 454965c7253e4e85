using System.Security.Cryptography;
using NSec.Cryptography;
using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Router.Authentication;

/// <summary>
/// WAMP-Cryptosign, static (advanced/authentication, cryptosign): the client names its Ed25519 key in
/// HELLO.authextra.pubkey (hex), the router challenges with 32 random bytes (hex), and AUTHENTICATE.signature is
/// hex(64-byte Ed25519 signature || the 32 challenge bytes). No channel binding: this router has no TLS
/// channel id to bind to, so a client asking for one is refused rather than silently unbound.
/// </summary>
internal sealed class StaticCryptosignAuthenticator(AuthRequest request, IReadOnlyDictionary<string, CryptosignPrincipal> principals,
    string provider = "static") : PendingAuth(request, provider)
{
    private byte[]? _challenge;
    private IReadOnlyList<string> _candidateKeys = [];

    public override string AuthMethod => "cryptosign";

    public override AuthOutcome Hello()
    {
        if (Request.AuthExtra.TryGetValue("channel_binding", out var binding) && binding is not null)
            return NotAuthorized($"channel binding '{binding}' is not supported by this router");
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
        return new AuthChallenge(new Dictionary<string, object?>
        {
            ["challenge"] = Convert.ToHexStringLower(_challenge),
            ["channel_binding"] = null,
        });
    }

    public override AuthOutcome Authenticate(string signature, IReadOnlyDictionary<string, object?> extra)
    {
        if (_challenge is null) return new AuthDeny(WampErrors.ProtocolViolation, "no cryptosign challenge pending");
        byte[] signed;
        try { signed = Convert.FromHexString(signature); }
        catch (FormatException) { return NotAuthorized("signed message is not hex"); }
        if (signed.Length != 96) return NotAuthorized($"signed message has {signed.Length} bytes, expected 96");
        // The signed message is signature (64) || message (32); the message must be our challenge.
        if (!CryptographicOperations.FixedTimeEquals(signed.AsSpan(64), _challenge))
            return NotAuthorized("the signed message is not the challenge");
        var algorithm = SignatureAlgorithm.Ed25519;
        foreach (var key in _candidateKeys)
        {
            if (!PublicKey.TryImport(algorithm, Convert.FromHexString(key), KeyBlobFormat.RawPublicKey, out var publicKey)) continue;
            if (algorithm.Verify(publicKey!, _challenge, signed.AsSpan(0, 64))) return Accept();
        }
        return NotAuthorized("signed message has an invalid signature");
    }

    internal static bool IsHexKey(string s) => s.Length == 64 && s.All(Uri.IsHexDigit);
}
