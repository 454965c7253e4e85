using System.Diagnostics.Metrics;
using PluginHost.Wamp.Metrics;

namespace PluginHost.Node.Status;

/// <summary>
/// The node's own metrics, meter "PluginHost.Node", exported beside the router's on a "metrics" web path
/// (Listeners/RouterMetricsExport.cs): per worker its restarts, uptime and whether it runs; per component whether it is
/// joined, its hot reloads and the time of the last one; and whether the node is ready. All observable: read at scrape
/// time from the status the controller handed this router worker (NodeStatusView), nothing recorded on any hot path.
/// Names and units follow OpenTelemetry's conventions, tags worker.id, worker.type, component.id.
/// A component's calls and their latency are measured by this router's dealer (pluginhost.component.call.duration,
/// Wamp/Metrics/RouterMetrics.cs): each status names the joined components' sessions, and this class hands that map to
/// the router (RouterMetrics.LabelCallees). So a component is measured by the router of this node it is joined to;
/// one joined to another router (a container wired to a foreign router) is not.
/// </summary>
public static class NodeMetrics
{
    public const string MeterName = "PluginHost.Node";

    private static readonly Meter Meter = new(MeterName, typeof(NodeMetrics).Assembly.GetName().Version?.ToString());

    static NodeMetrics()
    {
        Meter.CreateObservableGauge<int>("pluginhost.node.ready", () => Latest is { } s ? [new Measurement<int>(s.Ready ? 1 : 0)] : Array.Empty<Measurement<int>>(),
            "{node}", "1 once every worker runs and every configured component joined, else 0");
        Meter.CreateObservableCounter("pluginhost.node.worker.restarts", () => Workers().Select(w => new Measurement<long>(w.Restarts, Tags(w))),
            "{restart}", "Processes started for the worker after its first one (crash and watch restarts)");
        Meter.CreateObservableGauge("pluginhost.node.worker.up", () => Workers().Select(w => new Measurement<int>(w.State == WorkerStates.Running ? 1 : 0, Tags(w))),
            "{worker}", "1 while the worker's process runs and is ready, else 0");
        Meter.CreateObservableGauge("pluginhost.node.worker.uptime", () => Workers()
                .Where(w => w is { State: WorkerStates.Running, Started: not null })
                .Select(w => new Measurement<double>((DateTimeOffset.UtcNow - w.Started!.Value).TotalSeconds, Tags(w))),
            "s", "Time since the worker's current process became ready");
        Meter.CreateObservableGauge("pluginhost.node.component.joined", () => Components().Select(c => new Measurement<int>(c.Component.State == ComponentStates.Joined ? 1 : 0, c.Tags)),
            "{component}", "1 while the component's session is joined, else 0");
        Meter.CreateObservableCounter("pluginhost.node.component.reloads", () => Components().Select(c => new Measurement<long>(c.Component.Reloads, c.Tags)),
            "{reload}", "Hot reloads of the component since the node started");
        Meter.CreateObservableGauge("pluginhost.node.component.last_reload", () => Components()
                .Where(c => c.Component.LastReload is not null)
                .Select(c => new Measurement<double>(c.Component.LastReload!.Value.ToUnixTimeMilliseconds() / 1000.0, c.Tags)),
            "s", "Unix time of the component's last hot reload");
    }

    /// <summary>Creates the instruments (before a MeterProvider starts listening for this meter) and keeps the router's
    /// callee labels in step with the node's status.</summary>
    public static void EnsureCreated()
    {
        if (Interlocked.Exchange(ref s_labelling, 1) == 1) return;
        NodeStatusView.Arriving += LabelComponentSessions;
        if (Latest is { } status) LabelComponentSessions(status);
    }

    private static int s_labelling;

    private static void LabelComponentSessions(NodeStatus status) => RouterMetrics.LabelCallees(status.Workers
        .SelectMany(w => w.Components
            .Where(c => c is { State: ComponentStates.Joined, Session: not null })
            .Select(c => new KeyValuePair<long, KeyValuePair<string, object?>[]>(c.Session!.Value, [.. Tags(w), new("component.id", c.Id)])))
        .DistinctBy(l => l.Key));

    private static NodeStatus? Latest => NodeStatusView.Latest;

    private static IEnumerable<WorkerStatus> Workers() => Latest?.Workers ?? [];

    private static IEnumerable<(ComponentStatus Component, KeyValuePair<string, object?>[] Tags)> Components()
        => Workers().SelectMany(w => w.Components.Select(c => (c, (KeyValuePair<string, object?>[])[.. Tags(w), new("component.id", c.Id)])));

    private static KeyValuePair<string, object?>[] Tags(WorkerStatus w) => [new("worker.id", w.Id), new("worker.type", w.Type)];
}
