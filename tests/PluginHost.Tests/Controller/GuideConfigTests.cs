using PluginHost.Tests.Support;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;

namespace PluginHost.Tests.Controller;

/// <summary>
/// The Crossbar guide's configs in config/ start as real nodes, unchanged except for the port (8080 is replaced
/// by a free one so tests can run in parallel), and their C# TimeService (the sample shipped beside the CLI)
/// answers an Autobahn|Python caller, as the guide's Python component did.
/// </summary>
public class GuideConfigTests
{
    private static string Sample(string name) => Path.Combine(RepoPaths.Root, "config", name);

    private static Func<string, string> OnPort(int port) => config => config.Replace("8080", port.ToString());

    [Theory]
    [InlineData("guide-router-component")]
    [InlineData("guide-router-container")]
    public async Task GuideConfigBootsAndServes(string sample)
    {
        var port = NodeProcess.FreePort();
        await using var node = await NodeProcess.StartSampleAsync(Sample(sample), OnPort(port));
        Assert.Equal(port, node.Port("transport001"));
        Assert.Contains("Router with ID 'worker001' and PID", node.Log);
        if (sample == "guide-router-container") Assert.Contains("Container with ID 'worker002' and PID", node.Log);
        using var http = new HttpClient();
        var page = await http.GetAsync($"http://127.0.0.1:{port}/.crossbar/config.json");
        Assert.True(page.IsSuccessStatusCode, $"static '..' serves the application folder: {page.StatusCode}");
        // "/" answers the start page as the default config does (index.html links to config/default/web/index.html).
        var start = await http.GetStringAsync($"http://127.0.0.1:{port}/");
        Assert.Contains("com.timeservice.now", start);

        // In a container the component registers after boot (it connects over the WebSocket): wait for it.
        await node.WaitForLineAsync(@"Ok, registered procedure for WAMP RPC");
        // The node's own line says what the component offers, whichever worker it runs in.
        await node.WaitForLineAsync($@"\[{(sample == "guide-router-container" ? "Container" : "Router")}\s+\d+\] Component 'component001' registered com\.timeservice\.now and subscribed to no topics");
        var script = Path.Combine(RepoPaths.InteropDir, "python", "call_procedure.py");
        var call = await ExternalProcess.RunAsync("/usr/bin/python3",
            [script, "--url", $"ws://127.0.0.1:{port}/ws", "--procedure", "com.timeservice.now"], TimeSpan.FromMinutes(1));
        Assert.True(call.ExitCode == 0, $"Autobahn|Python call failed:\n{call.Output}\n--- node log ---\n{node.Log}");
        Assert.Matches(@"RESULT ""\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ""", call.Output);
        await node.WaitForLineAsync(@"I am being called;\)");
    }

    /// <summary>
    /// The guest scenario: (a) the guide's Python TimeService on Python 3 with Debian's python3-autobahn,
    /// (b) the same service as a C# console program on PluginHost.Wamp's client (samples/TimeServiceGuest, built by
    /// ./pluginhost; its config names it relative to the repository, so the copy gets the absolute path).
    /// </summary>
    [Theory]
    [InlineData("guide-router-guest")]
    [InlineData("guide-router-guest-csharp")]
    public async Task RouterAndGuestServeTheTimeService(string sample)
    {
        var port = NodeProcess.FreePort();
        await using var node = await NodeProcess.StartSampleAsync(Sample(sample),
            config => OnPort(port)(config).Replace("../../.build/", Path.Combine(RepoPaths.Root, ".build") + "/"));
        var guest = await node.WorkerPidAsync("Guest", "worker002");
        await node.WaitForLineAsync($@"\[Guest\s+{guest}\] Ok, registered procedure for WAMP RPC");

        var connection = await WampTransportConnector.ConnectWebSocketAsync(new Uri($"ws://127.0.0.1:{port}/ws"), [WampSerializers.Json]);
        await using var session = await WampSession.JoinAsync(connection, "realm1");
        var result = await session.CallAsync("com.timeservice.now");
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", Assert.IsType<string>(result.Args[0]));
        await node.WaitForLineAsync($@"\[Guest\s+{guest}\] I am being called;\)");
        using var http = new HttpClient();
        Assert.Contains("com.timeservice.now", await http.GetStringAsync($"http://127.0.0.1:{port}/"));
    }
}
