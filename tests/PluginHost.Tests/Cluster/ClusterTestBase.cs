using PluginHost.Tests.Router;
using PluginHost.Tests.Support;
using PluginHost.Wamp.Router;
using PluginHost.Wamp.Router.Cluster;

namespace PluginHost.Tests.Cluster;

/// <summary>One real nats-server (JetStream on) for a test class.</summary>
public sealed class NatsFixture : IAsyncLifetime
{
    public NatsServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await NatsServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// Routers of one cluster in this process, over the class's real nats-server; each test has a cluster name of its own
/// (its own subjects and buckets), so tests do not see each other. Clients join a chosen node in-process.
/// </summary>
public abstract class ClusterTestBase(NatsFixture nats) : IClassFixture<NatsFixture>, IAsyncLifetime
{
    private readonly List<WampRouter> _routers = new();
    private readonly List<WampTestClient> _clients = new();
    private readonly string _cluster = "t" + Guid.NewGuid().ToString("N")[..12];

    protected NatsServer Nats => nats.Server;

    /// <summary>The test's cluster name (its subjects' and buckets' prefix).</summary>
    protected string ClusterName => _cluster;

    protected virtual TimeSpan NodeTimeout => TimeSpan.FromSeconds(3);

    protected virtual IEnumerable<RealmConfig> Realms => [new RealmConfig { Name = "realm1" }];

    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Starts a node of the test's cluster and waits until it is part of it (subscribed, registry caught up).</summary>
    internal async Task<WampRouter> StartNodeAsync(string name)
    {
        var router = new WampRouter(new RouterOptions
        {
            Cluster = new ClusterOptions { Servers = [Nats.Url], Node = name, Name = _cluster, NodeTimeout = NodeTimeout },
        });
        _routers.Add(router);
        foreach (var realm in Realms) router.AddRealm(realm);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await router.Cluster!.WaitReadyAsync(limit.Token);
        return router;
    }

    internal async Task<WampTestClient> JoinAsync(WampRouter node, string realm = "realm1", bool callCanceling = true, params (string Role, string Feature)[] features)
    {
        var client = await WampTestClient.JoinAsync(node, realm, null, callCanceling, features);
        _clients.Add(client);
        return client;
    }

    /// <summary>Stops a node as a crash would look to the others: its liveness key is left to expire, nothing is withdrawn.</summary>
    internal static async Task CrashAsync(WampRouter node)
    {
        await node.Cluster!.AbandonAsync();
        await node.DisposeAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var c in _clients) await c.DisposeAsync();
        foreach (var r in _routers) await r.DisposeAsync();
    }
}
