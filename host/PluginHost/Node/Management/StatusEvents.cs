using PluginHost.Node.Status;

namespace PluginHost.Node.Management;

/// <summary>
/// Crossbar's management events, told from two consecutive node statuses: <c>crossbar.on_ready</c> and
/// <c>crossbar.on_shutdown</c> for the node, <c>crossbar.on_{router,container,guest}_{starting,started}</c> for its
/// workers, and <c>crossbar.worker.&lt;id&gt;.{router,container}.on_component_start</c> / <c>on_component_stop</c> for the
/// components (a join; a leave, stop or failure). Each carries a dict describing the worker or component.
/// </summary>
internal static class StatusEvents
{
    public static IEnumerable<(string Topic, Dictionary<string, object?> Payload)> Between(NodeStatus? before, NodeStatus now)
    {
        if (now.State != before?.State)
        {
            if (now.State == NodeStates.Running) yield return ("crossbar.on_ready", new() { ["ready"] = now.Ready });
            if (now.State == NodeStates.Stopping) yield return ("crossbar.on_shutdown", new());
        }
        foreach (var worker in now.Workers)
        {
            var was = before?.Workers.FirstOrDefault(w => w.Id == worker.Id);
            if (worker.State != was?.State)
            {
                var phase = worker.State switch
                {
                    WorkerStates.Starting or WorkerStates.Restarting => "starting",
                    WorkerStates.Running => "started",
                    _ => null,
                };
                if (phase is not null)
                    yield return ($"crossbar.on_{worker.Type}_{phase}", new() { ["id"] = worker.Id, ["pid"] = worker.Pid, ["restarts"] = worker.Restarts });
            }
            foreach (var component in worker.Components)
            {
                var old = was?.Components.FirstOrDefault(c => c.Id == component.Id);
                bool joinedNow = component.State == ComponentStates.Joined, joinedBefore = old?.State == ComponentStates.Joined;
                // A hot reload is a new session of a new generation: the old one stopped, the new one started.
                bool swapped = joinedNow && joinedBefore && component.Session != old!.Session;
                var prefix = $"crossbar.worker.{worker.Id}.{worker.Type}";
                if (joinedBefore && (!joinedNow || swapped))
                    yield return ($"{prefix}.on_component_stop", Describe(old!, swapped ? "reloaded" : component.State));
                if (joinedNow && (!joinedBefore || swapped))
                    yield return ($"{prefix}.on_component_start", Describe(component, component.State));
            }
        }
    }

    private static Dictionary<string, object?> Describe(ComponentStatus c, string state) => new()
    {
        ["id"] = c.Id,
        ["realm"] = c.Realm,
        ["state"] = state,
        ["session"] = c.Session,
        ["generation"] = c.Generation,
    };
}
