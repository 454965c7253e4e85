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
public sealed record EventHistoryConfig(string Uri, MatchPolicy Match, int Limit)
{
    /// <summary>The URI rules of a SUBSCRIBE with this match policy (an entry is a subscription), for the config validator.</summary>
    public static bool IsValidTopic(string uri, MatchPolicy match, UriCheckMode uriCheck) => UriValidator.IsValidPattern(uri, match, uriCheck);
}

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
    public MatchPolicy Match { get; init; } = MatchPolicy.Exact;
    public bool Call { get; init; }
    public bool Register { get; init; }
    public bool Publish { get; init; }
    public bool Subscribe { get; init; }
    public bool DiscloseCaller { get; init; }
    public bool DisclosePublisher { get; init; }
}

/// <summary>
/// How sessions on a transport authenticate (Crossbar transport <c>auth</c>, static principals only).
/// A method is configured when its entry is non-null; the router picks the first method the client
/// offers in HELLO.authmethods that is configured here (Router/Authentication/AuthMethodSelector.cs).
/// </summary>
public sealed record TransportAuthConfig
{
    /// <summary>anonymous: the role every anonymous session gets; null = anonymous not allowed.</summary>
    public string? AnonymousRole { get; init; } = "anonymous";

    /// <summary>anonymous: a fixed authid (Crossbar <c>authid</c>); null = a random one per session.</summary>
    public string? AnonymousAuthId { get; init; }

    /// <summary>ticket: principals by authid.</summary>
    public IReadOnlyDictionary<string, TicketPrincipal>? Ticket { get; init; }

    /// <summary>wampcra: users by authid.</summary>
    public IReadOnlyDictionary<string, WampCraUser>? WampCra { get; init; }

    /// <summary>cryptosign: principals by authid.</summary>
    public IReadOnlyDictionary<string, CryptosignPrincipal>? Cryptosign { get; init; }

    /// <summary>scram (WAMP-SCRAM, offered as "scram" or "wamp-scram"): principals by authid.</summary>
    public IReadOnlyDictionary<string, ScramPrincipal>? Scram { get; init; }

    /// <summary>tls (TLS client certificate): principals by authid, matched on the certificate's SHA-1 fingerprint.</summary>
    public IReadOnlyDictionary<string, TlsPrincipal>? Tls { get; init; }

    /// <summary>
    /// Dynamic authenticators by method ("anonymous", "ticket", "wampcra", "cryptosign", "scram", "tls"): Crossbar's
    /// <c>{"type": "dynamic", "authenticator": ..., "authenticator-realm": ...}</c>. A method configured here is
    /// configured (its static entry above is then null).
    /// </summary>
    public IReadOnlyDictionary<string, DynamicAuthenticatorConfig>? Dynamic { get; init; }

    /// <summary>cookie: a connection whose tracked cookie an earlier session authenticated is welcomed as that principal.</summary>
    public bool CookieAuth { get; init; }

    /// <summary>Per connection: the cookie it carries (WebSocket cookie tracking); null without cookie tracking.</summary>
    public Store.ConnectionCookie? Cookie { get; init; }

    /// <summary>The router's own service sessions (Router/ServiceSession.cs): role "trusted", never authorized.</summary>
    internal bool Internal { get; init; }

    /// <summary>Anonymous sessions in role "anonymous": what a transport without <c>auth</c> does.</summary>
    public static TransportAuthConfig Anonymous { get; } = new();
}

/// <summary>
/// A dynamic authenticator: the procedure the router calls, on <paramref name="Realm"/> (Crossbar's
/// <c>authenticator-realm</c>; null = the realm the client asked to join).
/// </summary>
public sealed record DynamicAuthenticatorConfig(string Authenticator, string? Realm = null)
{
    /// <summary>For config validation: an authenticator or authorizer must be a valid procedure URI (loose check).</summary>
    public static bool IsValidProcedure(string uri) => UriValidator.IsValid(uri, UriCheckMode.Loose);
}

/// <summary>A static ticket principal. <see cref="Realm"/>, when set, is the realm the session joins (Crossbar assigns it).</summary>
public sealed record TicketPrincipal(string Ticket, string Role, string? Realm = null);

