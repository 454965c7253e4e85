using PluginHost.Node.Config;

namespace PluginHost.Node.Controller;

/// <summary>
/// Crossbar's controller shutdown triggers (node/controller.py, check_for_shutdown), applied when a worker has ended
/// for good. Combined with restarts: a worker that dies is first restarted per its restart_backoff; it counts as
/// "exited" only when it stays down — it stopped on purpose and said so (e.g. a container's own shutdown mode; an
/// unannounced exit 0 is a crash, see <see cref="WorkerSupervisor"/>), or it died with no restarts left
/// (max_restarts 0 gives Crossbar's behaviour: the first death ends it). As in Crossbar, guest exits
/// never trigger a shutdown, but a running guest does count as a worker left.
/// </summary>
public static class NodeShutdownPolicy
{
    /// <summary>The trigger that stops the node, or null when it keeps running.</summary>
    public static NodeShutdownTrigger? Decide(IReadOnlySet<NodeShutdownTrigger> triggers, bool guest, bool success, int workersLeft)
    {
        if (guest) return null;
        if (triggers.Contains(NodeShutdownTrigger.OnWorkerExit)) return NodeShutdownTrigger.OnWorkerExit;
        if (!success && triggers.Contains(NodeShutdownTrigger.OnWorkerExitWithError)) return NodeShutdownTrigger.OnWorkerExitWithError;
        if (workersLeft == 0 && triggers.Contains(NodeShutdownTrigger.OnLastWorkerExit)) return NodeShutdownTrigger.OnLastWorkerExit;
        return null;
    }

    /// <summary>The name as written in config.json.</summary>
    public static string Name(NodeShutdownTrigger trigger) => trigger switch
    {
        NodeShutdownTrigger.OnShutdownRequested => "shutdown_on_shutdown_requested",
        NodeShutdownTrigger.OnWorkerExit => "shutdown_on_worker_exit",
        NodeShutdownTrigger.OnWorkerExitWithError => "shutdown_on_worker_exit_with_error",
        _ => "shutdown_on_last_worker_exit",
    };
}
