namespace PluginHost.Wamp.Router;

/// <summary>A role: its static permissions (first-match rules of Crossbar's router/role.py).</summary>
public sealed record RoleConfig
{
    public required string Name { get; init; }
    public IReadOnlyList<PermissionConfig> Permissions { get; init; } = [];
    /// <summary>Crossbar's <c>allow-by-default</c>: used when no permission matches.</summary>
    public bool AllowByDefault { get; init; }
    /// <summary>
    /// Crossbar's dynamic authorizer (<c>authorizer</c>): the procedure called, on this realm, for every call,
    /// register, publish and subscribe of a session in this role (Router/DynamicAuthorization.cs). Null: static permissions.
    /// </summary>
    public string? Authorizer { get; init; }
}

/// <summary>One permission entry. Crossbar's lookup order: exact, then longest prefix, then wildcard.</summary>
public sealed record PermissionConfig
{
    /// <summary>The URI (for prefix without the trailing '*'; "" matches everything as a prefix).</summary>
    public required string Uri { get; init; }
    public UriMatch Match { get; init; } = UriMatch.Exact;
    public bool Call { get; init; }
    public bool Register { get; init; }
    public bool Publish { get; init; }
    public bool Subscribe { get; init; }
    public bool DiscloseCaller { get; init; }
    public bool DisclosePublisher { get; init; }
}
