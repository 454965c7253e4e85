namespace PluginHost.Node.Config;

/// <summary>An application component of a router or container worker (type "class" or "function").</summary>
public sealed record ComponentConfig
{
    public required string Id { get; init; }
    public required string Type { get; init; }
    public required string Realm { get; init; }
    /// <summary>Router components only: the role the embedded session gets (default "anonymous").</summary>
    public string? Role { get; init; }
    public string? Classname { get; init; }
    /// <summary>Container components only: the WebSocket or RawSocket URL they connect to.</summary>
    public string? TransportUrl { get; init; }
}
