using System.Security.Cryptography;
using System.Text;
using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Client;

/// <summary>Answers a router CHALLENGE during join (advanced/authentication).</summary>
public interface IWampAuthenticator
{
    /// <summary>The method this authenticator answers, e.g. "ticket" or "wampcra".</summary>
    string AuthMethod { get; }

    /// <summary>Whether this authenticator answers a CHALLENGE of <paramref name="authMethod"/> (a set answers several).</summary>
    bool Answers(string authMethod) => authMethod == AuthMethod;

    /// <summary>The AUTHENTICATE answer to <paramref name="challenge"/>; throws <see cref="WampException"/> when it cannot answer.</summary>
    ValueTask<WampAuthResponse> AuthenticateAsync(ChallengeMessage challenge, CancellationToken cancellationToken);

    /// <summary>Members this method adds to HELLO.authextra, asked once per join (WAMP-SCRAM's client nonce).</summary>
    IReadOnlyDictionary<string, object?>? HelloAuthExtra() => null;

    /// <summary>
    /// Checks the router's WELCOME for mutual authentication (WAMP-SCRAM's server signature): null when satisfied,
    /// else why not, and the join fails.
    /// </summary>
    string? CheckWelcome(string authMethod, IReadOnlyDictionary<string, object?> authExtra) => null;
}

/// <summary>AUTHENTICATE.Signature and AUTHENTICATE.Extra.</summary>
public readonly record struct WampAuthResponse(string Signature, IReadOnlyDictionary<string, object?>? Extra = null);

/// <summary>Ticket authentication: the signature is the ticket itself.</summary>
public sealed class TicketAuthenticator(string ticket) : IWampAuthenticator
{
    /// <inheritdoc/>
    public string AuthMethod => "ticket";

    /// <inheritdoc/>
    public ValueTask<WampAuthResponse> AuthenticateAsync(ChallengeMessage challenge, CancellationToken cancellationToken)
        => ValueTask.FromResult(new WampAuthResponse(ticket));
}

/// <summary>
/// WAMP-CRA: signature = base64(HMAC-SHA256(key, challenge)). When the challenge carries a
/// salt the key is the base64 text of PBKDF2-HMAC-SHA256(secret, salt, iterations, keylen),
/// which is what Crossbar stores as the "secret" of salted users.
/// </summary>
public sealed class WampCraAuthenticator(string secret) : IWampAuthenticator
{
    // Autobahn's defaults when the router sends a salt without iterations/keylen.
    private const int DefaultIterations = 1000;
    private const int DefaultKeyLength = 32;

    /// <inheritdoc/>
    public string AuthMethod => "wampcra";

    /// <inheritdoc/>
    public ValueTask<WampAuthResponse> AuthenticateAsync(ChallengeMessage challenge, CancellationToken cancellationToken)
    {
        if (!challenge.Extra.TryGetString("challenge", out var text))
            throw new WampException(WampErrors.AuthenticationFailed, "wampcra CHALLENGE without a challenge string");
        string key = challenge.Extra.TryGetString("salt", out var salt)
            ? DeriveKey(secret, salt,
                (int)(challenge.Extra.GetInt64("iterations") ?? DefaultIterations),
                (int)(challenge.Extra.GetInt64("keylen") ?? DefaultKeyLength))
            : secret;
        return ValueTask.FromResult(new WampAuthResponse(ComputeSignature(key, text)));
    }

    /// <summary>base64(PBKDF2-HMAC-SHA256(secret, salt)) — the derived key, as text.</summary>
    public static string DeriveKey(string secret, string salt, int iterations = DefaultIterations, int keyLength = DefaultKeyLength)
        => Convert.ToBase64String(Rfc2898DeriveBytes.Pbkdf2(
            Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(salt), iterations, HashAlgorithmName.SHA256, keyLength));

    /// <summary>base64(HMAC-SHA256(UTF-8 key, UTF-8 challenge)); routers use it to verify.</summary>
    public static string ComputeSignature(string key, string challenge)
        => Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(challenge)));
}
