namespace PluginHost.Wamp.Router;

/// <summary>How a realm checks URIs (Crossbar realm option <c>uri_check</c>).</summary>
public enum UriCheckMode
{
    /// <summary>Components may be any non-empty strings without whitespace, '#' or empty components except for patterns.</summary>
    Loose,
    /// <summary>Components match [0-9a-z_]+ (basic/uris.md strict rule).</summary>
    Strict,
}

/// <summary>How a permission's (or subscription's / registration's) URI matches.</summary>
public enum MatchPolicy
{
    Exact,
    Prefix,
    Wildcard,
}

/// <summary>A realm as configured (Crossbar <c>workers[].realms[]</c>).</summary>
public sealed record RealmConfig
{
    public required string Name { get; init; }
    public IReadOnlyList<RoleConfig> Roles { get; init; } = [];
    public UriCheckMode UriCheck { get; init; } = UriCheckMode.Loose;
    /// <summary>Meta API procedures and events (wamp.session.*, wamp.registration.*, wamp.subscription.*).</summary>
    public bool EnableMetaApi { get; init; } = true;
}

/// <summary>A role: its static permissions (first-match rules of Crossbar's router/role.py).</summary>
public sealed record RoleConfig
{
    public required string Name { get; init; }
    public IReadOnlyList<PermissionConfig> Permissions { get; init; } = [];
    /// <summary>Crossbar's <c>allow-by-default</c>: used when no permission matches.</summary>
    public bool AllowByDefault { get; init; }
}

/// <summary>One permission entry. Crossbar's lookup order: exact, then longest prefix, then wildcard.</summary>
public sealed record PermissionConfig
{
    /// <summary>The URI (for prefix without the trailing '*'; "" matches everything as a prefix).</summary>
    public required string Uri { get; init; }
    public MatchPolicy Match { get; init; } = MatchPolicy.Exact;
    public bool Call { get; init; }
    public bool Register { get; init; }
    public bool Publish { get; init; }
    public bool Subscribe { get; init; }
    public bool DiscloseCaller { get; init; }
    public bool DisclosePublisher { get; init; }
}

/// <summary>How sessions on a transport authenticate. Anonymous only for now: every session gets <see cref="AnonymousRole"/>.</summary>
public sealed record TransportAuthConfig
{
    public string AnonymousRole { get; init; } = "anonymous";
    public static TransportAuthConfig Anonymous { get; } = new();
}

/// <summary>Router-wide limits.</summary>
public sealed record RouterOptions
{
    /// <summary>Messages queued for one session before it is considered a slow consumer and closed.</summary>
    public int MaxOutboundQueue { get; init; } = 16384;

    /// <summary>How long a new transport may take to send HELLO before it is closed.</summary>
    public TimeSpan HelloTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Commands queued for one realm loop before session readers wait (back-pressure on inbound traffic).</summary>
    public int RealmQueueCapacity { get; init; } = 65536;
}
