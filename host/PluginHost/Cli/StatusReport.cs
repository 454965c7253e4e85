using System.Text.Json;
using System.Text.Json.Nodes;
using PluginHost.Listeners;
using PluginHost.Node;
using PluginHost.Node.Config;
using PluginHost.Node.Status;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;

namespace PluginHost.Cli;

/// <summary>What <c>pluginhost status</c> prints: a few lines for people, or one JSON document with <c>--json</c>.</summary>
internal static class StatusReport
{
    /// <summary><c>{"node_dir", "running", "pid", "ready", "not_ready", "status", "realms"}</c>; pid, status and realms absent
    /// when unknown (no node runs; no router serves a management API this command can reach).</summary>
    public static string Json(string nodeDir, int? pid, NodeStatus? status, IReadOnlyDictionary<string, long>? realms = null)
    {
        var report = new JsonObject { ["node_dir"] = nodeDir, ["running"] = pid is not null };
        if (pid is { } id) report["pid"] = id;
        if (status is not null)
        {
            report["ready"] = status.Ready;
            report["not_ready"] = JsonSerializer.SerializeToNode(status.NotReady, NodeStatus.Json);
            report["status"] = JsonSerializer.SerializeToNode(status, NodeStatus.Json);
        }
        if (realms is not null) report["realms"] = JsonSerializer.SerializeToNode(realms);
        return report.ToJsonString(NodeStatus.Json);
    }

    public static void Write(TextWriter output, string nodeDir, int? pid, NodeStatus? status, IReadOnlyDictionary<string, long>? realms = null)
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
        foreach (var (realm, sessions) in realms ?? new Dictionary<string, long>())
            output.WriteLine($"  realm '{realm}': {sessions} session{(sessions == 1 ? "" : "s")}");
        foreach (var reason in status.NotReady) output.WriteLine($"  not ready: {reason}");
    }

    /// <summary>How long <c>status</c> waits for a router's management API before it shows what it has without.</summary>
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Sessions per realm from every router worker with <c>options.management_realm</c> that listens for plain WebSocket on
    /// a fixed port (crossbar.worker.&lt;id&gt;.get_router_stats, joined anonymously); null when none could be asked.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, long>?> RealmSessionsAsync(string nodeDir, CancellationToken ct)
    {
        NodeConfig config;
        try
        {
            if (NodeDirectory.ResolveConfigFile(nodeDir, null) is not { } file) return null;
            config = ConfigLoader.LoadFile(file, nodeDir);
        }
        catch (ConfigException) { return null; }
        Dictionary<string, long>? realms = null;
        foreach (var router in config.Workers.OfType<RouterWorkerConfig>().Where(r => r.ManagementRealm is not null && !r.Disabled))
        {
            if (ManagementUrl(router) is not { } url) continue;
            try
            {
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
                limit.CancelAfter(AskTimeout);
                var connection = await WampTransportConnector.ConnectWebSocketAsync(url, [WampSerializers.Json], limit.Token);
                await using var session = await WampSession.JoinAsync(connection, router.ManagementRealm!, cancellationToken: limit.Token);
                var stats = await session.CallAsync($"crossbar.worker.{router.Id}.get_router_stats", cancellationToken: limit.Token);
                if (stats.Args.Count == 0 || stats.Args[0] is not IReadOnlyDictionary<string, object?> answer
                    || !answer.TryGetValue("sessions", out var value) || value is not IReadOnlyDictionary<string, object?> sessions) continue;
                realms ??= [];
                foreach (var (realm, count) in sessions) realms[realm] = Convert.ToInt64(count, System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is WampException or IOException or OperationCanceledException or System.Net.WebSockets.WebSocketException
                                       or System.Net.Http.HttpRequestException or System.Net.Sockets.SocketException) { } // not reachable now: shown without
        }
        return realms;
    }

    /// <summary>A plain (no TLS) WebSocket of the router on a fixed port, on this host.</summary>
    private static Uri? ManagementUrl(RouterWorkerConfig router)
    {
        foreach (var transport in router.Transports.Where(t => t.Endpoint is { Port: > 0, Tls: null }))
        {
            var host = transport.Endpoint.Interface is null or "" or "0.0.0.0" ? "127.0.0.1" : transport.Endpoint.Interface == "::" ? "[::1]" : transport.Endpoint.Interface;
            var paths = transport switch { WebTransportConfig w => w.Paths, UniversalTransportConfig u => u.Paths, _ => null };
            if (transport is WebSocketTransportConfig) return new Uri($"ws://{host}:{transport.Endpoint.Port}/");
            if (paths is not null && WebPipeline.Flatten(paths).FirstOrDefault(p => p.Service is WebSocketPathConfig) is { Path: { } path })
                return new Uri($"ws://{host}:{transport.Endpoint.Port}{path}");
        }
        return null;
    }

    private static string Ago(TimeSpan span) => span.TotalMinutes < 1 ? $"{Math.Max(0, (int)span.TotalSeconds)} s"
        : span.TotalHours < 1 ? $"{(int)span.TotalMinutes} min" : $"{(int)span.TotalHours} h {span.Minutes} min";
}
