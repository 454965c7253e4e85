using PluginHost.Tests.Support;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;

namespace PluginHost.Tests.Controller;

/// <summary>config/other-router as shipped: a node whose only worker is a container, its component joining fox-wamp (a router nobody here wrote) at ROUTER_URL.</summary>
public class OtherRouterConfigTests
{
    [Fact]
    public async Task ShippedConfigJoinsFoxWampAndAnswersThere()
    {
        await using var fox = await BackgroundProcess.StartAsync("node", [Path.Combine(RepoPaths.InteropDir, "fox-wamp-router.js")],
            @"fox-wamp listening on (?<url>ws://\S+)", TimeSpan.FromSeconds(30));
        var url = fox.Ready.Groups["url"].Value;
        await using var node = await NodeProcess.StartSampleAsync(Path.Combine(RepoPaths.Root, "config", "other-router"), c => c,
            env: new Dictionary<string, string> { ["ROUTER_URL"] = url });
        await node.WaitForLineAsync($"Component 'component001' \\(timeservice.TimeService\\) joined realm 'realm1' on {url}");

        var connection = await WampTransportConnector.ConnectWebSocketAsync(new Uri(url), [WampSerializers.Json]);
        await using var caller = await WampSession.JoinAsync(connection, "realm1");
        var result = await caller.CallAsync("com.timeservice.now", []).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", Assert.IsType<string>(result.Args[0]));
    }
}
