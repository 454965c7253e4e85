using PluginHost.Wamp.Router.Store;

namespace PluginHost.Wamp.Router.Authentication;

/// <summary>
/// WAMP cookie authentication (Crossbar's "cookie" method): the connection's cookie (Store/CookieStore.cs) was authenticated
/// by an earlier session, for this realm: the same authid and role again, authmethod "cookie", no CHALLENGE. Only created
/// when the cookie is authenticated (AuthMethodSelector), so an unauthenticated cookie lets the next offered method run.
/// </summary>
internal sealed class CookieAuthenticator(AuthRequest request, CookieRecord cookie) : PendingAuth(request)
{
    public override string AuthMethod => "cookie";

    public override AuthOutcome Hello()
        => (AuthOutcome?)AssignPrincipal(cookie.AuthId!, cookie.AuthRole!, cookie.AuthRealm) ?? Accept();
}
