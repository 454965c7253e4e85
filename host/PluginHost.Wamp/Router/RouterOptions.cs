namespace PluginHost.Wamp.Router;

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

    /// <summary>One realm across many router processes over NATS (Cluster/ClusterNode.cs); null: a single node, no NATS.</summary>
    public Cluster.ClusterOptions? Cluster { get; init; }

    /// <summary>Clock of the protocol-violation log's intervals (<see cref="ProtocolViolationLog"/>); tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
