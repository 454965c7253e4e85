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
        ["anonymous", "anonymous-proxy", "ticket", "wampcra", "tls", "cryptosign", "cryptosign-proxy", "cookie", "scram"];

    public static AuthOutcome Select(TransportAuthConfig config, AuthRequest request, IReadOnlyList<string>? offered, out PendingAuth? pending)
    {
        pending = null;
        // No authmethods (or an empty list) means anonymous (Crossbar: details.authmethods or ['anonymous']).
        var methods = offered is { Count: > 0 } ? offered : ["anonymous"];
        foreach (var method in methods)
        {
            if (!KnownMethods.Contains(method)) return new AuthDeny(WampErrors.NotAuthorized, $"invalid authmethod '{method}'");
            pending = Create(method, config, request);
            if (pending is not null) return pending.Hello();
        }
        // Crossbar and Autobahn use wamp.error.no_auth_method (ApplicationError.NO_AUTH_METHOD), not the
        // spec draft's wamp.error.no_matching_auth_method: Autobahn clients match on Crossbar's URI.
        return new AuthDeny(WampErrors.NoAuthMethod, $"cannot authenticate using any of the offered authmethods [{string.Join(", ", methods)}]");
    }

    /// <summary>The authenticator for a configured method, or null when the transport does not configure it.</summary>
    private static PendingAuth? Create(string method, TransportAuthConfig config, AuthRequest request) => method switch
    {
        "anonymous" when config.AnonymousRole is { } role => new StaticAnonymousAuthenticator(request, role, config.AnonymousAuthId),
        "ticket" when config.Ticket is { } principals => new StaticTicketAuthenticator(request, principals),
        "wampcra" when config.WampCra is { } users => new StaticWampCraAuthenticator(request, users),
        "cryptosign" when config.Cryptosign is { } principals => new StaticCryptosignAuthenticator(request, principals),
        _ => null,
    };
}
