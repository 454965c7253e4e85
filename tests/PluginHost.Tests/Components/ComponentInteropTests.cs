using System.Text.RegularExpressions;
using PluginHost.Components;
using PluginHost.Node.Config;
using PluginHost.Tests.Support;
using PluginHost.Listeners;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Router;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;
using static PluginHost.Tests.Components.ComponentTestKit;

namespace PluginHost.Tests.Components;

/// <summary>
/// Components reached over real transports: the guide's router-embedded and container TimeService
/// answering Autobahn|Python, a container component surviving a router restart, and container
/// components on fox-wamp (a third-party router) answering Autobahn|JS and hot-reloading there.
/// </summary>
public sealed class ComponentInteropTests : IAsyncLifetime
{
    private const string Python = "/usr/bin/python3";
    private static readonly Regex UtcTime = new(@"^RESULT ""\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ""$", RegexOptions.Multiline);

    private readonly LogCollector _log = new();
    private readonly NodeLayout _node = new("TimeService", "Reloadable");
    private readonly ComponentHost _host;
    private WampRouter? _router;
    private RouterTransports? _transports;

    public ComponentInteropTests() => _host = _node.Host(_log, hotReload: false);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await StopRouterAsync();
        _node.Dispose();
    }

    /// <summary>Our router with a WebSocket transport on <paramref name="port"/> (0 = a free one) and a RawSocket one; returns the WebSocket URL.</summary>
    private async Task<string> StartRouterAsync(int port = 0)
    {
        _router = OpenRouter(_log);
        var ws = new WebSocketTransportConfig { Id = "ws", Endpoint = new EndpointConfig { Port = port, Interface = "127.0.0.1" } };
        var rs = new RawSocketTransportConfig { Id = "rs", Endpoint = new EndpointConfig { Port = 0, Interface = "127.0.0.1" } };
        _transports = await RouterTransports.StartAsync([ws, rs], _router, _log);
        return $"ws://127.0.0.1:{_transports["ws"].Port}/ws";
    }

    private static Task<BackgroundProcess> StartFoxWampAsync()
        => BackgroundProcess.StartAsync("node", [Path.Combine(RepoPaths.InteropDir, "fox-wamp-router.js")],
            @"fox-wamp listening on (?<url>ws://\S+)", TimeSpan.FromSeconds(30));

    private async Task StopRouterAsync()
    {
        if (_transports is not null) await _transports.DisposeAsync();
        if (_router is not null) await _router.DisposeAsync();
        _transports = null;
        _router = null;
    }

    private static async Task<string> CallWithPythonAsync(string url, string procedure)
    {
        var script = Path.Combine(RepoPaths.InteropDir, "python", "call_procedure.py");
        var outcome = await ExternalProcess.RunAsync(Python, [script, "--url", url, "--procedure", procedure], TimeSpan.FromSeconds(60));
        Assert.True(outcome.ExitCode == 0, $"Autobahn|Python caller failed (exit {outcome.ExitCode}):\n{outcome.Output}");
        return outcome.Output;
    }

    [Fact]
    public async Task TimeServiceAsRouterComponentAnswersAutobahnPython()
    {
        var url = await StartRouterAsync();
        await _host.StartRouterComponentAsync(_router!, RouterComponent("timeservice.TimeService"), CancellationToken.None);
        Assert.Matches(UtcTime, await CallWithPythonAsync(url, "com.timeservice.now"));
        await _log.WaitForAsync("I am being called;\\)");
    }

    [Fact]
    public async Task ContainerComponentOverRawSocket()
    {
        await StartRouterAsync();
        var config = ContainerComponent("timeservice.TimeService", "unused") with
        {
            Transport = new ComponentTransportConfig { Type = "rawsocket", Host = "127.0.0.1", Port = _transports!["rs"].Port, Serializer = "msgpack" },
        };
        await _host.StartContainerComponentAsync(config, CancellationToken.None);
        await _log.WaitForAsync("Component 'c1' .* joined realm 'realm1' on rs://");
        await using var caller = await CallerAsync(_router!);
        Assert.IsType<string>(await caller.CallValueAsync("com.timeservice.now"));
    }

    [Fact]
    public async Task TimeServiceInContainerAnswersAutobahnPython()
    {
        var url = await StartRouterAsync();
        await _host.StartContainerComponentAsync(ContainerComponent("timeservice.TimeService", url), CancellationToken.None);
        await _log.WaitForAsync("Component 'c1' .* joined realm 'realm1'");
        Assert.Matches(UtcTime, await CallWithPythonAsync(url, "com.timeservice.now"));
        await _log.WaitForAsync("I am being called;\\)");
    }

    [Fact]
    public async Task ComponentReregistersAfterRouterRestartWithinBackoffCap()
    {
        var cap = TimeSpan.FromSeconds(1);
        var url = await StartRouterAsync();
        int port = new Uri(url).Port;
        var config = ContainerComponent("timeservice.TimeService", url,
            reconnect: new ReconnectConfig { InitialDelay = TimeSpan.FromMilliseconds(50), MaxDelay = cap, Growth = 2 });
        await _host.StartContainerComponentAsync(config, CancellationToken.None);
        await _log.WaitForAsync("Component 'c1' .* joined realm 'realm1'");

        await StopRouterAsync();
        await _log.WaitForAsync("Component 'c1' lost its connection");
        // Let the backoff grow to its cap while the router is down: wait for several failed retries.
        await _log.WaitForAsync("Component 'c1': attempt \\d+ to reach", count: 6);

        var restarted = DateTime.UtcNow;
        await StartRouterAsync(port);
        await _log.WaitForAsync("Component 'c1' rejoined realm 'realm1'");
        var took = DateTime.UtcNow - restarted;
        Assert.True(took < cap + TimeSpan.FromSeconds(3), $"rejoined {took.TotalSeconds:0.0} s after the restart (cap {cap.TotalSeconds} s)");

        await using var caller = await CallerAsync(_router!);
        Assert.IsType<string>(await caller.CallValueAsync("com.timeservice.now"));
        // One warning for the outage, not one per retry.
        Assert.Equal(1, _log.Count("Warning .*Component 'c1' (lost its connection|cannot reach)"));
    }

    [Fact]
    public async Task ContainerComponentOnFoxWampAnswersAutobahnJs()
    {
        await using var fox = await StartFoxWampAsync();
        var url = fox.Ready.Groups["url"].Value;
        await _host.StartContainerComponentAsync(ContainerComponent("timeservice.TimeService", url), CancellationToken.None);
        await _log.WaitForAsync("Component 'c1' .* joined realm 'realm1'");

        var script = Path.Combine(RepoPaths.InteropDir, "js", "call_procedure.js");
        var outcome = await ExternalProcess.RunAsync("node", [script, "--url", url, "--procedure", "com.timeservice.now", "--count", "3"],
            TimeSpan.FromSeconds(60));
        Assert.True(outcome.ExitCode == 0, $"Autobahn|JS caller failed (exit {outcome.ExitCode}):\n{outcome.Output}\nfox-wamp:\n{fox.Output}\n{_log.Text}");
        Assert.Equal(3, UtcTime.Count(outcome.Output));
    }

    [Fact]
    public async Task HotReloadOnFoxWampTakesTheRegistrationsOver()
    {
        await using var fox = await StartFoxWampAsync();
        var url = fox.Ready.Groups["url"].Value;
        await _host.StartContainerComponentAsync(ContainerComponent("reload.Echo", url), CancellationToken.None);
        await _log.WaitForAsync("Component 'c1' .* joined realm 'realm1'");
        var connection = await WampTransportConnector.ConnectWebSocketAsync(new Uri(url), [WampSerializers.Json]);
        await using var caller = await WampSession.JoinAsync(connection, "realm1");
        var before = await caller.CallValueAsync("test.reload.generation");

        await _host.ReloadComponentAsync("c1");
        // fox-wamp accepts a second registration of the URI (no procedure_already_exists), so both
        // generations serve until the old one has drained and left.
        Assert.Equal("during", await caller.CallValueAsync("test.reload.echo", "during"));
        await _log.WaitForAsync("generation \\d+: load context (collected|still alive)");
        Assert.NotEqual(before, await caller.CallValueAsync("test.reload.generation"));
        Assert.Equal("still here", await caller.CallValueAsync("test.reload.echo", "still here"));
    }
}
