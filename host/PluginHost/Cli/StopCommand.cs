using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using PluginHost.Node;
using PluginHost.Node.Status;

namespace PluginHost.Cli;

/// <summary>
/// <c>stop</c> and <c>status</c>, both through <c>node.pid</c> (status also shows the controller's <c>node.status.json</c>). Stop escalates as Crossbar does: SIGINT, 5 s,
/// SIGTERM, 5 s, SIGKILL; a node that ignores SIGINT (started in the background from a script, which the shell
/// does with SIGINT ignored) gets SIGTERM at once. Exit codes: 0, or 69 (EX_UNAVAILABLE) when no node runs / the assertion fails.
/// </summary>
internal static class StopCommand
{
    public const int ExUnavailable = 69;
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    public static Command CreateStop(TextWriter stdout, TextWriter stderr)
    {
        var cbdir = CliApp.CbdirOption();
        var command = new Command("stop", "Stop the node running from the node directory") { cbdir };
        command.SetAction(async (result, _) =>
        {
            var nodeDir = NodeDirectory.Resolve(result.GetValue(cbdir), Environment.GetEnvironmentVariable, Environment.CurrentDirectory);
            if (RunningNode(nodeDir) is not { } node)
            {
                stderr.WriteLine($"No node running from {nodeDir}");
                return ExUnavailable;
            }
            stdout.WriteLine($"Stopping node (PID {node.Id}) ..");
            var signals = IgnoresSigint(node.Id)
                ? [PosixSignal.SIGTERM]
                : new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM };
            if (signals.Length == 1) stdout.WriteLine("The node ignores SIGINT (started in the background); sending SIGTERM");
            foreach (var signal in signals)
            {
                Send(node.Id, signal);
                if (await ExitsWithinAsync(node, Grace))
                {
                    stdout.WriteLine("Node stopped");
                    return 0;
                }
                stderr.WriteLine($"Node did not stop within {Grace.TotalSeconds} s of {signal}");
            }
            node.Kill(entireProcessTree: true);
            await node.WaitForExitAsync(CancellationToken.None); // killed: its end comes at once, and must be seen
            stdout.WriteLine("Node killed");
            return 0;
        });
        return command;
    }

    public static Command CreateStatus(TextWriter stdout, TextWriter stderr)
    {
        var cbdir = CliApp.CbdirOption();
        var assert = new Option<string?>("--assert") { Description = "Exit 69 unless the node is in this state" };
        assert.AcceptOnlyFromAmong("running", "stopped");
        var json = new Option<bool>("--json") { Description = "Print the node's status as JSON (for scripts)" };
        var command = new Command("status", "Show whether a node runs from the node directory, its workers and components") { cbdir, assert, json };
        command.SetAction(async (result, ct) =>
        {
            var nodeDir = NodeDirectory.Resolve(result.GetValue(cbdir), Environment.GetEnvironmentVariable, Environment.CurrentDirectory);
            using var node = RunningNode(nodeDir);
            // The controller's status file is only the node's while node.pid names a live node.
            var status = node is null ? null : NodeStatusFile.Read(nodeDir);
            // Realms and their sessions live in the routers: asked over the management API where a router serves one.
            var realms = node is null ? null : await StatusReport.RealmSessionsAsync(nodeDir, ct);
            if (result.GetValue(json)) stdout.WriteLine(StatusReport.Json(nodeDir, node?.Id, status, realms));
            else StatusReport.Write(stdout, nodeDir, node?.Id, status, realms);
            return result.GetValue(assert) switch
            {
                "running" when node is null => ExUnavailable,
                "stopped" when node is not null => ExUnavailable,
                _ => 0,
            };
        });
        return command;
    }

    /// <summary>The live process node.pid names, or null (no file, unreadable, or a stale PID).</summary>
    internal static Process? RunningNode(string nodeDir)
    {
        if (NodePidFile.ReadPid(Path.Combine(nodeDir, NodePidFile.FileName)) is not { } pid) return null;
        try
        {
            var p = Process.GetProcessById(pid);
            if (!p.HasExited) return p;
            p.Dispose();
        }
        catch (ArgumentException) { }
        catch (InvalidOperationException) { }
        return null;
    }

    private static async Task<bool> ExitsWithinAsync(Process p, TimeSpan timeout)
    {
        try
        {
            await p.WaitForExitAsync().WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException) { return false; }
    }

    /// <summary>
    /// Whether the process has SIGINT set to "ignore" (Linux: bit 2 of the SigIgn mask in /proc/PID/status).
    /// A non-interactive shell starts background jobs so, and .NET then leaves SIGINT ignored, so waiting for it is pointless.
    /// </summary>
    internal static bool IgnoresSigint(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("SigIgn:", StringComparison.Ordinal))
                    return (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (2 - 1))) != 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { }
        return false;
    }

    private static void Send(int pid, PosixSignal signal) => _ = kill(pid, signal == PosixSignal.SIGINT ? 2 : 15);

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
