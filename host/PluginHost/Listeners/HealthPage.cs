using System.Text.Json;
using Microsoft.AspNetCore.Http;
using PluginHost.Node.Status;
using PluginHost.Wamp.Metrics;

namespace PluginHost.Listeners;

/// <summary>
/// The "health" web service (a PluginHost extension): liveness and readiness for load balancers and orchestrators.
/// 200 once the node is ready (booted, every worker running, every configured component joined: NodeStatus.Ready),
/// 503 otherwise; either way a JSON body says what is not ready, and carries the node's status (workers, their
/// processes and restarts, components with their sessions, generations and reloads) and this router's realms with their
/// joined sessions. The status is the controller's (Node/Status/NodeStatusBoard.cs), handed to this router worker; the
/// router answering at all is the liveness.
/// </summary>
internal static class HealthPage
{
    public static Task ServeAsync(HttpContext context)
    {
        var status = NodeStatusView.Latest;
        IReadOnlyList<string> notReady = status?.NotReady ?? ["waiting for the node controller's first status"];
        var body = JsonSerializer.SerializeToUtf8Bytes(new HealthReport(
            notReady.Count == 0, notReady, status, Environment.ProcessId, RouterMetrics.JoinedSessionsByRealm()), NodeStatus.Json);
        return LeafResponse.WriteAsync(context, "application/json; charset=utf-8", body,
            notReady.Count == 0 ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    /// <param name="RouterPid">The router worker answering.</param>
    /// <param name="Realms">Its realms and the sessions joined to each now.</param>
    private sealed record HealthReport(bool Ready, IReadOnlyList<string> NotReady, NodeStatus? Node, int RouterPid,
        IReadOnlyDictionary<string, long> Realms);
}
