using System.Diagnostics;
using PluginHost.Tests.Support;
using static PluginHost.Tests.Controller.ControllerConfigs;

namespace PluginHost.Tests.Controller;

/// <summary>Real nodes: the controller, its worker processes, supervision and shutdown.</summary>
public class ControllerTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task WorkersRunAsTheirOwnProcessesAndLogUnderTheirPid()
    {
        await using var node = await NodeProcess.StartAsync(NodeJson(RouterWorker, """{"type": "container"}"""));
        var router = await node.WorkerPidAsync("Router", "worker001");
        var container = await node.WorkerPidAsync("Container", "worker002");
        Assert.NotEqual(node.Pid, router);
        Assert.NotEqual(node.Pid, container);
        Assert.Contains($"[Router     {router,6}] Router 'worker001': transport 'wsock' started (websocket, tcp port {node.Port("wsock")})", node.Log);
        // Boot order: the router is ready (transports up) before the container starts.
        Assert.True(node.Log.IndexOf("transport 'wsock' started", StringComparison.Ordinal)
                    < node.Log.IndexOf("Starting Container with ID 'worker002'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task KilledRouterComesBackAndServesAgain()
    {
        await using var node = await NodeProcess.StartAsync(NodeJson(RouterWorker));
        var first = await node.WorkerPidAsync("Router", "worker001");
        Process.GetProcessById(first).Kill();

        var second = await node.WorkerPidAsync("Router", "worker001", restart: 1);
        Assert.NotEqual(first, second);
        Assert.Contains("Router 'worker001' (PID " + first + ") died: killed by signal 9 (SIGKILL)", node.Log);
        Assert.Contains("Restarting Router 'worker001' in 0.05 s (restart 1 of 3)", node.Log);
        var port = int.Parse((await node.WaitForLineAsync(@$"\[Router\s+{second}\] .*transport 'wsock' started \(websocket, tcp port (\d+)\)")).Groups[1].Value);
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
    }

    [Fact]
    public async Task GuestThatKeepsFailingIsRestartedUpToItsCap()
    {
        await using var node = await NodeProcess.StartAsync(NodeJson(Guest("sh", """["-c", "echo attempt; exit 3"]""")));
        await node.WaitForLineAsync("Guest 'worker001' died \\(exit code 3\\) and reached its restart limit \\(3\\)");
        Assert.Equal(4, node.Log.Split('\n').Count(l => l.Contains("] attempt")));
        Assert.Contains("Restarting Guest 'worker001' in 0.2 s (restart 3 of 3) after: exit code 3", node.Log);
    }

    [Fact]
    public async Task GuestReadsItsStdinJsonAndEchoesItToTheLog()
    {
        await using var node = await NodeProcess.StartAsync(NodeJson(
            Guest("cat", options: """ "stdin": {"type": "json", "value": {"greeting": "hello", "n": [1, 2]}} """)));
        var pid = await node.WorkerPidAsync("Guest", "worker001");
        await node.WaitForLineAsync($@"\[Guest\s+{pid}\] \{{""greeting"": ?""hello"", ?""n"": ?\[1, ?2\]\}}");
        // cat exits 0 once stdin is closed: a guest that finished its work is not restarted.
        await node.WaitForLineAsync("Guest 'worker001' \\(PID \\d+\\) exited with success; not restarted");
    }

    [Fact]
    public async Task WatchedGuestRestartsWhenAFileChanges()
    {
        var config = NodeJson(Guest("sleep", """["600"]""", """ "watch": {"directories": ["src"], "action": "restart", "timeout": 0.05} """));
        await using var node = await NodeProcess.StartAsync(config, prepare: dir => Directory.CreateDirectory(Path.Combine(dir, "src")));
        var first = await node.WorkerPidAsync("Guest", "worker001");
        await File.WriteAllTextAsync(Path.Combine(node.NodeDir, "src", "app.txt"), "changed");

        var second = await node.WorkerPidAsync("Guest", "worker001", restart: 1);
        Assert.NotEqual(first, second);
        Assert.Contains($"Restarting Guest 'worker001' (PID {first}): file changed: {Path.Combine(node.NodeDir, "src", "app.txt")}", node.Log);
        Assert.Empty(await OsProcesses.StillAliveAfterAsync([first], Deadline));
    }

    [Fact]
    public async Task StopLeavesNoProcessBehind()
    {
        await using var node = await NodeProcess.StartAsync(NodeJson(RouterWorker, """{"type": "container"}""", Guest("sleep", """["600"]""")));
        int[] pids = [node.Pid, await node.WorkerPidAsync("Router", "worker001"), await node.WorkerPidAsync("Container", "worker002"),
            await node.WorkerPidAsync("Guest", "worker003")];
        try
        {
            var status = await Cli("status", "--cbdir", node.NodeDir, "--assert", "running");
            Assert.Equal(0, status.ExitCode);

            var stop = await Cli("stop", "--cbdir", node.NodeDir);
            Assert.Equal(0, stop.ExitCode);
            await node.ExitedTask.WaitAsync(Deadline);
            Assert.Equal(0, node.ExitCode);
            Assert.Empty(await OsProcesses.StillAliveAfterAsync(pids, Deadline));
            Assert.Contains("Stopping Router 'worker001'", node.Log);

            Assert.Equal(69, (await Cli("status", "--cbdir", node.NodeDir, "--assert", "running")).ExitCode);
            Assert.Equal(0, (await Cli("status", "--cbdir", node.NodeDir, "--assert", "stopped")).ExitCode);
            Assert.Equal(69, (await Cli("stop", "--cbdir", node.NodeDir)).ExitCode);
        }
        finally
        {
            OsProcesses.KillAll(pids);
        }
    }

    [Fact]
    public async Task StopSendsSigtermAtOnceWhenTheNodeIgnoresSigint()
    {
        await using var node = await NodeProcess.StartAsync(NodeJson(RouterWorker), ignoreSigint: true);
        Assert.Contains("SigIgn:", File.ReadAllText($"/proc/{node.Pid}/status"));
        var stop = await Cli("stop", "--cbdir", node.NodeDir);
        Assert.Equal(0, stop.ExitCode);
        Assert.Contains("The node ignores SIGINT (started in the background); sending SIGTERM", stop.Output);
        Assert.DoesNotContain("did not stop within", stop.Output);
        Assert.Contains("Node stopped", stop.Output);
        await node.ExitedTask.WaitAsync(Deadline);
        Assert.Contains("Received SIGTERM", node.Log);
    }

    [Fact]
    public async Task WorkersDoNotOutliveAKilledController()
    {
        await using var node = await NodeProcess.StartAsync(NodeJson(RouterWorker, Guest("sleep", """["600"]""")));
        int[] workers = [await node.WorkerPidAsync("Router", "worker001"), await node.WorkerPidAsync("Guest", "worker002")];
        try
        {
            node.KillController();
            Assert.Empty(await OsProcesses.StillAliveAfterAsync(workers, Deadline));
        }
        finally
        {
            OsProcesses.KillAll(workers);
        }
    }

    [Fact]
    public async Task NativeWorkerOptionsApplyToTheWorkerProcess()
    {
        var router = RouterWorker.Replace("\"options\": {", "\"options\": {\"title\": \"edge_rtr\", \"cpu_affinity\": [0], \"env\": {\"vars\": {\"MARKER\": \"42\"}},");
        await using var node = await NodeProcess.StartAsync(NodeJson(router));
        var pid = await node.WorkerPidAsync("Router", "worker001");
        Assert.Equal("edge_rtr", File.ReadAllText($"/proc/{pid}/comm").Trim());
        Assert.Contains("Cpus_allowed_list:\t0\n", File.ReadAllText($"/proc/{pid}/status"));
        Assert.Contains("\0MARKER=42\0", "\0" + File.ReadAllText($"/proc/{pid}/environ"));
    }

    [Fact]
    public async Task AContainerStartedWithTheRoutersIsStoppedWhenARouterCannotBoot()
    {
        // Containers' processes start held beside the routers (WorkerProtocol.HoldOption); a router that cannot boot
        // (its port is taken) fails the node, and the held container goes with it: exit 1 and no process left.
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Any, 0);
        taken.Start();
        int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var dir = Directory.CreateTempSubdirectory("pluginhost-held-");
        try
        {
            Directory.CreateDirectory(Path.Combine(dir.FullName, ".crossbar"));
            File.WriteAllText(Path.Combine(dir.FullName, ".crossbar", "config.json"), NodeJson(
                RouterWorker.Replace("\"port\": 0", $"\"port\": {port}"),
                $$$"""{"type": "container", "options": { {{{FastBackoff}}} }, "components": []}"""));
            var run = await Cli("start", "--cbdir", Path.Combine(dir.FullName, ".crossbar"));
            Assert.Equal(1, run.ExitCode);
            Assert.Contains("Node failed to start", run.Output);
            Assert.Contains("Stopping Container 'worker002'", run.Output); // the controller's line: the held process may die before it logs
            var leftovers = Process.GetProcesses().Where(p => CommandLine(p).Contains(dir.FullName, StringComparison.Ordinal)).Select(p => p.Id).ToList();
            OsProcesses.KillAll(leftovers); // none, unless the assertion below fails: never leaked into the next test
            Assert.Empty(leftovers);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static string CommandLine(Process p)
    {
        try { return File.ReadAllText($"/proc/{p.Id}/cmdline"); }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }

    internal static Task<ExternalProcess.Outcome> Cli(params string[] args)
        => ExternalProcess.RunAsync(Path.Combine(RepoPaths.Root, "pluginhost"), args, TimeSpan.FromMinutes(3));
}
