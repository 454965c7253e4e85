using System.Diagnostics;
using System.Text.Json.Nodes;
using PluginHost.Tests.Support;
using Xunit.Abstractions;
using static PluginHost.Tests.Controller.ComponentFailoverTests;
using static PluginHost.Tests.Controller.ControllerConfigs;

namespace PluginHost.Tests.Cluster;

/// <summary>
/// A container component listing both routers of a cluster: its router worker SIGKILLed, the component serves again
/// (through whichever router answers first: the other node, or its own restarted worker) and callers on the other node
/// reach it, within the issue's 10 s.
/// </summary>
public class ClusterFailoverTests(ITestOutputHelper output)
{
    private static readonly TimeSpan RejoinLimit = TimeSpan.FromSeconds(10);

    private static string ClusterRouter(int port, string natsUrl, string node)
    {
        var worker = JsonNode.Parse(RouterWorker.Replace("\"port\": 0", $"\"port\": {port}"))!;
        worker["cluster"] = new JsonObject { ["nats"] = natsUrl, ["node"] = node, ["name"] = "failover", ["node_timeout"] = 2 };
        return NodeJson(worker.ToJsonString());
    }

    [Fact]
    public async Task A_component_whose_router_worker_is_killed_serves_callers_of_the_other_node_again_within_10_s()
    {
        await using var nats = await NatsServer.StartAsync();
        int portA = NodeProcess.FreePort(), portB = NodeProcess.FreePort();
        await using var routerA = await NodeProcess.StartAsync(ClusterRouter(portA, nats.Url, "a"));
        await using var routerB = await NodeProcess.StartAsync(ClusterRouter(portB, nats.Url, "b"));
        foreach (var node in new[] { routerA, routerB }) await node.WaitForLineAsync("realm 'realm1' is shared over the cluster");
        await using var container = await NodeProcess.StartSampleAsync(Path.Combine(RepoPaths.Root, "config", "other-router"), text =>
        {
            var config = JsonNode.Parse(text)!;
            config["workers"]![0]!["components"]![0]!["transport"] = new JsonArray(RouterTransport(portA), RouterTransport(portB));
            return config.ToJsonString();
        });
        await container.WaitForLineAsync($"Component 'component001' \\(timeservice.TimeService\\) joined realm 'realm1' on {Url(portA)}");
        Assert.Matches(@"^\d{4}-", await CallTimeServiceAsync(portB)); // served on A, called on B

        var clock = Stopwatch.StartNew();
        Process.GetProcessById(await routerA.WorkerPidAsync("Router", "worker001")).Kill(); // SIGKILL
        await container.WaitForLineAsync("Component 'component001' rejoined realm 'realm1' on ", timeout: RejoinLimit);
        // The callers of node B reach it again (wherever it rejoined, B learns of its registration before REGISTERED).
        Assert.Matches(@"^\d{4}-", await CallTimeServiceAsync(portB, RejoinLimit - clock.Elapsed));
        Assert.True(clock.Elapsed < RejoinLimit, $"serving again after {clock.Elapsed}");
        output.WriteLine($"cluster failover: the component served callers of node b again {clock.Elapsed.TotalSeconds:0.00} s after node a's router worker was killed");
    }
}
