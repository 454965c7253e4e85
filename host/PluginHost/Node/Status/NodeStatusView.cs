namespace PluginHost.Node.Status;

/// <summary>
/// A router worker's copy of the node's status: the latest snapshot its controller sent (STATUS DESIGN,
/// NodeStatusBoard.cs), written by the worker's stdin reader, read by the health web path. One per worker process;
/// null until the controller's first status arrives (and in a router run without a controller, such as tests').
/// </summary>
public static class NodeStatusView
{
    private static NodeStatus? s_latest;

    public static NodeStatus? Latest => Volatile.Read(ref s_latest);

    /// <summary>Raised with each new status before it becomes Latest, on the stdin reader's thread: for what must agree
    /// with it by the time anyone reads it (the router's callee labels, NodeMetrics).</summary>
    public static event Action<NodeStatus>? Arriving;

    /// <summary>Raised with each new status, on the stdin reader's thread (the management API publishes it).</summary>
    public static event Action<NodeStatus>? Changed;

    /// <summary>Takes a status line's JSON; a line that is not a status is ignored (returns false).</summary>
    public static bool Update(string json)
    {
        if (NodeStatus.FromJson(json) is not { } status) return false;
        Arriving?.Invoke(status);
        Volatile.Write(ref s_latest, status);
        Changed?.Invoke(status);
        return true;
    }
}
