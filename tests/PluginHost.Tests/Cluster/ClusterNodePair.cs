using PluginHost.Tests.Support;

namespace PluginHost.Tests.Cluster;

/// <summary>
/// A nats-server and two `pluginhost start` nodes of one cluster on it ("n1", "n2"), started together and ready (the
/// realm shared on both). When a start fails, what did start is stopped before the error goes on: a test class's
/// InitializeAsync that throws is never disposed by xUnit.
/// </summary>
internal sealed class ClusterNodePair : IAsyncDisposable
{
    private ClusterNodePair(NatsServer nats, NodeProcess first, NodeProcess second) => (Nats, First, Second) = (nats, first, second);

    public NatsServer Nats { get; }
    public NodeProcess First { get; }
    public NodeProcess Second { get; }

    /// <param name="config">The node configuration for a NATS URL and a node name.</param>
    public static async Task<ClusterNodePair> StartAsync(Func<string, string, string> config)
    {
        var nats = await NatsServer.StartAsync();
        NodeProcess? first = null, second = null;
        try
        {
            first = await NodeProcess.StartAsync(config(nats.Url, "n1"));
            second = await NodeProcess.StartAsync(config(nats.Url, "n2"));
            foreach (var node in new[] { first, second }) await node.WaitForLineAsync("realm 'realm1' is shared over the cluster");
            return new ClusterNodePair(nats, first, second);
        }
        catch
        {
            if (first is not null) await first.DisposeAsync();
            if (second is not null) await second.DisposeAsync();
            await nats.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await First.DisposeAsync();
        await Second.DisposeAsync();
        await Nats.DisposeAsync();
    }
}
