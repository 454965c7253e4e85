namespace PluginHost.Wamp.Router.Authentication;

/// <summary>
/// The router's own service session (Router/ServiceSession.cs), on an in-process transport only the router creates:
/// authid "router", role "trusted" (Crossbar's built-in RouterTrustedRole), authorized for everything without a
/// role lookup, so that calling an authorizer never needs authorizing itself.
/// </summary>
internal sealed class ServiceAuthenticator(AuthRequest request) : PendingAuth(request, "internal")
{
    public override string AuthMethod => "anonymous";

    public override AuthOutcome Hello() => Request.Router.TryGetRealm(Request.Realm, out var realm)
        ? new AuthAccept(realm, Request.AuthId ?? "router", "trusted", AuthMethod, null, "internal") { Trusted = true }
        : new AuthDeny(Messages.WampErrors.NoSuchRealm, $"no realm '{Request.Realm}' exists on this router");
}
