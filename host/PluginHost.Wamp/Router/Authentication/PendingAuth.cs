using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Router.Authentication;

/// <summary>What an authenticator answers to HELLO or AUTHENTICATE (Crossbar's types.Accept / Challenge / Deny).</summary>
internal abstract record AuthOutcome;

/// <summary>
/// Join <see cref="Realm"/> with this identity. AuthProvider is "static" (config principals) or "dynamic" (an
/// authenticator procedure); <see cref="Trusted"/> only for the router's own service sessions.
/// </summary>
internal sealed record AuthAccept(Realm Realm, string AuthId, string AuthRole, string AuthMethod,
    IReadOnlyDictionary<string, object?>? AuthExtra, string AuthProvider = "static") : AuthOutcome
{
    public bool Trusted { get; init; }
}

/// <summary>Send CHALLENGE with this extra and wait for AUTHENTICATE.</summary>
internal sealed record AuthChallenge(Dictionary<string, object?> Extra) : AuthOutcome;

/// <summary>
/// ABORT with this reason. Messages name the principal or what was wrong, never a secret: they go to the client and
/// the log. AuthMethod and AuthId (what HELLO asked for) are filled in by AuthHandshake for the log line.
/// </summary>
internal sealed record AuthDeny(string Reason, string Message) : AuthOutcome
{
    public string? AuthMethod { get; init; }
    public string? AuthId { get; init; }
}

/// <summary>What HELLO asked for, and what the authenticators need from the router.</summary>
internal sealed record AuthRequest(WampRouter Router, long SessionId, string Realm, string? AuthId,
    IReadOnlyDictionary<string, object?> AuthExtra)
{
    /// <summary>HELLO.Details.authrole (cryptosign passes it to a dynamic authenticator, as Crossbar does).</summary>
    public string? AuthRole { get; init; }
    /// <summary>The transport; dynamic authenticators get its dict (TransportDetails.ToDict) as details.transport.</summary>
    public PluginHost.Wamp.Transport.TransportDetails? Transport { get; init; }
    /// <summary>The TLS layer's client certificate and channel binding data; null on a plain transport.</summary>
    public PluginHost.Wamp.Transport.TlsDetails? Tls { get; init; }
    public TimeSpan DynamicTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// One authentication in progress, for one method (Crossbar's PendingAuth): <see cref="HelloAsync"/> once, then
/// <see cref="AuthenticateAsync"/> once if it challenged. Static methods answer at once (<see cref="Hello"/>,
/// <see cref="Authenticate"/>); dynamic ones (DynamicAuthenticator) await an authenticator procedure. Either way
/// this runs on the session's own handshake task, never on a realm loop.
/// </summary>
internal abstract class PendingAuth(AuthRequest request, string provider = "static")
{
    private Realm? _realm;
    private string _authId = "";
    private string _authRole = "";

    public abstract string AuthMethod { get; }

    protected AuthRequest Request => request;

    public abstract AuthOutcome Hello();

    public virtual AuthOutcome Authenticate(string signature, IReadOnlyDictionary<string, object?> extra)
        => new AuthDeny(WampErrors.ProtocolViolation, $"{AuthMethod} authentication takes no AUTHENTICATE");

    public virtual ValueTask<AuthOutcome> HelloAsync(CancellationToken cancellationToken) => ValueTask.FromResult(Hello());

    public virtual ValueTask<AuthOutcome> AuthenticateAsync(string signature, IReadOnlyDictionary<string, object?> extra,
        CancellationToken cancellationToken) => ValueTask.FromResult(Authenticate(signature, extra));

    /// <summary>"static" or "dynamic": WELCOME.authprovider (and the WAMP-CRA challenge's authprovider).</summary>
    protected string Provider => provider;

    /// <summary>
    /// Crossbar's PendingAuth._assign_principal: a principal's realm replaces the one HELLO asked for; the realm
    /// must exist (wamp.error.no_such_realm) and the role must exist on it (wamp.error.no_such_role).
    /// Returns null when assigned.
    /// </summary>
    protected AuthDeny? AssignPrincipal(string authId, string role, string? realm)
    {
        var name = realm ?? request.Realm;
        if (!request.Router.TryGetRealm(name, out var r))
            return new AuthDeny(WampErrors.NoSuchRealm, $"no realm '{name}' exists on this router");
        if (!r.RoleExists(role))
            return new AuthDeny(WampErrors.NoSuchRole, $"role '{role}' does not exist on realm '{name}'");
        (_realm, _authId, _authRole) = (r, authId, role);
        return null;
    }

    protected AuthAccept Accept(IReadOnlyDictionary<string, object?>? authExtra = null)
        => new(_realm ?? throw new InvalidOperationException("no principal assigned"), _authId, _authRole, AuthMethod, authExtra, provider);

    protected string AssignedAuthId => _authId;
    protected string AssignedAuthRole => _authRole;

    /// <summary>
    /// Crossbar denies unknown principals and wrong credentials with Autobahn's default Deny reason,
    /// wamp.error.not_authorized (not wamp.error.authentication_failed, which it keeps for failing dynamic authenticators).
    /// </summary>
    protected static AuthDeny NotAuthorized(string message) => new(WampErrors.NotAuthorized, message);

    /// <summary>HELLO.authextra, forwarded to WELCOME.authextra as Crossbar does for anonymous and ticket; null when empty.</summary>
    protected IReadOnlyDictionary<string, object?>? ClientAuthExtra => request.AuthExtra.Count > 0 ? request.AuthExtra : null;
}
