using System.Diagnostics;
using System.Text.RegularExpressions;
using PluginHost.Tests.Support;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;
using static PluginHost.Tests.Controller.ControllerConfigs;

namespace PluginHost.Tests.Controller;

/// <summary>
/// Real nodes with components that misbehave in their start code (tests/plugins/Misbehaving/Misbehaving.cs) next to a healthy
/// TimeService, under Crossbar's default controller trigger (shutdown_on_worker_exit): a component that ends its
/// process (Environment.Exit 0 or 3 in OnJoin) is quarantined while router, node and sibling keep serving; one stuck
/// in OnJoin (container or router component) is reported and holds up neither the router's boot nor the node's shutdown.
/// </summary>
public class MisbehavingComponentTests
{
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(90);
    private static readonly string MisbehavingDir = Path.Combine(AppContext.BaseDirectory, "plugins", "Misbehaving");

    private static string Component(string id, string classname, int port) => $$$"""
        {"type": "class", "id": "{{{id}}}", "classname": "{{{classname}}}", "realm": "realm1",
         "transport": {"type": "websocket", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": {{{port}}} }, "url": "ws://127.0.0.1:{{{port}}}/"}}
        """;

    /// <summary>No controller options: Crossbar's default trigger, shutdown_on_worker_exit, is what must not fire.</summary>
    private static string Node(int port, string badClass, string routerComponents = "") => $$$"""
        {"version": 2, "workers": [
         {"type": "router", "options": {"pythonpath": ["{{{MisbehavingDir}}}"], {{{FastBackoff}}} },
          "realms": [{"name": "realm1", "roles": [{"name": "anonymous", "permissions": [{"uri": "", "match": "prefix", "allow": {"call": true, "register": true}}]}]}],
          "components": [{{{routerComponents}}}],
          "transports": [{"type": "websocket", "id": "wsock", "endpoint": {"type": "tcp", "port": {{{port}}}}}]},
         {"type": "container", "options": {"pythonpath": ["{{{MisbehavingDir}}}"], {{{FastBackoff}}} },
          "components": [{{{Component("bad", badClass, port)}}}, {{{Component("clock", "timeservice.TimeService", port)}}}]}]}
        """;

    private static async Task<string> NowAsync(int port)
    {
        var connection = await WampTransportConnector.ConnectWebSocketAsync(new Uri($"ws://127.0.0.1:{port}/"), [WampSerializers.Json]);
        await using var session = await WampSession.JoinAsync(connection, "realm1");
        return Assert.IsType<string>((await session.CallAsync("com.timeservice.now")).Args[0]);
    }

    [Theory]
    [InlineData("misbehaving.ExitsWithSuccessInJoin", "exit code 0 without announcing a stop")]
    [InlineData("misbehaving.ExitsWithErrorInJoin", "exit code 3")]
    public async Task AComponentThatEndsItsProcessIsQuarantinedWhileRouterNodeAndSiblingServe(string badClass, string exit)
    {
        var port = NodeProcess.FreePort();
        await using var node = await NodeProcess.StartAsync(Node(port, badClass));
        Assert.Contains("Using node shutdown triggers [shutdown_on_worker_exit]", node.Log);
        var router = await node.WorkerPidAsync("Router", "worker001");

        // Every exit is a crash (Environment.Exit(0) included) and is blamed on the component that was starting.
        var died = $@"Container 'worker002' \(PID \d+\) died: {Regex.Escape(exit)}, while component\(s\) 'bad' were starting";
        await node.WaitForLineAsync(died, timeout: Slow);
        await node.WaitForLineAsync($@"Restarting Container 'worker002' in 0\.05 s \(restart 1 of 3\) after: {Regex.Escape(exit)}", timeout: Slow);
        await node.WaitForLineAsync(@"Container 'worker002': component 'bad' QUARANTINED: the worker process died 3 times in a row while it was starting "
            + $@"\(last: {Regex.Escape(exit)}\); the worker is restarted without it", timeout: Slow);
        // The quarantine starts a fresh crash loop count: the next restart is number 1 again, and the last one.
        await node.WaitForLineAsync($@"Restarting Container 'worker002' in 0\.05 s \(restart 1 of 3\) after: {Regex.Escape(exit)}", occurrence: 2, timeout: Slow);
        var container = int.Parse((await node.WaitForLineAsync(
            @"Container 'worker002' restarted with PID (\d+) \(without quarantined component\(s\) 'bad'\)", timeout: Slow)).Groups[1].Value);
        await node.WaitForLineAsync($@"\[Container\s+{container}\] Container 'worker002': component 'bad' \({Regex.Escape(badClass)}\) is quarantined "
            + @"\(it killed this container's process while starting\); not started", timeout: Slow);
        await node.WaitForLineAsync($@"\[Container\s+{container}\] Component 'clock' registered com\.timeservice\.now", timeout: Slow);

        for (var i = 0; i < 5; i++) Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", await NowAsync(port));

        Assert.False(node.ExitedTask.IsCompleted, node.Log);
        Assert.True(OsProcesses.IsAlive(router));
        Assert.True(OsProcesses.IsAlive(container));
        Assert.DoesNotContain("shutting down the node", node.Log);
        Assert.DoesNotContain("Router 'worker001' (PID", node.Log); // the router never died
        Assert.DoesNotContain("reached its restart limit", node.Log);
        // Three crashes, each blamed on 'bad' alone (components start one at a time): the sibling is never a suspect.
        Assert.Equal(3, Regex.Count(node.Log, @"Container 'worker002' \(PID \d+\) died"));
        Assert.Equal(3, Regex.Count(node.Log, died));
    }

