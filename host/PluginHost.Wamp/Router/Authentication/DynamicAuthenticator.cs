using PluginHost.Wamp.Client;
using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Router.Authentication;

/// <summary>
/// Dynamic authentication (Crossbar's <c>type: dynamic</c>, router/auth/{anonymous,ticket,wampcra,cryptosign}.py): the
/// router CALLs the configured authenticator procedure on the authenticator realm (default: the realm in HELLO) over
/// that realm's service session, with (realm, authid, details). Crossbar's timing, kept here:
///  - anonymous: at HELLO, then WELCOME (authid = HELLO.authid or a random one);
///  - ticket: CHALLENGE first, the call after AUTHENTICATE with details.ticket = the signature;
///  - wampcra: at HELLO; the principal carries secret (+ salt, iterations, keylen), then the static challenge;
///  - cryptosign: at HELLO (details also has authid and HELLO's authrole); the principal carries pubkey;
///  - scram (offered as scram or wamp-scram): at HELLO; the principal carries Crossbar's stored credential (kdf,
///    iterations, memory, salt, stored-key, server-key), then ScramAuthenticator challenges;
///  - tls: at HELLO, only with a client certificate (details.transport.peer_cert has its fingerprints); no challenge.
/// The answer is a role (string) or a principal dict {role, authid?, realm?, extra?, ...}: realm and authid
/// override HELLO's, extra becomes WELCOME.authextra. An ERROR from the call is forwarded as the ABORT reason and
/// message (so no callee gives wamp.error.no_such_procedure, as in Crossbar); anything else, and no answer within
/// RouterOptions.DynamicAuthTimeout, is wamp.error.authentication_failed.
/// </summary>
internal sealed class DynamicAuthenticator(AuthRequest request, string method, DynamicAuthenticatorConfig config)
    : PendingAuth(request, "dynamic")
{
    private readonly Dictionary<string, object?> _details = new()
    {
        ["transport"] = request.Transport?.ToDict(),
        ["session"] = request.SessionId,
        ["authmethod"] = method,
        ["authextra"] = request.AuthExtra,
    };
    private PendingAuth? _inner;                          // wampcra, cryptosign: the static method for the returned principal
    private IReadOnlyDictionary<string, object?>? _extra; // principal.extra, for WELCOME

    public override string AuthMethod => method;

    public override AuthOutcome Hello() => throw new NotSupportedException("dynamic authentication is asynchronous");

    public override async ValueTask<AuthOutcome> HelloAsync(CancellationToken cancellationToken)
    {
        if (Service(out var service) is { } noRealm) return noRealm;
        switch (method)
        {
            case "ticket":
                return new AuthChallenge([]);
            case "tls" when Request.Tls?.PeerCertificate is null:
                return new AuthDeny(WampErrors.NotAuthorized, "client did not send a TLS client certificate");
            case "anonymous" or "tls":
            {
                var authId = method == "tls" ? Request.AuthId : Request.AuthId ?? StaticAnonymousAuthenticator.GenerateAuthId();
                var answer = await CallAsync(service!, authId, cancellationToken).ConfigureAwait(false);
                if (answer.Deny is { } deny) return deny;
                return (AuthOutcome?)Assign(answer.Principal!, authId) ?? Accept(_extra);
            }
            case "cryptosign":
                _details["authid"] = Request.AuthId;
                _details["authrole"] = Request.AuthRole;
                goto default;
            default:
            {
                var answer = await CallAsync(service!, Request.AuthId, cancellationToken).ConfigureAwait(false);
                if (answer.Deny is { } deny) return deny;
                var p = answer.Principal!;
                if (Assign(p, Request.AuthId) is { } bad) return bad;
                var inner = Request with { AuthId = AssignedAuthId };
                if (method == "wampcra")
                {
                    if (p.Get<string>("secret") is not { } secret) return Failed("the principal has no string 'secret'");
                    var user = new WampCraUser(secret, AssignedAuthRole, p.Get<string>("realm"))
                    {
                        Salt = p.Get<string>("salt"),
                        Iterations = (int)(p.Number("iterations") ?? 1000), // Crossbar's defaults
                        KeyLength = (int)(p.Number("keylen") ?? 32),
                    };
                    _inner = new StaticWampCraAuthenticator(inner, new Dictionary<string, WampCraUser> { [AssignedAuthId] = user }, Provider);
                }
                else if (method is "scram" or "wamp-scram")
                {
                    if (ScramCredential(p, out var why) is not { } principal) return Failed(why!);
                    _inner = new ScramAuthenticator(inner, method, new Dictionary<string, ScramPrincipal> { [AssignedAuthId] = principal }, Provider);
                }
                else
                {
                    if (p.Get<string>("pubkey") is not { } key || !StaticCryptosignAuthenticator.IsHexKey(key))
                        return Failed("the principal has no 'pubkey' (32-byte Ed25519 public key in hex)");
                    var principal = new CryptosignPrincipal([key.ToLowerInvariant()], AssignedAuthRole, p.Get<string>("realm"));
                    _inner = new StaticCryptosignAuthenticator(inner, new Dictionary<string, CryptosignPrincipal> { [AssignedAuthId] = principal }, Provider);
                }
                return _inner.Hello();
            }
        }
    }

    public override async ValueTask<AuthOutcome> AuthenticateAsync(string signature, IReadOnlyDictionary<string, object?> extra,
        CancellationToken cancellationToken)
    {
        if (_inner is not null)
        {
            var outcome = _inner.Authenticate(signature, extra);
            // principal.extra goes to WELCOME, next to what the method itself adds (SCRAM's server signature).
            if (outcome is not AuthAccept a) return outcome;
            if (a.AuthExtra is null || _extra is null) return a with { AuthExtra = a.AuthExtra ?? _extra };
            var merged = new Dictionary<string, object?>(_extra);
            foreach (var (k, v) in a.AuthExtra) merged[k] = v;
            return a with { AuthExtra = merged };
        }
        if (method != "ticket") return await base.AuthenticateAsync(signature, extra, cancellationToken).ConfigureAwait(false);
        if (Service(out var service) is { } noRealm) return noRealm;
        _details["ticket"] = signature;
        var answer = await CallAsync(service!, Request.AuthId, cancellationToken).ConfigureAwait(false);
        if (answer.Deny is { } deny) return deny;
        return (AuthOutcome?)Assign(answer.Principal!, Request.AuthId) ?? Accept(_extra);
    }

    /// <summary>A SCRAM principal from a dynamic answer, in the shape of a static one (Node/Config/AuthParser.cs).</summary>
    private ScramPrincipal? ScramCredential(DynamicPrincipal p, out string? why)
    {
        why = null;
        var kdf = p.Get<string>("kdf");
        if (kdf is null || !PluginHost.Wamp.Security.ScramProtocol.Kdfs.Contains(kdf))
            why = $"the principal's 'kdf' must be one of {string.Join(", ", PluginHost.Wamp.Security.ScramProtocol.Kdfs)}";
        else if (p.Number("iterations") is not { } iterations) why = "the principal has no 'iterations'";
        else if (PluginHost.Wamp.Security.ScramProtocol.IsArgon2(kdf) && p.Number("memory") is null) why = "an argon2id principal needs 'memory' (KiB)";
        else if (Hex(p.Get<string>("salt")) is not { Length: > 0 } salt) why = "the principal's 'salt' must be hex";
        else if (Hex(p.Get<string>("stored-key")) is not { Length: 32 } storedKey) why = "the principal's 'stored-key' must be 32 bytes in hex";
        else if (Hex(p.Get<string>("server-key")) is not { Length: 32 } serverKey) why = "the principal's 'server-key' must be 32 bytes in hex";
        else return new ScramPrincipal(kdf, (int)iterations, (int?)p.Number("memory"), salt, storedKey, serverKey, AssignedAuthRole, p.Get<string>("realm"));
        return null;

        static byte[]? Hex(string? s)
        {
            try { return s is null ? null : Convert.FromHexString(s); }
            catch (FormatException) { return null; }
        }
    }

    /// <summary>Crossbar's _init_dynamic_authenticator: the realm whose service session calls the authenticator.</summary>
    private AuthDeny? Service(out ServiceSession? service)
    {
        service = null;
        var name = config.Realm ?? Request.Realm;
        if (!Request.Router.TryGetRealm(name, out var realm))
            return new AuthDeny(WampErrors.NoSuchRealm, config.Realm is not null
                ? $"explicit realm <{name}> configured for dynamic authenticator does not exist"
                : $"no realm '{name}' exists on this router (the dynamic authenticator is called on it)");
        service = realm.Service;
        return null;
    }

    private async Task<(DynamicPrincipal? Principal, AuthDeny? Deny)> CallAsync(ServiceSession service, string? authId, CancellationToken cancellationToken)
    {
        try
        {
            var result = await service.CallAsync(config.Authenticator, [Request.Realm, authId, _details], Request.DynamicTimeout, cancellationToken)
                .ConfigureAwait(false);
            return DynamicPrincipal.From(result.Args.Count > 0 ? result.Args[0] : null) is { } p
                ? (p, null)
                : (null, Failed($"got invalid return type from dynamic authenticator (expected a role string or a principal dict)"));
        }
        catch (WampException e)
        {
            // Crossbar's _marshal_dynamic_authenticator_error: an ApplicationError's URI and first argument.
            return (null, new AuthDeny(e.Error, e.Args.Count > 0 ? $"{e.Args[0]}" : e.Error));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return (null, Failed($"dynamic authenticator failed: {e.Message}"));
        }
    }

    /// <summary>Crossbar's _assign_principal for a dynamic answer (then PendingAuth.AssignPrincipal's realm and role checks).</summary>
    private AuthDeny? Assign(DynamicPrincipal p, string? helloAuthId)
    {
        if (p.Invalid is { } why) return Failed(why);
        _extra = p.Get<IReadOnlyDictionary<string, object?>>("extra");
        var authId = p.Get<string>("authid") ?? helloAuthId;
        var role = p.Get<string>("role");
        if (string.IsNullOrEmpty(authId)) return new AuthDeny(WampErrors.NoSuchPrincipal, "no authid assigned");
        if (string.IsNullOrEmpty(role)) return new AuthDeny(WampErrors.NoSuchRole, "no authrole assigned");
        return AssignPrincipal(authId, role, p.Get<string>("realm"));
    }

    private static AuthDeny Failed(string message) => new(WampErrors.AuthenticationFailed, message);
}

