using System.Security.Cryptography;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Security;

namespace PluginHost.Wamp.Client;

/// <summary>
/// WAMP-SCRAM for clients (Security/ScramProtocol.cs): offers a fresh base64 client nonce in HELLO.authextra, answers
/// the CHALLENGE with the ClientProof, and checks the router's ServerSignature in WELCOME (mutual authentication: a
/// router that does not hold this password's ServerKey is refused). <paramref name="method"/> is "scram" (Crossbar's
/// and Autobahn's dialect, the default) or "wamp-scram" (the spec's). One join at a time per instance: the nonce and
/// AuthMessage of the join in progress are kept here.
/// </summary>
public sealed class ScramAuthenticator(string authId, string password, string method = ScramProtocol.CrossbarMethod) : IWampAuthenticator
{
    // Below these the router could be trying to obtain a cheap hash of the password (spec: the client SHOULD refuse).
    private const int MinPbkdf2Iterations = 1000, MinArgon2Memory = 64;

    private string? _clientNonce;
    private byte[]? _authMessage, _saltedPassword;

    /// <inheritdoc/>
    public string AuthMethod => method;

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, object?>? HelloAuthExtra()
    {
        _clientNonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        (_authMessage, _saltedPassword) = (null, null);
        return new Dictionary<string, object?> { ["nonce"] = _clientNonce };
    }

    /// <inheritdoc/>
    public ValueTask<WampAuthResponse> AuthenticateAsync(ChallengeMessage challenge, CancellationToken cancellationToken)
    {
        var extra = challenge.Extra;
        if (_clientNonce is null) throw new WampException(WampErrors.AuthenticationFailed, "SCRAM CHALLENGE without a HELLO nonce");
        // Crossbar appends its random bytes to the client nonce's bytes, then encodes: compare bytes, not text.
        if (!extra.TryGetString("nonce", out var serverNonce) || !ExtendsClientNonce(serverNonce, _clientNonce))
            throw new WampException(WampErrors.AuthenticationFailed, "the SCRAM CHALLENGE nonce does not extend this client's nonce");
        if (!extra.TryGetString("kdf", out var kdf) || !ScramProtocol.Kdfs.Contains(kdf))
            throw new WampException(WampErrors.AuthenticationFailed, $"SCRAM CHALLENGE with unknown kdf '{extra.GetString("kdf")}'");
        if (!extra.TryGetString("salt", out var salt) || extra.GetInt64("iterations") is not { } iterations || iterations is < 1 or > int.MaxValue)
            throw new WampException(WampErrors.AuthenticationFailed, "SCRAM CHALLENGE without salt and iterations");
        long memory = extra.GetInt64("memory") ?? 0;
        if (ScramProtocol.IsArgon2(kdf) ? memory is < MinArgon2Memory or > int.MaxValue : iterations < MinPbkdf2Iterations)
            throw new WampException(WampErrors.AuthenticationFailed, $"SCRAM CHALLENGE cost too low or invalid (kdf {kdf}, iterations {iterations}, memory {memory})");

        // The KDF is the slow part (Argon2id at Autobahn's defaults: 4096 passes over 512 KiB): off the caller's thread.
        return new ValueTask<WampAuthResponse>(Task.Run(() =>
        {
            _saltedPassword = ScramProtocol.SaltedPassword(kdf, password, Convert.FromBase64String(salt), (int)iterations, (int)memory);
            _authMessage = ScramProtocol.AuthMessage(challenge.AuthMethod, authId, _clientNonce, serverNonce, salt, iterations, null, null);
            var proof = Convert.ToBase64String(ScramProtocol.ClientProof(_saltedPassword, _authMessage));
            IReadOnlyDictionary<string, object?>? answer = challenge.AuthMethod == ScramProtocol.SpecMethod
                ? new Dictionary<string, object?> { ["nonce"] = serverNonce, ["channel_binding"] = null, ["cbind_data"] = null }
                : null;
            return new WampAuthResponse(proof, answer);
        }, cancellationToken));
    }

    private static bool ExtendsClientNonce(string serverNonce, string clientNonce)
    {
        try
        {
            var (server, client) = (Convert.FromBase64String(serverNonce), Convert.FromBase64String(clientNonce));
            return server.Length > client.Length && server.AsSpan().StartsWith(client);
        }
        catch (FormatException) { return false; }
    }

    /// <inheritdoc/>
    public string? CheckWelcome(string authMethod, IReadOnlyDictionary<string, object?> authExtra)
    {
        if (_authMessage is null || _saltedPassword is null) return "WELCOME without a completed SCRAM exchange";
        var sent = authExtra.GetString("scram_server_signature") ?? authExtra.GetString("verifier");
        if (sent is null) return "WELCOME carries no SCRAM server signature";
        if (sent.StartsWith("v=", StringComparison.Ordinal)) sent = sent[2..];
        var (_, serverKey) = ScramProtocol.Credential(_saltedPassword);
        var expected = ScramProtocol.ServerSignature(serverKey, _authMessage);
        byte[] actual;
        try { actual = Convert.FromBase64String(sent); }
        catch (FormatException) { return "the SCRAM server signature is not base64"; }
        return CryptographicOperations.FixedTimeEquals(actual, expected) ? null : "the router's SCRAM server signature is wrong";
    }
}
