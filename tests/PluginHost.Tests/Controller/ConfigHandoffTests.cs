using System.Diagnostics;
using PluginHost.Tests.Support;
using static PluginHost.Tests.Controller.ControllerConfigs;

namespace PluginHost.Tests.Controller;

/// <summary>
/// One source of truth: the controller hands each worker the configuration it validated at start (stdin), so a worker
/// restarted after config.json was edited (or broken) on disk runs what the controller runs, not the new file.
/// </summary>
public class ConfigHandoffTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ARestartedWorkerRunsTheConfigurationTheControllerStartedWith()
    {
        var port = NodeProcess.FreePort();
        await using var node = await NodeProcess.StartAsync(NodeJson(
            $$$"""
            {"type": "router", "options": { {{{FastBackoff}}} },
             "realms": [{"name": "realm1", "roles": [{"name": "anonymous", "permissions": [{"uri": "", "match": "prefix", "allow": {"call": true, "register": true}}]}]}],
             "transports": [{"type": "websocket", "id": "wsock", "endpoint": {"type": "tcp", "port": {{{port}}} }}]}
            """,
            $$$"""
            {"type": "container", "options": { {{{FastBackoff}}} },
             "components": [{"type": "class", "id": "clock", "classname": "timeservice.TimeService", "realm": "realm1",
                             "transport": {"type": "websocket", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": {{{port}}} }, "url": "ws://127.0.0.1:{{{port}}}/"}}]}
            """));
        await node.WaitForLineAsync("Container 'worker002': component 'clock' \\(timeservice.TimeService\\) started", timeout: Deadline);

        // config.json is broken on disk while the node runs; then the container dies.
        File.WriteAllText(Path.Combine(node.NodeDir, "config.json"), "{ this is not JSON");
        Process.GetProcessById(await node.WorkerPidAsync("Container", "worker002")).Kill();

        // Restarted with the controller's configuration: the component starts again, nothing complains about the file.
        await node.WorkerPidAsync("Container", "worker002", restart: 1);
        await node.WaitForLineAsync("Container 'worker002': component 'clock' \\(timeservice.TimeService\\) started", occurrence: 2, timeout: Deadline);
        Assert.DoesNotContain("Invalid node configuration", node.Log);
    }
}
