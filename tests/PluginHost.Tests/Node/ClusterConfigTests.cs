using PluginHost.Node.Config;
using static PluginHost.Tests.Node.ConfigTestData;

namespace PluginHost.Tests.Node;

/// <summary>The router worker's <c>cluster</c> key: its realms shared over NATS.</summary>
public class ClusterConfigTests
{
    private static RouterWorkerConfig Router(string cluster)
        => Assert.IsType<RouterWorkerConfig>(Parse(
            $$"""{"version": 2, "workers": [{"type": "router", "id": "edge", "realms": [{"name": "realm1"}, {"name": "local"}]{{cluster}}}]}""").Workers[0]);

    [Fact]
    public void WithoutTheKeyTheRouterIsASingleNode() => Assert.Null(Router("").Router.Cluster);

    [Fact]
    public void EachKeyReachesTheClusterOptions()
    {
        var c = Router(""", "cluster": {"nats": ["nats://n1:4222", "tls://n2:4443"], "node": "a", "name": "prod", "realms": ["realm1"], "node_timeout": 5, "user": "u", "password": "p", "token": "t", "outbox": 1024}""")
            .Router.Cluster!;
        Assert.Equal(["nats://n1:4222", "tls://n2:4443"], c.Servers);
        Assert.Equal("a", c.Node);
        Assert.Equal("prod", c.Name);
        Assert.True(c.Shares("realm1"));
        Assert.False(c.Shares("local"));
        Assert.Equal(TimeSpan.FromSeconds(5), c.NodeTimeout);
        Assert.Equal(("u", "p", "t"), (c.User, c.Password, c.Token));
        Assert.Equal(1024, c.OutboxCapacity);
    }

    [Fact]
    public void DefaultsShareEveryRealmUnderTheHostAndWorkerName()
    {
        var c = Router(""", "cluster": {"nats": "nats://127.0.0.1:4222"}""").Router.Cluster!;
        Assert.Equal(["nats://127.0.0.1:4222"], c.Servers);
        Assert.Equal($"{Environment.MachineName}-edge", c.Node);
        Assert.Equal("pluginhost", c.Name);
        Assert.True(c.Shares("realm1") && c.Shares("local"));
        Assert.Equal(TimeSpan.FromSeconds(3), c.NodeTimeout);
    }

    [Theory]
    [InlineData("""{"node": "a"}""", "workers[0].cluster.nats")]
    [InlineData("""{"nats": "http://h:4222"}""", "workers[0].cluster.nats")]
    [InlineData("""{"nats": ["nats://h:1", 5]}""", "workers[0].cluster.nats[1]")]
    [InlineData("""{"nats": "nats://h:1", "realms": ["realm1", "nope"]}""", "workers[0].cluster.realms[1]")]
    [InlineData("""{"nats": "nats://h:1", "node_timeout": 0.1}""", "workers[0].cluster.node_timeout")]
    [InlineData("""{"nats": "nats://h:1", "credentials": "missing.creds"}""", "workers[0].cluster.credentials")]
    [InlineData("""{"nats": "nats://h:1", "tls": {"cert": "c.pem"}}""", "workers[0].cluster.tls")]
    [InlineData("""{"nats": "nats://h:1", "servers": []}""", "workers[0].cluster.servers")]
    public void BadValuesNameTheirPath(string cluster, string path)
        => Assert.StartsWith(path + ":", Fail($$"""{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}], "cluster": {{cluster}}}]}""").Message);
}
