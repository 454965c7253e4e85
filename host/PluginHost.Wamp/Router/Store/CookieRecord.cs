namespace PluginHost.Wamp.Router.Store;

/// <summary>
/// One tracked browser cookie (Crossbar's cbtid): its value, lifetime and, once a session on a connection carrying it
/// authenticated, who that was. Immutable: a change is a new record.
/// </summary>
public sealed record CookieRecord(string Id, DateTime Created, DateTime Expires)
{
    public string? AuthId { get; init; }
    public string? AuthRole { get; init; }
    /// <summary>The method the session authenticated with (ticket, wampcra, ...): never "cookie" itself.</summary>
    public string? AuthMethod { get; init; }
    public string? AuthRealm { get; init; }
    public bool IsAuthenticated => AuthId is not null && AuthRole is not null && AuthRealm is not null;
}