/// <summary>
/// A static WAMP-CRA user. As in Crossbar, <see cref="Secret"/> is the HMAC key itself: for a salted user it is the
/// derived key base64(PBKDF2-SHA256(password, salt, iterations, keylen)) (Autobahn's derive_key), and the salt
/// parameters are only sent to the client so it can derive the same key from its password.
/// </summary>
public sealed record WampCraUser(string Secret, string Role, string? Realm = null)
{
    public string? Salt { get; init; }
    public int Iterations { get; init; } = 1000; // Crossbar's and Autobahn's defaults
    public int KeyLength { get; init; } = 32;
}

/// <summary>
/// A WAMP-SCRAM principal (Crossbar's, as autobahn.wamp.auth.derive_scram_credential prints it): the router keeps
/// only StoredKey and ServerKey; kdf, iterations, memory and salt are sent to the client so it can derive them.
/// </summary>
public sealed record ScramPrincipal(string Kdf, int Iterations, int? Memory, byte[] Salt, byte[] StoredKey, byte[] ServerKey,
    string Role, string? Realm = null);

/// <summary>A TLS client-certificate principal: Crossbar's <c>certificate-sha1</c>, kept as uppercase hex without colons.</summary>
public sealed record TlsPrincipal(string CertificateSha1, string Role, string? Realm = null);

/// <summary>A static cryptosign principal: its Ed25519 public keys as lowercase hex (32 bytes each).</summary>
public sealed record CryptosignPrincipal(IReadOnlyList<string> AuthorizedKeys, string Role, string? Realm = null);

/// <summary>Router-wide limits.</summary>
public sealed record RouterOptions
{
    /// <summary>
    /// Hard limit: messages queued for one session before it is closed at once as a slow consumer.
    /// Flow control (Realm.cs, CONCURRENCY DESIGN) derives from it the high-water mark (half of it: the
    /// session becomes congested and the realm's publishers and callers pause) and the low-water mark (a
    /// quarter: no longer congested), and caps the realm command queue at a quarter of it.
    /// </summary>
    public int MaxOutboundQueue { get; init; } = 16384;

    /// <summary>
    /// The same hard limit in bytes (estimated encoded size, Router/OutboundSize.cs): a session with this much
    /// accepted and not yet written is closed at once as a slow consumer. Its high-water mark is half of it and
    /// its low-water mark a quarter, as for the message count; a session is congested when EITHER count crosses
    /// its high-water mark, and uncongested when BOTH are at their low-water marks. The byte limit is judged on
    /// what was already queued: the queue may pass it by one message, so one message larger than the limit still goes out. Default 16 MiB: a session that
    /// stops reading holds at most about that much wire size, which in memory is up to about 3 times as much for text
    /// payloads (decoded UTF-16 strings plus the cached encoding), plus transport buffers, until it is closed.
    /// </summary>
    public long MaxOutboundBytes { get; init; } = DefaultMaxOutboundBytes;

    /// <summary>Default of <see cref="MaxOutboundBytes"/>.</summary>
    public const long DefaultMaxOutboundBytes = 16L * 1024 * 1024;

    /// <summary>
    /// A session whose outbound queue stays above the low-water mark for this long after crossing the
    /// high-water mark (congested continuously) is a slow consumer: it is logged and its transport closed,
    /// which lets the realm's publishers and callers resume.
    /// </summary>
    public TimeSpan SlowConsumerTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a new transport may take to send HELLO before it is closed.</summary>
    public TimeSpan HelloTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a dynamic authenticator or authorizer may take to answer before the router gives up and denies
    /// (Crossbar waits for ever). An authentication is also bounded by <see cref="HelloTimeout"/>.
    /// </summary>
    public TimeSpan DynamicAuthTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Commands queued for one realm loop before session readers wait (back-pressure on inbound traffic).
    /// Capped at MaxOutboundQueue / 4 (at least 16): commands already queued when a session becomes congested
    /// are still routed, so this cap keeps them inside the room between the high-water mark and the hard limit.
    /// </summary>
    public int RealmQueueCapacity { get; init; } = 65536;

    /// <summary>Clock of the protocol-violation log's intervals (<see cref="ProtocolViolationLog"/>); tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
