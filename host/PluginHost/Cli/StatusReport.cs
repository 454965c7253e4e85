using System.Text.Json;
using System.Text.Json.Nodes;
using PluginHost.Node.Status;

namespace PluginHost.Cli;

/// <summary>What <c>pluginhost status</c> prints: a few lines for people, or one JSON document with <c>--json</c>.</summary>
internal static class StatusReport
{
    /// <summary><c>{"node_dir", "running", "pid", "ready", "not_ready", "status"}</c>; pid and status absent when no node runs.</summary>
    public static string Json(string nodeDir, int? pid, NodeStatus? status)
    {
        var report = new JsonObject { ["node_dir"] = nodeDir, ["running"] = pid is not null };
        if (pid is { } id) report["pid"] = id;
        if (status is not null)
        {
            report["ready"] = status.Ready;
            report["not_ready"] = JsonSerializer.SerializeToNode(status.NotReady, NodeStatus.Json);
            report["status"] = JsonSerializer.SerializeToNode(status, NodeStatus.Json);
        }
        return report.ToJsonString(NodeStatus.Json);
    }

    public static void Write(TextWriter output, string nodeDir, int? pid, NodeStatus? status)
    {
        if (pid is null)
        {
            output.WriteLine($"No node running from {nodeDir}");
            return;
        }
        output.WriteLine($"Node running from {nodeDir} (PID {pid})" + (status is null ? "" : $": {status.State}, {(status.Ready ? "ready" : "not ready")}"));
        if (status is null) return;
        var now = DateTimeOffset.UtcNow;
        foreach (var worker in status.Workers)
        {
            var line = $"  {worker.Type} '{worker.Id}': {worker.State}";
            if (worker.Pid is { } workerPid) line += $", PID {workerPid}";
            if (worker.Started is { } started && worker.State == WorkerStates.Running) line += $", up {Ago(now - started)}";
            line += worker.Restarts == 1 ? ", 1 restart" : $", {worker.Restarts} restarts";
            if (worker.LastExit is { } exit) line += $" (last exit: {exit})";
            output.WriteLine(line);
            foreach (var c in worker.Components)
            {
                var component = $"    component '{c.Id}'{(c.Realm is null ? "" : $" on realm '{c.Realm}'")}: {c.State}";
                if (c.Session is { } session) component += $" as session {session}";
                if (c.Generation is { } generation) component += $", generation {generation}";
                if (c.Reloads > 0) component += $", {c.Reloads} reload{(c.Reloads == 1 ? "" : "s")}, last {Ago(now - c.LastReload!.Value)} ago";
                output.WriteLine(component);
            }
        }
        foreach (var reason in status.NotReady) output.WriteLine($"  not ready: {reason}");
    }

    private static string Ago(TimeSpan span) => span.TotalMinutes < 1 ? $"{Math.Max(0, (int)span.TotalSeconds)} s"
        : span.TotalHours < 1 ? $"{(int)span.TotalMinutes} min" : $"{(int)span.TotalHours} h {span.Minutes} min";
}
