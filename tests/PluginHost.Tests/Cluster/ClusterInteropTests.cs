using PluginHost.Tests.Interop;
using PluginHost.Tests.Support;

namespace PluginHost.Tests.Cluster;

/// <summary>
/// A real cluster: nats-server and two nodes (`pluginhost start`, the interop node's config plus a <c>cluster</c> key),
/// each in its own processes. Third-party clients spread over the nodes must not tell it from one router.
/// </summary>
public sealed class ClusterNodesFixture : IAsyncLifetime
{
    private ClusterNodePair _nodes = null!;
    public NodeProcess First => _nodes.First;
    public NodeProcess Second => _nodes.Second;

    /// <summary>The interop node's config with its worker in cluster <paramref name="cluster"/> as node <paramref name="node"/>.</summary>
    public static string Config(string natsUrl, string node, string cluster = "interop")
    {
        var config = System.Text.Json.Nodes.JsonNode.Parse(InteropNodeFixture.Config)!;
        config["workers"]![0]!["cluster"] = new System.Text.Json.Nodes.JsonObject
        {
            ["nats"] = natsUrl,
            ["node"] = node,
            ["name"] = cluster,
        };
        return config.ToJsonString();
    }

    public async Task InitializeAsync() => _nodes = await ClusterNodePair.StartAsync((nats, node) => Config(nats, node));

    /// <summary>Runs a scenario script of tests/interop with both nodes' URLs (its sessions take them in turn); all must pass.</summary>
    public async Task AssertScenariosPassAsync(string program, string script, string transport, string serializer)
    {
        Func<NodeProcess, string> url = transport == "ws" ? WebSocketUrl : RawSocketUrl;
        var outcome = await ExternalProcess.RunAsync(program,
            [Path.Combine(RepoPaths.InteropDir, script), "--url", url(First), "--url", url(Second), "--serializer", serializer], TimeSpan.FromMinutes(3));
        Assert.False(outcome.TimedOut, $"timed out:\n{outcome.Output}");
        Assert.True(outcome.ExitCode == 0, $"failed (exit {outcome.ExitCode}):\n{outcome.Output}\n--- node 1 ---\n{First.Log}\n--- node 2 ---\n{Second.Log}");
        Assert.Contains("PASS rpc", outcome.Output);
    }

    public static string WebSocketUrl(NodeProcess node) => $"ws://127.0.0.1:{node.Port("web")}/ws";

    public static string RawSocketUrl(NodeProcess node) => $"rs://127.0.0.1:{node.Port("raw")}";

    public async Task DisposeAsync()
    {
        await _nodes.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterNodesCollection : ICollectionFixture<ClusterNodesFixture>
{
    public const string Name = "cluster nodes";
}

/// <summary>Autobahn|Python's scenarios (tests/interop/python/ab_scenarios.py) with each scenario's sessions alternating between the nodes.</summary>
[Collection(ClusterNodesCollection.Name)]
public sealed class ClusterInteropTests(ClusterNodesFixture cluster)
{
    private const string Python = "/usr/bin/python3";

    [Theory]
    [InlineData("ws", "json")]
    [InlineData("rs", "msgpack")]
    [InlineData("ws", "cbor")]
    public Task Autobahn_Python_scenarios_pass_with_clients_spread_over_two_nodes(string transport, string serializer)
        => cluster.AssertScenariosPassAsync(Python, "python/ab_scenarios.py", transport, serializer);
}

/// <summary>Autobahn|JS's scenarios (tests/interop/js/ab_scenarios.js) with each scenario's sessions alternating between the nodes.</summary>
[Collection(ClusterNodesCollection.Name)]
public sealed class ClusterAutobahnJsTests(ClusterNodesFixture cluster)
{
    [Theory]
    [InlineData("ws", "json")]
    [InlineData("ws", "msgpack")]
    [InlineData("rs", "json")]
    public Task Autobahn_JS_scenarios_pass_with_clients_spread_over_two_nodes(string transport, string serializer)
        => cluster.AssertScenariosPassAsync("node", "js/ab_scenarios.js", transport, serializer);
}
