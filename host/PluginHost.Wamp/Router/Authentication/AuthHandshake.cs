using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Transport;

namespace PluginHost.Wamp.Router.Authentication;

/// <summary>
/// The authentication part of session establishment, from a received HELLO to accept or deny
/// (advanced/authentication: HELLO, then CHALLENGE/AUTHENTICATE when the method needs it, then WELCOME or ABORT).
/// </summary>
internal static class AuthHandshake
{
    /// <summary>
    /// Returns <see cref="AuthAccept"/> or <see cref="AuthDeny"/>, or null when the client went away (closed the
    /// transport or sent ABORT) during the challenge. The caller bounds it with the HELLO timeout.
    /// </summary>
    public static async Task<AuthOutcome?> RunAsync(HelloMessage hello, TransportAuthConfig config, WampRouter router, long sessionId,
        TransportDetails transport, TimeSpan dynamicTimeout, Func<WampMessage, bool> send, Func<CancellationToken, ValueTask<WampMessage?>> receive, CancellationToken cancellationToken)
    {
        var details = hello.Details;
        if (details.TryGetValue("authmethods", out var m) && m is not null && details.GetStringList("authmethods") is null)
            return new AuthDeny(WampErrors.ProtocolViolation, "HELLO.Details.authmethods must be a list of strings");
        var authExtra = details.TryGetValue("authextra", out var e) && e is IReadOnlyDictionary<string, object?> extra
            ? extra : new Dictionary<string, object?>();
        var request = new AuthRequest(router, sessionId, hello.Realm, details.GetString("authid"), authExtra)
        {
            AuthRole = details.GetString("authrole"),
            Transport = transport, // its dict is made only for a dynamic authenticator
            Tls = transport.Tls,
            DynamicTimeout = dynamicTimeout,
        };

        var pending = AuthMethodSelector.Select(config, request, details.GetStringList("authmethods"), out var deny);
        if (pending is null) return deny! with { AuthId = request.AuthId };
        var outcome = await AuthenticateAsync(pending, request, send, receive, cancellationToken).ConfigureAwait(false);
        // Cookie tracking: the connection's cookie now stands for this principal (Store/CookieStore.cs), and the session can log it out.
        if (outcome is AuthAccept { Trusted: false } accept && config.Cookie is { } cookie)
        {
            if (accept.AuthMethod != "cookie")
                await cookie.Store.Authenticated(cookie.Id, accept.AuthId, accept.AuthRole, accept.AuthMethod, accept.Realm.Name).WaitAsync(cancellationToken).ConfigureAwait(false);
            router.CookieSessions[sessionId] = cookie;
        }
        return outcome;
    }

    private static async Task<AuthOutcome?> AuthenticateAsync(PendingAuth pending, AuthRequest request, Func<WampMessage, bool> send,
        Func<CancellationToken, ValueTask<WampMessage?>> receive, CancellationToken cancellationToken)
    {
        // Dynamic methods await their authenticator procedure here, on this session's handshake task.
        var outcome = await pending.HelloAsync(cancellationToken).ConfigureAwait(false);
        if (outcome is AuthChallenge challenge)
        {
            // All methods here need exactly one CHALLENGE/AUTHENTICATE round.
            send(new ChallengeMessage(pending.AuthMethod, challenge.Extra));
            outcome = await receive(cancellationToken).ConfigureAwait(false) switch
            {
                null or AbortMessage => null,
                AuthenticateMessage authenticate => await pending.AuthenticateAsync(authenticate.Signature, authenticate.Extra, cancellationToken).ConfigureAwait(false),
                var other => new AuthDeny(WampErrors.ProtocolViolation,
                    $"expected AUTHENTICATE after CHALLENGE, got {other.Type.ToString().ToUpperInvariant()}"),
            };
        }
        return outcome is AuthDeny refused ? refused with { AuthMethod = pending.AuthMethod, AuthId = request.AuthId } : outcome;
    }
}
