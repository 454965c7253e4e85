using System.Security.Cryptography;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Security;

namespace PluginHost.Wamp.Router.Authentication;

/// <summary>
/// WAMP-SCRAM on the router (Security/ScramProtocol.cs has the computations and the two dialects): HELLO brings
/// authid and a base64 client nonce, CHALLENGE sends the client nonce + 16 random bytes, the principal's salt (base64),
/// kdf and cost; AUTHENTICATE.signature is the base64 ClientProof, checked against StoredKey in constant time over an
/// AuthMessage built from this router's own copies of the nonces (never from what the client echoes). A proof answers
/// exactly one challenge: the server nonce is fresh per session and dropped after the first AUTHENTICATE, so a replayed
/// proof, or one computed over a tampered nonce, fails. Static principals, or one a dynamic authenticator returned.
/// </summary>
internal sealed class ScramAuthenticator(AuthRequest request, string method, IReadOnlyDictionary<string, ScramPrincipal> principals,
    string provider = "static") : PendingAuth(request, provider)
{
    private ScramPrincipal? _principal;
    private string? _clientNonce, _serverNonce, _salt, _channelBinding;

    public override string AuthMethod => method;

    private bool Spec => method == ScramProtocol.SpecMethod;

    public override AuthOutcome Hello()
    {
        if (!Request.AuthExtra.TryGetString("nonce", out var nonce) || Base64(nonce) is not { Length: >= 8 })
            return NotAuthorized("client must send a base64 nonce of at least 8 bytes in authextra.nonce");
        if (Request.AuthId is not { } authId) return NotAuthorized("cannot identify client: no authid requested");
        if (Request.AuthExtra.TryGetValue("channel_binding", out var binding) && binding is not null)
        {
            if (!Spec || binding is not "tls-unique")
                return NotAuthorized($"channel binding '{binding}' is not supported with authmethod '{method}' (wamp-scram supports tls-unique)");
            if (Request.Tls?.TlsUnique is null)
                return NotAuthorized("channel binding 'tls-unique' needs a TLS 1.2 connection (it is not defined for plain transports or TLS 1.3)");
            _channelBinding = "tls-unique";
        }
        if (!principals.TryGetValue(authId, out var principal))
            return NotAuthorized($"no principal with authid '{authId}' exists");
        if (AssignPrincipal(authId, principal.Role, principal.Realm) is { } deny) return deny;

        _principal = principal;
        _clientNonce = nonce;
        _serverNonce = Convert.ToBase64String([.. Convert.FromBase64String(nonce), .. RandomNumberGenerator.GetBytes(16)]);
        _salt = Convert.ToBase64String(principal.Salt);
        var extra = new Dictionary<string, object?>
        {
            ["nonce"] = _serverNonce,
            ["kdf"] = principal.Kdf,
            ["salt"] = _salt,
            ["iterations"] = (long)principal.Iterations,
        };
        // Autobahn's client reads int(memory): it must be absent, not null, for pbkdf2.
        if (principal.Memory is { } memory) extra["memory"] = (long)memory;
        else if (Spec) extra["memory"] = null;
        if (_channelBinding is not null) extra["channel_binding"] = _channelBinding;
        return new AuthChallenge(extra);
    }

    public override AuthOutcome Authenticate(string signature, IReadOnlyDictionary<string, object?> extra)
    {
        if (_principal is null || _serverNonce is null) return new AuthDeny(WampErrors.ProtocolViolation, "no SCRAM challenge pending");
        var serverNonce = _serverNonce;
        _serverNonce = null; // one proof per challenge
        if (Base64(signature) is not { Length: 32 } proof) return NotAuthorized("the SCRAM client proof must be 32 bytes in base64");

        // The spec's client echoes nonce and channel binding; Autobahn's sends nothing. What is sent must match.
        if (extra.TryGetValue("nonce", out var echoed) || Spec)
        {
            if (echoed is not string e || !CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(e),
                    System.Text.Encoding.ASCII.GetBytes(serverNonce)))
                return NotAuthorized("AUTHENTICATE.extra.nonce does not match the nonce of the CHALLENGE");
        }
        byte[]? cbindData = null;
        if (Spec)
        {
            var binding = extra.GetString("channel_binding");
            if (binding != _channelBinding)
                return NotAuthorized("AUTHENTICATE.extra.channel_binding differs from HELLO's");
            if (_channelBinding is not null)
            {
                cbindData = Request.Tls!.TlsUnique!;
                if (!extra.TryGetString("cbind_data", out var sent) || Base64(sent) is not { } data
                    || !CryptographicOperations.FixedTimeEquals(data, cbindData))
                    return NotAuthorized("AUTHENTICATE.extra.cbind_data is not this TLS channel's tls-unique data");
            }
        }

        var authMessage = ScramProtocol.AuthMessage(method, AssignedAuthId, _clientNonce!, serverNonce, _salt!, _principal.Iterations,
            _channelBinding, cbindData);
        if (!ScramProtocol.VerifyClientProof(_principal.StoredKey, authMessage, proof))
            return NotAuthorized("SCRAM authentication failed: the client proof does not match the principal's stored key");
        var serverSignature = Convert.ToBase64String(ScramProtocol.ServerSignature(_principal.ServerKey, authMessage));
        return Accept(new Dictionary<string, object?> { [Spec ? "verifier" : "scram_server_signature"] = serverSignature });
    }

    /// <summary>Canonical base64 only (the spec's rule), else null.</summary>
    private static byte[]? Base64(string text)
    {
        var buffer = new byte[text.Length * 3 / 4 + 3];
        return Convert.TryFromBase64String(text, buffer, out int n) && Convert.ToBase64String(buffer, 0, n) == text ? buffer[..n] : null;
    }
}