/// <summary>What a dynamic authenticator returned: a role string (Crossbar's backwards-compatible form) or a dict.</summary>
internal sealed class DynamicPrincipal
{
    private static readonly string[] StringKeys = ["role", "authid", "realm", "secret", "salt", "pubkey", "kdf", "stored-key", "server-key"];
    private readonly IReadOnlyDictionary<string, object?> _values;

    private DynamicPrincipal(IReadOnlyDictionary<string, object?> values) => _values = values;

    public static DynamicPrincipal? From(object? value) => value switch
    {
        string role => new DynamicPrincipal(new Dictionary<string, object?> { ["role"] = role }),
        IReadOnlyDictionary<string, object?> dict => new DynamicPrincipal(dict),
        _ => null,
    };

    /// <summary>Why the dict is unusable (a member of the wrong type), or null.</summary>
    public string? Invalid
    {
        get
        {
            foreach (var key in StringKeys)
                if (_values.TryGetValue(key, out var v) && v is not (null or string)) return $"dynamic authenticator returned a non-string '{key}'";
            if (_values.TryGetValue("extra", out var e) && e is not (null or IReadOnlyDictionary<string, object?>))
                return "dynamic authenticator returned a non-dict 'extra'";
            foreach (var key in (string[])["iterations", "keylen", "memory"])
                if (_values.ContainsKey(key) && Number(key) is not (> 0 and <= 10_000_000)) return $"dynamic authenticator returned an invalid '{key}'";
            return null;
        }
    }

    public T? Get<T>(string key) where T : class => _values.TryGetValue(key, out var v) ? v as T : null;

    public long? Number(string key) => _values.TryGetValue(key, out var v) ? v switch
    {
        long l => l,
        int i => i,
        ulong u when u <= int.MaxValue => (long)u,
        double d when d == Math.Floor(d) && d is > 0 and <= int.MaxValue => (long)d,
        _ => null,
    } : null;
}
