namespace PluginHost.Wamp.Router;

/// <summary>A realm as configured (Crossbar <c>workers[].realms[]</c>).</summary>
public sealed record RealmConfig
{
    public required string Name { get; init; }
    public IReadOnlyList<RoleConfig> Roles { get; init; } = [];
    public UriCheckMode UriCheck { get; init; } = UriCheckMode.Loose;
    /// <summary>Meta API procedures and events (wamp.session.*, wamp.registration.*, wamp.subscription.*).</summary>
    public bool EnableMetaApi { get; init; } = true;
    /// <summary>Crossbar's realm <c>store</c> (type "memory"): event history (EventHistory.cs). Null: no store.</summary>
    public RealmStoreConfig? Store { get; init; }
}

/// <summary>
/// A realm's store (Crossbar <c>store: {type, limit, event-history}</c>): in memory (type "memory", the default), or persistent
/// in a SQLite file (type "sqlite", Router/Store/RealmStore.cs) when <see cref="Path"/> is set.
/// </summary>
public sealed record RealmStoreConfig
{
    /// <summary>The store file (full path); null: the memory store.</summary>
    public string? Path { get; init; }

    /// <summary>Crossbar's default history limit per subscription (MemoryEventStore.GLOBAL_HISTORY_LIMIT).</summary>
    public const int DefaultLimit = 100;

    /// <summary>The topics (uri, match) whose publications are kept, each with its own limit.</summary>
    public IReadOnlyList<EventHistoryConfig> EventHistory { get; init; } = [];
}

/// <summary>One <c>event-history</c> entry: publications matching (uri, match) are kept, the newest <paramref name="Limit"/> of them.</summary>
public sealed record EventHistoryConfig(string Uri, UriMatch Match, int Limit)
{
    /// <summary>The URI rules of a SUBSCRIBE with this match policy (an entry is a subscription), for the config validator.</summary>
    public static bool IsValidTopic(string uri, UriMatch match, UriCheckMode uriCheck) => UriValidator.IsValidPattern(uri, match, uriCheck);
}
