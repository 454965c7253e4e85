using System.Security.Cryptography;
using System.Text;

namespace PluginHost.Wamp.Router.Authentication;

/// <summary>
/// WAMP-Ticket, static (advanced/authentication, ticket-based): HELLO.authid names the principal, CHALLENGE has
/// empty extra, AUTHENTICATE.signature is the ticket in clear text.
/// </summary>
internal sealed class StaticTicketAuthenticator(AuthRequest request, IReadOnlyDictionary<string, TicketPrincipal> principals)
    : PendingAuth(request)
{
    private TicketPrincipal? _principal;

    public override string AuthMethod => "ticket";

    public override AuthOutcome Hello()
    {
        if (Request.AuthId is not { } authId || !principals.TryGetValue(authId, out var principal))
            return NotAuthorized($"no principal with authid '{Request.AuthId}' exists");
        if (AssignPrincipal(authId, principal.Role, principal.Realm) is { } deny) return deny;
        _principal = principal;
        return new AuthChallenge([]);
    }

    public override AuthOutcome Authenticate(string signature, IReadOnlyDictionary<string, object?> extra)
    {
        // Constant time: the comparison must not tell how much of a guessed ticket was right.
        bool ok = _principal is not null && CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(signature), Encoding.UTF8.GetBytes(_principal.Ticket));
        return ok ? Accept(ClientAuthExtra) : NotAuthorized("ticket in static WAMP-Ticket authentication is invalid");
    }
}
