using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Router.Authentication;

/// <summary>
/// Picks the authentication method for a HELLO (advanced/authentication): HELLO.authmethods lists what the client
/// offers, most preferred first; the first one the transport has configured wins. Like Crossbar (router/session.py
/// onHello) the chosen method's answer is final: a denied ticket does not fall back to anonymous.
/// </summary>
internal static class AuthMethodSelector
{
    /// <summary>Crossbar's AUTHMETHODS. A name outside it is refused, as Crossbar does ("invalid authmethod").</summary>
    private static readonly HashSet<string> KnownMethods =
        ["anonymous", "anonymous-proxy", "ticket", "wampcra", "tls", "cryptosign", "cryptosign-proxy", "cookie", "scram", "wamp-scram"];

    /// <summary>The pending authentication to run (then <paramref name="deny"/> is null), or null and why not.</summary>
    public static PendingAuth? Select(TransportAuthConfig config, AuthRequest request, IReadOnlyList<string>? offered, out AuthDeny? deny)
    {
        deny = null;
        // No authmethods (or an empty list) means anonymous (Crossbar: details.authmethods or ['anonymous']).
        var methods = offered is { Count: > 0 } ? offered : ["anonymous"];
        foreach (var method in methods)
        {
            if (!KnownMethods.Contains(method))
            {
                deny = new AuthDeny(WampErrors.NotAuthorized, $"invalid authmethod '{method}'");
                return null;
            }
            if (Create(method, config, request) is { } pending) return pending;
        }
        // Crossbar and Autobahn use wamp.error.no_auth_method (ApplicationError.NO_AUTH_METHOD), not the
        // spec draft's wamp.error.no_matching_auth_method: Autobahn clients match on Crossbar's URI.
        deny = new AuthDeny(WampErrors.NoAuthMethod, $"cannot authenticate using any of the offered authmethods [{string.Join(", ", methods)}]");
        return null;
    }

    /// <summary>
    /// The authenticator for a configured method, or null when the transport does not configure it. "wamp-scram" (the
    /// spec's name) and "scram" (Crossbar's and Autobahn's) share the transport's <c>scram</c> entry.
    /// </summary>
    private static PendingAuth? Create(string method, TransportAuthConfig config, AuthRequest request) => method switch
    {
        "anonymous" when config.Internal => new ServiceAuthenticator(request),
        _ when config.Dynamic?.GetValueOrDefault(method == "wamp-scram" ? "scram" : method) is { } dynamic
            => new DynamicAuthenticator(request, method, dynamic),
        "anonymous" when config.AnonymousRole is { } role => new StaticAnonymousAuthenticator(request, role, config.AnonymousAuthId),
        "ticket" when config.Ticket is { } principals => new StaticTicketAuthenticator(request, principals),
        "wampcra" when config.WampCra is { } users => new StaticWampCraAuthenticator(request, users),
        "cryptosign" when config.Cryptosign is { } principals => new StaticCryptosignAuthenticator(request, principals),
        // Cookie: only when this connection's cookie is authenticated for the realm asked for; else the next method.
        "cookie" when config.CookieAuth && config.Cookie?.Authenticated is { } c && c.AuthRealm == request.Realm => new CookieAuthenticator(request, c),
        "scram" or "wamp-scram" when config.Scram is { } principals => new ScramAuthenticator(request, method, principals),
        "tls" when config.Tls is { } principals => new StaticTlsAuthenticator(request, principals),
        _ => null,
    };
}
