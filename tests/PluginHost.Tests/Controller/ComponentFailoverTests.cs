using System.Diagnostics;
using System.Text.Json.Nodes;
using PluginHost.Tests.Support;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;
using Xunit.Abstractions;
using static PluginHost.Tests.Controller.ControllerConfigs;

namespace PluginHost.Tests.Controller;

/// <summary>
/// A container component whose <c>transport</c> lists two routers (real nodes): when the router it joined goes away it
/// rejoins the other one, and back again when that one goes too.
/// </summary>
public class ComponentFailoverTests(ITestOutputHelper output)
{
    private static readonly TimeSpan RejoinLimit = TimeSpan.FromSeconds(10); // the issue's bound for callees serving again

    private static Task<NodeProcess> StartRouterAsync(int port)
        => NodeProcess.StartAsync(NodeJson(RouterWorker.Replace("\"port\": 0", $"\"port\": {port}")));

    internal static string Url(int port) => $"ws://127.0.0.1:{port}/";

    internal static JsonObject RouterTransport(int port) => new()
    {
        ["type"] = "websocket",
        ["url"] = Url(port),
        ["endpoint"] = new JsonObject { ["type"] = "tcp", ["host"] = "127.0.0.1", ["port"] = port },
        ["serializers"] = new JsonArray("json"),
        ["initial_retry_delay"] = 0.1,
        ["max_retry_delay"] = 1,
    };

    internal static async Task<string> CallTimeServiceAsync(int port, TimeSpan? limit = null)
    {
        var connection = await WampTransportConnector.ConnectWebSocketAsync(new Uri(Url(port)), [WampSerializers.Json]);
        await using var caller = await WampSession.JoinAsync(connection, "realm1");
        var result = await caller.CallAsync("com.timeservice.now", []).WaitAsync(limit ?? TimeSpan.FromSeconds(30));
        return Assert.IsType<string>(result.Args[0]);
    }

    [Fact]
    public async Task A_component_listing_two_routers_serves_on_the_other_when_its_router_goes_and_comes_back()
    {
        int portA = NodeProcess.FreePort(), portB = NodeProcess.FreePort();
        await using var routerA = await StartRouterAsync(portA);
        await using var routerB = await StartRouterAsync(portB);
        await using var container = await NodeProcess.StartSampleAsync(Path.Combine(RepoPaths.Root, "config", "other-router"), text =>
        {
            var config = JsonNode.Parse(text)!;
            config["workers"]![0]!["components"]![0]!["transport"] = new JsonArray(RouterTransport(portA), RouterTransport(portB));
            return config.ToJsonString();
        });
        await container.WaitForLineAsync($"Component 'component001' \\(timeservice.TimeService\\) joined realm 'realm1' on {Url(portA)}");
        Assert.Matches(@"^\d{4}-", await CallTimeServiceAsync(portA));

        // Router A goes away: the component serves on B within the limit.
        var clock = Stopwatch.StartNew();
        await routerA.DisposeAsync();
        var rejoined = await container.WaitForLineAsync($"Component 'component001' rejoined realm 'realm1' on {Url(portB)} .* after (?<s>[0-9.]+) s",
            timeout: RejoinLimit);
        Assert.Matches(@"^\d{4}-", await CallTimeServiceAsync(portB));
        output.WriteLine($"serving on B {clock.Elapsed.TotalSeconds:0.00} s after A was stopped (component's own count: {rejoined.Groups["s"].Value} s)");

        // A returns, B goes away: back on A.
        await using var routerAgain = await StartRouterAsync(portA);
        clock.Restart();
        await routerB.DisposeAsync();
        await container.WaitForLineAsync($"Component 'component001' rejoined realm 'realm1' on {Url(portA)} ", timeout: RejoinLimit);
        Assert.Matches(@"^\d{4}-", await CallTimeServiceAsync(portA));
        output.WriteLine($"serving on A again {clock.Elapsed.TotalSeconds:0.00} s after B was stopped");
    }
}
