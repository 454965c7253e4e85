using NSec.Cryptography;
using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Client;

/// <summary>
/// WAMP-Cryptosign (advanced/authentication, cryptosign), without channel binding: the client names its
/// Ed25519 public key in HELLO.authextra.pubkey (<see cref="PublicKeyHex"/>), and answers the router's
/// hex challenge with hex(Ed25519 signature of the challenge bytes || the challenge bytes), as Autobahn does.
/// </summary>
public sealed class CryptosignAuthenticator : IWampAuthenticator
{
    private static readonly SignatureAlgorithm Ed25519 = SignatureAlgorithm.Ed25519;
    private readonly Key _key;

    /// <param name="privateKeyHex">The 32-byte Ed25519 private key (seed) in hex, as Autobahn's "privkey".</param>
    public CryptosignAuthenticator(string privateKeyHex)
    {
        byte[] seed;
        try { seed = Convert.FromHexString(privateKeyHex); }
        catch (FormatException) { throw new ArgumentException("the cryptosign private key must be hex", nameof(privateKeyHex)); }
        if (seed.Length != 32) throw new ArgumentException($"the cryptosign private key must be 32 bytes (64 hex digits), got {seed.Length}", nameof(privateKeyHex));
        _key = Key.Import(Ed25519, seed, KeyBlobFormat.RawPrivateKey);
        PublicKeyHex = Convert.ToHexStringLower(_key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    /// <inheritdoc/>
    public string AuthMethod => "cryptosign";

    /// <summary>The public key in hex, for HELLO.authextra.pubkey and the router's authorized_keys.</summary>
    public string PublicKeyHex { get; }

    /// <inheritdoc/>
    public ValueTask<WampAuthResponse> AuthenticateAsync(ChallengeMessage challenge, CancellationToken cancellationToken)
    {
        if (!challenge.Extra.TryGetString("challenge", out var hex))
            throw new WampException(WampErrors.AuthenticationFailed, "cryptosign CHALLENGE without a challenge string");
        byte[] message;
        try { message = Convert.FromHexString(hex); }
        catch (FormatException) { throw new WampException(WampErrors.AuthenticationFailed, "cryptosign challenge is not hex"); }
        var signature = Ed25519.Sign(_key, message);
        return ValueTask.FromResult(new WampAuthResponse(Convert.ToHexStringLower(signature) + Convert.ToHexStringLower(message)));
    }
}

/// <summary>Several authenticators offered at once (HELLO.authmethods in their order); the CHALLENGE's method picks one.</summary>
public sealed class WampAuthenticatorSet(IReadOnlyList<IWampAuthenticator> authenticators) : IWampAuthenticator
{
    /// <summary>The methods offered, in order (HELLO.authmethods).</summary>
    public IReadOnlyList<string> AuthMethods { get; } = [.. authenticators.Select(a => a.AuthMethod)];

    /// <inheritdoc/>
    public string AuthMethod => AuthMethods[0];

    /// <inheritdoc/>
    public bool Answers(string authMethod) => AuthMethods.Contains(authMethod);

    /// <inheritdoc/>
    public ValueTask<WampAuthResponse> AuthenticateAsync(ChallengeMessage challenge, CancellationToken cancellationToken)
        => authenticators.First(a => a.Answers(challenge.AuthMethod)).AuthenticateAsync(challenge, cancellationToken);

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, object?>? HelloAuthExtra()
    {
        Dictionary<string, object?>? extra = null;
        foreach (var a in authenticators)
            if (a.HelloAuthExtra() is { } more)
                foreach (var (k, v) in more) (extra ??= [])[k] = v;
        return extra;
    }

    /// <inheritdoc/>
    public string? CheckWelcome(string authMethod, IReadOnlyDictionary<string, object?> authExtra)
        => authenticators.FirstOrDefault(a => a.Answers(authMethod))?.CheckWelcome(authMethod, authExtra);
}
