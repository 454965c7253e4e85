namespace PluginHost.Wamp.Router.Cluster;

/// <summary>
/// One realm across many router processes (Cluster/ClusterNode.cs): where the NATS backplane is and who this node is.
/// Set on <see cref="RouterOptions.Cluster"/>; null (the default) means a single-node router that needs no NATS.
/// </summary>
public sealed record ClusterOptions
{
    /// <summary>NATS server URLs (nats://host:port, tls://host:port), tried in order as NATS clients do.</summary>
    public IReadOnlyList<string> Servers { get; init; } = ["nats://127.0.0.1:4222"];

    /// <summary>This node's name in logs and in the registry; a random suffix per process start makes each run distinct.</summary>
    public string Node { get; init; } = Environment.MachineName;

    /// <summary>The cluster's name: the prefix of its NATS subjects and key/value buckets, so that clusters can share a NATS.</summary>
    public string Name { get; init; } = "pluginhost";

    /// <summary>Realms shared over the cluster; null: every realm of the router.</summary>
    public IReadOnlyList<string>? Realms { get; init; }

    /// <summary>NATS user and password (NATS <c>authorization { user, password }</c>).</summary>
    public string? User { get; init; }

    /// <inheritdoc cref="User"/>
    public string? Password { get; init; }

    /// <summary>NATS token authentication.</summary>
    public string? Token { get; init; }

    /// <summary>A NATS credentials file (JWT + NKey seed, <c>.creds</c>), as <c>nats --creds</c> takes.</summary>
    public string? CredentialsFile { get; init; }

    /// <summary>TLS toward NATS: the CA that signs the server's certificate (PEM).</summary>
    public string? TlsCaFile { get; init; }

    /// <summary>TLS client certificate and key (PEM), when the NATS server verifies clients.</summary>
    public string? TlsCertFile { get; init; }

    /// <inheritdoc cref="TlsCertFile"/>
    public string? TlsKeyFile { get; init; }

    /// <summary>
    /// A node that has not renewed its liveness key for this long is dead: its sessions' registrations leave the other
    /// nodes and calls pending on it fail. Its liveness key is renewed four times in this period.
    /// </summary>
    public TimeSpan NodeTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Messages waiting to go to NATS before more are dropped (and counted in the log): the bounded queue toward NATS.</summary>
    public int OutboxCapacity { get; init; } = 65536;

    /// <summary>Whether <paramref name="realm"/> is shared over the cluster.</summary>
    public bool Shares(string realm) => Realms is null || Realms.Contains(realm);
}