    /// <summary>
    /// A discovered component is quarantined like a configured one: discovery in the restarted worker finds the class
    /// again and must not start it.
    /// </summary>
    [Fact]
    public async Task ADiscoveredComponentThatEndsItsProcessIsQuarantinedToo()
    {
        var port = NodeProcess.FreePort();
        var dropIn = Directory.CreateTempSubdirectory("pluginhost-quarantine-").FullName;
        foreach (var file in Directory.GetFiles(MisbehavingDir)) File.Copy(file, Path.Combine(dropIn, Path.GetFileName(file)));
        var transport = $$$"""{"type": "websocket", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": {{{port}}} }, "url": "ws://127.0.0.1:{{{port}}}/"}""";
        var config = $$$"""
            {"version": 2, "workers": [
             {"type": "router", "options": { {{{FastBackoff}}} },
              "realms": [{"name": "realm1", "roles": [{"name": "anonymous", "permissions": [{"uri": "", "match": "prefix", "allow": {"call": true, "register": true}}]}]}],
              "transports": [{"type": "websocket", "id": "wsock", "endpoint": {"type": "tcp", "port": {{{port}}}}}]},
             {"type": "container", "options": { {{{FastBackoff}}}, "discover": {"directory": "{{{dropIn}}}", "realm": "realm1", "transport": {{{transport}}},
                "exclude": ["misbehaving.ExitsWithSuccessInJoin", "misbehaving.StuckInJoin"]} },
              "components": [{{{Component("clock", "timeservice.TimeService", port)}}}]}]}
            """;
        try
        {
            await using var node = await NodeProcess.StartAsync(config);

            const string id = "misbehaving.ExitsWithErrorInJoin";
            await node.WaitForLineAsync($@"Container 'worker002': component '{Regex.Escape(id)}' QUARANTINED", timeout: Slow);
            var container = int.Parse((await node.WaitForLineAsync(
                $@"Container 'worker002' restarted with PID (\d+) \(without quarantined component\(s\) '{Regex.Escape(id)}'\)", timeout: Slow)).Groups[1].Value);
            await node.WaitForLineAsync($@"\[Container\s+{container}\] Container 'worker002': component '{Regex.Escape(id)}' \({Regex.Escape(id)}\) from .* could not be started: .*quarantined", timeout: Slow);
            await node.WaitForLineAsync($@"\[Container\s+{container}\] Component 'clock' registered com\.timeservice\.now", timeout: Slow);
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", await NowAsync(port));
            Assert.True(OsProcesses.IsAlive(container));
            Assert.False(node.ExitedTask.IsCompleted, node.Log);
        }
        finally { Directory.Delete(dropIn, recursive: true); }
    }

    [Fact]
    public async Task AComponentStuckInOnJoinIsReportedAndDoesNotHoldUpShutdown()
    {
        var port = NodeProcess.FreePort();
        // A router component stuck in OnJoin does not hold up the router's boot beyond the stuck warning either.
        var routerComponent = """{"type": "class", "id": "stuck-embedded", "classname": "misbehaving.StuckInJoin", "realm": "realm1"}""";
        var node = await NodeProcess.StartAsync(Node(port, "misbehaving.StuckInJoin", routerComponent));
        await using var _ = node;
        Assert.Contains("Component 'stuck-embedded' (misbehaving.StuckInJoin) is stuck in OnJoinAsync: not returned after 10 s", node.Log);
        Assert.Contains("Router 'worker001': component 'stuck-embedded' (misbehaving.StuckInJoin) is still starting after 11 s; the router boots on", node.Log);
        await node.WaitForLineAsync(@"Component 'bad' \(misbehaving\.StuckInJoin\) is stuck in OnJoinAsync: not returned after 10 s", timeout: Slow);
        await node.WaitForLineAsync(@"Component 'clock' registered com\.timeservice\.now", timeout: Slow);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", await NowAsync(port));

        var stopping = Stopwatch.StartNew();
        Process.Start("kill", ["-TERM", node.Pid.ToString()])!.WaitForExit();
        await node.ExitedTask.WaitAsync(TimeSpan.FromSeconds(30));
        var took = stopping.Elapsed;

        Assert.Equal(0, node.ExitCode);
        Assert.Matches(@"Component 'bad' was still in OnJoinAsync after [0-9.]+ s when it was stopped; not waited for", node.Log);
        Assert.Matches(@"Component 'stuck-embedded' was still in OnJoinAsync after [0-9.]+ s when it was stopped; not waited for", node.Log);
        Assert.DoesNotContain("did not stop within", node.Log);
        Assert.DoesNotContain("ignored SIGTERM", node.Log);
        // Before: the stuck join held the container's component shutdown for its full 10 s limit.
        Assert.True(took < TimeSpan.FromSeconds(8), $"shutdown took {took.TotalSeconds:0.0} s:\n{node.Log}");
    }
}
