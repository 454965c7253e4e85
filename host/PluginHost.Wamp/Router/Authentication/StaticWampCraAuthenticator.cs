using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using PluginHost.Wamp.Client;

namespace PluginHost.Wamp.Router.Authentication;

/// <summary>
/// WAMP-CRA, static (advanced/authentication, challenge-response): CHALLENGE.extra.challenge is a JSON text
/// naming the pending identity, with a nonce and timestamp; the client answers base64(HMAC-SHA256(key, challenge)).
/// As in Crossbar the configured secret is the key itself (for salted users the derived key); the salt, iterations
/// and keylen are sent so the client can derive that key from its password.
/// </summary>
internal sealed class StaticWampCraAuthenticator(AuthRequest request, IReadOnlyDictionary<string, WampCraUser> users,
    string provider = "static") : PendingAuth(request, provider)
{
    private const string NonceAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    private static readonly JsonSerializerOptions ChallengeJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private string? _expectedSignature;

    public override string AuthMethod => "wampcra";

    public override AuthOutcome Hello()
    {
        if (Request.AuthId is not { } authId || !users.TryGetValue(authId, out var user))
            return NotAuthorized($"no principal with authid '{Request.AuthId}' exists");
        if (AssignPrincipal(authId, user.Role, user.Realm) is { } deny) return deny;

        // Same members, in the same order, as Crossbar's challenge (crossbar/router/auth/wampcra.py).
        var challenge = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["authid"] = AssignedAuthId,
            ["authrole"] = AssignedAuthRole,
            ["authmethod"] = AuthMethod,
            ["authprovider"] = Provider,
            ["session"] = Request.SessionId,
            ["nonce"] = RandomNumberGenerator.GetString(NonceAlphabet, 64),
            ["timestamp"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        }, ChallengeJson);
        _expectedSignature = WampCraAuthenticator.ComputeSignature(user.Secret, challenge);

        var extra = new Dictionary<string, object?> { ["challenge"] = challenge };
        if (user.Salt is not null)
        {
            extra["salt"] = user.Salt;
            extra["iterations"] = (long)user.Iterations;
            extra["keylen"] = (long)user.KeyLength;
        }
        return new AuthChallenge(extra);
    }

    public override AuthOutcome Authenticate(string signature, IReadOnlyDictionary<string, object?> extra)
    {
        bool ok = _expectedSignature is not null && CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(signature), Encoding.UTF8.GetBytes(_expectedSignature));
        return ok ? Accept() : NotAuthorized("WAMP-CRA signature is invalid");
    }
}
