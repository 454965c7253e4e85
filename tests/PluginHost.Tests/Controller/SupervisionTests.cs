using System.Diagnostics;
using PluginHost.Tests.Support;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;
using static PluginHost.Tests.Controller.ControllerConfigs;

namespace PluginHost.Tests.Controller;

/// <summary>
/// Real nodes: controller shutdown triggers on top of restarts, the restart count's reset, and container
/// restart/shutdown modes with real components (tests/plugins/Faulty's ThrowingJoin beside the sample TimeService).
/// </summary>
public class SupervisionTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private static readonly string FaultyDir = Path.Combine(AppContext.BaseDirectory, "plugins", "Faulty");

    private static string Router(int port, string backoff = FastBackoff) => $$$"""
        {"type": "router", "options": { {{{backoff}}} },
         "realms": [{"name": "realm1", "roles": [{"name": "anonymous", "permissions": [{"uri": "", "match": "prefix", "allow": {"call": true, "register": true}}]}]}],
         "transports": [{"type": "websocket", "id": "wsock", "endpoint": {"type": "tcp", "port": {{{port}}}}}]}
        """;

    private static string Component(string id, string classname, int port) => $$$"""
        {"type": "class", "id": "{{{id}}}", "classname": "{{{classname}}}", "realm": "realm1",
         "transport": {"type": "websocket", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": {{{port}}} }, "url": "ws://127.0.0.1:{{{port}}}/"}}
        """;

    /// <summary>A container with the faulty component "bad" (OnJoin throws) and, optionally, a healthy TimeService "clock".</summary>
    private static string Container(int port, string modes, bool withClock) => $$$"""
        {"type": "container", "options": {"pythonpath": ["{{{FaultyDir}}}"], {{{modes}}}, {{{FastBackoff}}} },
         "components": [{{{Component("bad", "faulty.ThrowingJoin", port)}}}{{{(withClock ? "," + Component("clock", "timeservice.TimeService", port) : "")}}}]}
        """;

    private static async Task<string> NowAsync(int port)
    {
        var connection = await WampTransportConnector.ConnectWebSocketAsync(new Uri($"ws://127.0.0.1:{port}/"), [WampSerializers.Json]);
        await using var session = await WampSession.JoinAsync(connection, "realm1");
        return Assert.IsType<string>((await session.CallAsync("com.timeservice.now")).Args[0]);
    }

    [Fact]
    public async Task TriggersApplyOnlyWhenAWorkerStaysDown()
    {
        // with_error: the container ending by its own shutdown mode (exit 0) leaves the node up; the router, which
        // may not be restarted (max_restarts 0, Crossbar's behaviour), takes it down with exit 1.
        var port = NodeProcess.FreePort();
        await using var node = await NodeProcess.StartAsync(NodeJsonWithShutdown("shutdown_on_worker_exit_with_error",
            Router(port, """ "restart_backoff": {"max_restarts": 0} """),
            Container(port, """ "shutdown": "shutdown-on-any-component-failed" """, withClock: false)));
        Assert.Contains("Using node shutdown triggers [shutdown_on_worker_exit_with_error]", node.Log);
        var container = await node.WorkerPidAsync("Container", "worker002");
        await node.WaitForLineAsync("Container 'worker002': shutting down \\(shutdown-on-any-component-failed\\) after component 'bad' failed");
        await node.WaitForLineAsync("Node worker Container 'worker002' exited with success; no shutdown trigger applies; node will continue to run \\(1 workers left\\)");
        Assert.Empty(await OsProcesses.StillAliveAfterAsync([container], Deadline));

        var router = await node.WorkerPidAsync("Router", "worker001");
        Process.GetProcessById(router).Kill();
        await node.ExitedTask.WaitAsync(Deadline);
        Assert.Equal(1, node.ExitCode);
        Assert.Contains("Node worker Router 'worker001' died (killed by signal 9 (SIGKILL)) with no restarts left, and trigger 'shutdown_on_worker_exit_with_error' is active: shutting down the node", node.Log);
    }

    [Fact]
    public async Task ByDefaultAContainerThatShutsItselfDownStopsTheNode()
    {
        // Crossbar's default trigger, shutdown_on_worker_exit: a worker that ended on purpose ends the node, exit 0.
        var port = NodeProcess.FreePort();
        var config = NodeJson(Router(port), Container(port, """ "shutdown": "shutdown-on-any-component-failed" """, withClock: false));
        await using var node = await NodeProcess.StartAsync(config.Replace("""{"options": {"shutdown": "shutdown_on_shutdown_requested" } }""", "{}"));
        await node.ExitedTask.WaitAsync(Deadline);
        Assert.Equal(0, node.ExitCode);
        Assert.Contains("Node worker Container 'worker002' exited with success, and trigger 'shutdown_on_worker_exit' is active", node.Log);
    }

    [Fact]
    public async Task RestartCountStartsOverAfterAHealthyRun()
    {
        // Each run (0.3 s) outlasts reset_after (0.2 s): a crash now and then is no crash loop, so max_restarts 1 never ends it.
        var guest = """{"type": "guest", "executable": "sh", "arguments": ["-c", "sleep 0.3; exit 3"], "options": {"restart_backoff": {"initial_delay": 0.05, "max_restarts": 1, "reset_after": 0.2}}}""";
        await using var node = await NodeProcess.StartAsync(NodeJson(guest));
        await node.WaitForLineAsync("Guest 'worker001' had run for [0-9.]+ s \\(reset_after 0.2 s\\); restart count reset", occurrence: 2);
        Assert.DoesNotContain("reached its restart limit", node.Log);
        Assert.Contains("Restarting Guest 'worker001' in 0.05 s (restart 1 of 1) after: exit code 3", node.Log);
    }

    [Fact]
    public async Task RestartOnFailedRestartsAFailingComponentWithBackoff()
    {
        var port = NodeProcess.FreePort();
        await using var node = await NodeProcess.StartAsync(NodeJson(Router(port), Container(port, """ "restart": "restart-on-failed" """, withClock: false)));
        var container = await node.WorkerPidAsync("Container", "worker002");
        await node.WaitForLineAsync("Container 'worker002': restarting component 'bad' in 0.1 s \\(restart-on-failed, restart 2 in a row\\)");
        Assert.Contains("Container 'worker002': restarting component 'bad' in 0.05 s (restart-on-failed, restart 1 in a row)", node.Log);
        Assert.Contains("OnJoin exploded on purpose", node.Log);
        Assert.DoesNotContain($"Container 'worker002' (PID {container}) ", node.Log); // the container itself stays up
    }

    [Fact]
    public async Task RestartNeverLeavesAFailedComponentDownWhileItsSiblingServes()
    {
        var port = NodeProcess.FreePort();
        await using var node = await NodeProcess.StartAsync(NodeJson(Router(port), Container(port, """ "restart": "restart-never" """, withClock: true)));
        await node.WaitForLineAsync("Container 'worker002': component 'bad' failed: .*OnJoin exploded on purpose");
        await node.WaitForLineAsync("Ok, registered procedure for WAMP RPC");
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", await NowAsync(port));
        Assert.DoesNotContain("restarting component", node.Log);
        Assert.DoesNotContain("Container 'worker002': shutting down", node.Log);
    }
}
