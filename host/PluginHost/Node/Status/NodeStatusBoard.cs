using PluginHost.Node.Config;

namespace PluginHost.Node.Status;

// STATUS DESIGN
//
// The controller owns the node's status: this board, one per controller run, is the single owner of it. Its writers are
// the controller (boot, stop), each worker's supervisor (process started, ready, exited, restarting) and each native
// worker's control channel (component joined, left, stopped: Workers/WorkerProtocol.cs), all on their own threads, so
// every change takes the board's lock, replaces the immutable snapshot and raises Changed outside the lock. Readers
// never lock: they take Current, an immutable NodeStatus.
//
// Workers never see each other: the controller hands the snapshot to its router workers (stdin, WorkerProtocol.Status,
// latest one only), where the health web path serves it with the router's own realm counts (Listeners/HealthPage.cs).
// A restarted router worker gets the current snapshot as soon as it is ready.
/// <summary>The controller's record of its workers and their components (see STATUS DESIGN above).</summary>
public sealed class NodeStatusBoard
{
    private readonly Lock _gate = new();
    private readonly List<string> _order = [];
    private readonly Dictionary<string, WorkerStatus> _workers = new(StringComparer.Ordinal);
    private NodeStatus _current;
    private readonly TimeProvider _time;

    public NodeStatusBoard(IEnumerable<WorkerConfig> workers, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        foreach (var worker in workers)
        {
            _order.Add(worker.Id);
            _workers[worker.Id] = new WorkerStatus
            {
                Id = worker.Id,
                Type = worker.Kind.ToLowerInvariant(),
                State = worker.Disabled ? WorkerStates.Disabled : WorkerStates.NotStarted,
                Components = [.. ((worker as NativeWorkerConfig)?.Components ?? []).Select(c => new ComponentStatus
                    { Id = c.Id, Realm = c.Realm, Configured = true, State = ComponentStates.NotStarted })],
            };
        }
        _current = Snapshot(NodeStates.Booting);
    }

    /// <summary>The latest snapshot (no lock needed: immutable).</summary>
    public NodeStatus Current => Volatile.Read(ref _current);

    /// <summary>Raised after every change with the new snapshot, outside the board's lock, on the changing thread.</summary>
    public event Action<NodeStatus>? Changed;

    public void Booted() => SetNode(NodeStates.Running);
    public void Stopping() => SetNode(NodeStates.Stopping);

    /// <summary>A process of the worker was spawned (<paramref name="restart"/>: not the first one).</summary>
    public void ProcessStarting(string worker, bool restart) => Update(worker, w => w with
    {
        State = restart ? WorkerStates.Restarting : WorkerStates.Starting,
        Pid = null,
        Restarts = w.Restarts + (restart ? 1 : 0),
        // A new process starts its components afresh; discovered ones come back when they join again.
        Components = [.. w.Components.Where(c => c.Configured).Select(c => c with { State = ComponentStates.NotStarted, Session = null, Joined = null })],
    });

    public void ProcessReady(string worker, int pid) => Update(worker, w => w with { State = WorkerStates.Running, Pid = pid, Started = Now });

    /// <summary>The worker's process ended: <paramref name="final"/> when it is not restarted (stopped or failed for good).</summary>
    public void ProcessExited(string worker, string how, bool final, bool failed) => Update(worker, w => w with
    {
        State = final ? (failed ? WorkerStates.Failed : WorkerStates.Stopped) : WorkerStates.Restarting,
        Pid = null,
        LastExit = how,
        Components = [.. w.Components.Select(c => c.State == ComponentStates.Joined ? c with { State = ComponentStates.Disconnected, Session = null } : c)],
    });

    public void ComponentJoined(string worker, string component, long session, int generation) => UpdateComponent(worker, component, c =>
    {
        bool reloaded = c.Generation is { } before && generation > before;
        return c with
        {
            State = ComponentStates.Joined,
            Session = session,
            Generation = generation,
            Joined = Now,
            Reloads = c.Reloads + (reloaded ? 1 : 0),
            LastReload = reloaded ? Now : c.LastReload,
        };
    });

    public void ComponentLeft(string worker, string component)
        => UpdateComponent(worker, component, c => c with { State = ComponentStates.Disconnected, Session = null });

    /// <summary>A component added to the worker's configuration at run time (the management API): configured from now on.</summary>
    public void ComponentConfigured(string worker, ComponentConfig component)
        => UpdateComponent(worker, component.Id, c => c with { Configured = true, Realm = component.Realm });

    public void ComponentStopped(string worker, string component, bool failed)
        => UpdateComponent(worker, component, c => c with { State = failed ? ComponentStates.Failed : ComponentStates.Stopped, Session = null });

    private DateTimeOffset Now => _time.GetUtcNow();

    private void SetNode(string state) => Change(state, () => { });

    private void Update(string worker, Func<WorkerStatus, WorkerStatus> change) => Change(null, () =>
    {
        if (_workers.TryGetValue(worker, out var w)) _workers[worker] = change(w);
    });

    /// <summary>A component the config does not name (started by discovery) is added when it first reports.</summary>
    private void UpdateComponent(string worker, string component, Func<ComponentStatus, ComponentStatus> change) => Update(worker, w =>
    {
        var list = w.Components.ToList();
        int i = list.FindIndex(c => c.Id == component);
        var before = i >= 0 ? list[i] : new ComponentStatus { Id = component, State = ComponentStates.NotStarted };
        if (i >= 0) list[i] = change(before);
        else list.Add(change(before));
        return w with { Components = list };
    });

    /// <param name="nodeState">The node's new state; null: unchanged.</param>
    private void Change(string? nodeState, Action apply)
    {
        NodeStatus next;
        lock (_gate)
        {
            apply();
            next = Snapshot(nodeState ?? _current.State);
            Volatile.Write(ref _current, next);
        }
        Changed?.Invoke(next);
    }

    private NodeStatus Snapshot(string state) => new()
    {
        State = state,
        Started = _current?.Started ?? Now,
        ControllerPid = Environment.ProcessId,
        Workers = [.. _order.Select(id => _workers[id])],
    };
}
