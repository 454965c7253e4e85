namespace PluginHost.Wamp.Router;

/// <summary>The four actions a role's permission can allow (Crossbar <c>allow</c> keys).</summary>
internal enum WampAction
{
    Call,
    Register,
    Publish,
    Subscribe,
}

/// <summary>An authorization outcome: allowed or not, and whether the identity must be disclosed
/// (permission <c>disclose.caller</c> for calls, <c>disclose.publisher</c> for publications).</summary>
internal readonly record struct AuthDecision(bool Allowed, bool Disclose);

/// <summary>
/// Static authorization from the realm's <see cref="RoleConfig"/> permissions, with Crossbar's
/// lookup order (router/role.py): the exact permission for the URI, else the longest matching
/// prefix permission, else the most specific matching wildcard permission (same precedence as
/// pattern-based registrations; ties go to the earlier entry). The first permission found decides
/// for the action; when none matches, the role's <see cref="RoleConfig.AllowByDefault"/> decides.
///
/// Owned by one realm loop: the decision cache is a plain dictionary, never touched by two threads.
/// A realm without any role allows everything (convenience for embedded/dev realms).
/// </summary>
internal sealed class Authorizer
{
    private const int MaxCacheEntries = 65536;

    private readonly Dictionary<string, RoleConfig> _roles;
    private readonly bool _allowAll;
    private readonly bool _anyDynamic; // the message path skips the role lookup when no role has an authorizer
    private readonly Dictionary<(string Role, WampAction Action, string Uri), AuthDecision> _cache = new();

    public Authorizer(RealmConfig realm)
    {
        _allowAll = realm.Roles.Count == 0;
        _roles = new Dictionary<string, RoleConfig>(StringComparer.Ordinal);
        foreach (var role in realm.Roles) _roles.TryAdd(role.Name, role);
        _anyDynamic = realm.Roles.Any(r => r.Authorizer is not null);
    }

    /// <summary>True when sessions may join with <paramref name="authrole"/> (basic: ABORT wamp.error.no_such_role otherwise).</summary>
    public bool RoleExists(string authrole) => _allowAll || _roles.ContainsKey(authrole);

    /// <summary>The role's dynamic authorizer procedure (DynamicAuthorization.cs), or null for static permissions.</summary>
    public string? DynamicAuthorizer(string authrole)
        => _anyDynamic && _roles.TryGetValue(authrole, out var role) ? role.Authorizer : null;

    public AuthDecision Authorize(string authrole, WampAction action, string uri)
    {
        if (_allowAll) return new AuthDecision(true, false);
        var key = (authrole, action, uri);
        if (_cache.TryGetValue(key, out var cached)) return cached;
        var decision = Decide(authrole, action, uri);
        if (_cache.Count >= MaxCacheEntries) _cache.Clear(); // bounded: a URI-scanning client cannot grow it forever
        _cache[key] = decision;
        return decision;
    }

    private AuthDecision Decide(string authrole, WampAction action, string uri)
    {
        if (!_roles.TryGetValue(authrole, out var role)) return new AuthDecision(false, false);
        // A role with a dynamic authorizer reaches here only where the router cannot wait for the authorizer's
        // answer (inside meta procedures: testament topics, event history): denied rather than guessed.
        if (role.Authorizer is not null) return new AuthDecision(false, false);
        var permission = FindPermission(role, uri);
        if (permission is null) return new AuthDecision(role.AllowByDefault, false);
        bool allowed = action switch
        {
            WampAction.Call => permission.Call,
            WampAction.Register => permission.Register,
            WampAction.Publish => permission.Publish,
            WampAction.Subscribe => permission.Subscribe,
            _ => false,
        };
        bool disclose = action switch
        {
            WampAction.Call => permission.DiscloseCaller,
            WampAction.Publish => permission.DisclosePublisher,
            _ => false,
        };
        return new AuthDecision(allowed, allowed && disclose);
    }

    internal static PermissionConfig? FindPermission(RoleConfig role, string uri)
    {
        // 1. exact
        foreach (var p in role.Permissions)
        {
            if (p.Match == UriMatch.Exact && p.Uri == uri) return p;
        }
        // 2. longest prefix ("" matches everything)
        PermissionConfig? best = null;
        foreach (var p in role.Permissions)
        {
            if (p.Match == UriMatch.Prefix && UriMatcher.PrefixMatches(p.Uri, uri) && (best is null || p.Uri.Length > best.Uri.Length))
                best = p;
        }
        if (best is not null) return best;
        // 3. most specific wildcard
        foreach (var p in role.Permissions)
        {
            if (p.Match == UriMatch.Wildcard && UriMatcher.WildcardMatches(p.Uri, uri)
                && (best is null || UriMatcher.CompareWildcardSpecificity(p.Uri, best.Uri) > 0))
                best = p;
        }
        return best;
    }
}
