using Microsoft.Extensions.Logging;
using PluginHost.Node.Config;
using PluginHost.Node.Status;
using PluginHost.Node.Workers;

namespace PluginHost.Node.Controller;

/// <summary>
/// Crossbar's node controller: starts each worker as its own process in Crossbar's order (routers, then containers,
/// then guests), one after the other, each only once the previous one reported ready; then logs the boot line,
/// supervises the workers until <c>stop</c> fires, and stops them in reverse order (TERM, then KILL).
/// A worker that fails during boot fails the node (exit 1); one that crashes later (any exit it did not announce, see
/// <see cref="WorkerSupervisor"/>) is restarted per its restart_backoff, a component that keeps killing it while
/// starting is quarantined, and only when the worker stays down for good do the controller's <c>options.shutdown</c> triggers decide
/// whether the node stops (<see cref="NodeShutdownPolicy"/>): exit 1 when that worker failed, 0 when it exited 0.
/// Shutdown requests (SIGINT, SIGTERM, <c>stop</c>) always stop the node, so shutdown_on_shutdown_requested alone
/// means "never on a worker exit".
/// </summary>
public sealed class NodeController(NodeControllerOptions options, ILoggerFactory loggerFactory, WorkerLogSink sink)
{
    private readonly ILogger _log = loggerFactory.CreateLogger("PluginHost.Node.Controller");
    private readonly List<WorkerSupervisor> _running = [];
    private readonly List<GuestWatcher> _watchers = [];
    /// <summary>Set by a shutdown trigger, with the node's exit code.</summary>
    private readonly TaskCompletionSource<int> _triggered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The supervisors of the running workers, in boot order (for tests).</summary>
    public IReadOnlyList<WorkerSupervisor> Workers => _running;

    /// <summary>The node's status (Node/Status/): set when <see cref="RunAsync"/> starts.</summary>
    public NodeStatusBoard? Status { get; private set; }

    public async Task<int> RunAsync(NodeConfig config, CancellationToken stop)
    {
        foreach (var warning in config.Warnings) _log.LogWarning("Configuration: {Warning}", warning);
        _log.LogInformation("Using node shutdown triggers [{Triggers}]", string.Join(", ", config.ShutdownTriggers.Order().Select(NodeShutdownPolicy.Name)));
        using var spawner = new ChildSpawner();
        await using var pipelines = new RestartPipelines(_log);
        lock (_configGate) _config = config;
        var status = Status = new NodeStatusBoard(BootOrder(config.Workers));
        var statusFile = options.KeepStatusFile ? new NodeStatusFile(options.NodeDir) : null;
        status.Changed += ShareStatus;
        if (statusFile is not null)
        {
            status.Changed += s => { if (statusFile.Write(s) is { } warning) _log.LogWarning("{Warning}", warning); };
            statusFile.Write(status.Current);
        }
        try
        {
            // Containers' processes start now, with the routers, held (WorkerProtocol.HoldOption): each reads its
            // configuration and sets its component runtime up while the routers boot, and waits for its turn in the boot
            // order to report ready and start its components (which connect to the routers, so only once those serve).
            // This overlaps a process's .NET start-up with the routers' boot (bench/coldstart.py; issue 13).
            foreach (var worker in config.Workers.OfType<ContainerWorkerConfig>().Where(w => !w.Disabled))
                (_held[worker.Id] = NewSupervisor(worker, spawner, pipelines)).StartHeld();
            foreach (var worker in BootOrder(config.Workers))
            {
                if (_triggered.Task.IsCompleted) break;
                await StartWorkerAsync(worker, spawner, pipelines, config.ShutdownTriggers, stop);
            }
            if (!_triggered.Task.IsCompleted)
            {
                status.Booted();
                _log.LogInformation("Ok, local node configuration booted successfully!");
            }
            var stopped = Task.Delay(Timeout.Infinite, stop).ContinueWith(_ => { }, TaskScheduler.Default);
            var first = await Task.WhenAny(stopped, _triggered.Task);
            await ShutdownAsync();
            return first == _triggered.Task ? _triggered.Task.Result : 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await ShutdownAsync();
            return 0;
        }
        catch (Exception e)
        {
            _log.LogError("Node failed to start: {Reason}", e.Message);
            await ShutdownAsync();
            return 1;
        }
        finally
        {
            status.Changed -= ShareStatus;
            statusFile?.Remove();
        }
    }

    /// <summary>Routers first (containers and guests connect to them), then containers, then guests; config order within a kind.</summary>
    public static IEnumerable<WorkerConfig> BootOrder(IEnumerable<WorkerConfig> workers)
        => workers.OrderBy(w => w switch { RouterWorkerConfig => 0, ContainerWorkerConfig => 1, _ => 2 });

    /// <summary>Starts a worker; each of its processes is handed the node's configuration as it is then (CurrentConfig).</summary>
    private async Task StartWorkerAsync(WorkerConfig worker, ChildSpawner spawner, RestartPipelines pipelines,
        IReadOnlySet<NodeShutdownTrigger> triggers, CancellationToken ct)
    {
        if (worker.Disabled)
        {
            _log.LogInformation("{Kind} '{Id}' is disabled (options.disabled); skipped", worker.Kind, worker.Id);
            return;
        }
        _log.LogInformation("Starting {Kind} with ID '{Id}' ..", worker.Kind, worker.Id);
        var supervisor = _held.Remove(worker.Id, out var held) ? held : NewSupervisor(worker, spawner, pipelines);
        lock (_running) _running.Add(supervisor);
        try
        {
            await supervisor.BootAsync(ct);
        }
        catch (WorkerDiedException e)
        {
            throw new InvalidOperationException($"{worker.Kind} '{worker.Id}' {e.Message}");
        }
        _log.LogInformation("{Kind} with ID '{Id}' and PID {Pid} started", worker.Kind, worker.Id, supervisor.Pid);
        supervisor.StartSupervising();
        _ = supervisor.Ended.ContinueWith(t => OnWorkerEnded(supervisor, t.Result, triggers),
            CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        if (worker is GuestWorkerConfig { Watch: { } watch }) _watchers.Add(new GuestWatcher(supervisor, watch, _log));
    }

    /// <summary>Containers started ahead of their turn (held) and not yet booted, by worker id (RunAsync's flow only).</summary>
    private readonly Dictionary<string, WorkerSupervisor> _held = new(StringComparer.Ordinal);

    private WorkerSupervisor NewSupervisor(WorkerConfig worker, ChildSpawner spawner, RestartPipelines pipelines)
    {
        Func<IReadOnlyList<string>, bool, WorkerLaunch> launch = worker switch
        {
            NativeWorkerConfig native => (quarantined, hold) => WorkerLaunch.ForNative(native, options, quarantined, CurrentConfig.Source, hold),
            GuestWorkerConfig guest => (_, _) => WorkerLaunch.ForGuest(guest),
            _ => throw new ArgumentException($"unknown worker kind {worker.Kind}"),
        };
        var budget = new RestartBudget(worker.RestartBackoff);
        return new WorkerSupervisor(worker, launch, spawner, sink, budget, pipelines.For(worker, budget), options, _log, Status) { Relay = Relay };
    }

    /// <summary>A worker stays down for good: apply the shutdown triggers and log the decision either way.</summary>
    private void OnWorkerEnded(WorkerSupervisor ended, WorkerEnd end, IReadOnlySet<NodeShutdownTrigger> triggers)
    {
        int left;
        lock (_running) left = _running.Count(w => w != ended && !w.Ended.IsCompleted);
        var worker = ended.Worker;
        if (NodeShutdownPolicy.Decide(triggers, worker is GuestWorkerConfig, end.Success, left) is { } trigger)
        {
            _log.LogInformation("Node worker {Kind} '{Id}' {Reason}, and trigger '{Trigger}' is active: shutting down the node ..",
                worker.Kind, worker.Id, end.Reason, NodeShutdownPolicy.Name(trigger));
            _triggered.TrySetResult(end.Success ? 0 : 1);
        }
        else
        {
            _log.LogInformation("Node worker {Kind} '{Id}' {Reason}; no shutdown trigger applies{Why}; node will continue to run ({Left} workers left)",
                worker.Kind, worker.Id, end.Reason, worker is GuestWorkerConfig ? " (guest exits never trigger one, as in Crossbar)" : "", left);
        }
    }

    // The node's configuration: the one source of truth every worker process is started from (NodeConfig.Source), which
    // the management API changes at run time (ConfigEdits). Replaced whole under _configGate; read with the gate too.
    private readonly Lock _configGate = new();
    private NodeConfig _config = NodeConfig.Empty;

    /// <summary>The node's configuration now: as loaded, plus what the management API added since.</summary>
    public NodeConfig CurrentConfig { get { lock (_configGate) return _config; } }

    /// <summary>A management request in flight: the router worker that asked, and the component configuration it brings.</summary>
    private sealed record PendingRequest(WorkerSupervisor From, string Target, string Component, string? ComponentJson);

    // Management requests in flight (ControllerRequests.cs), by request id.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, PendingRequest> _requests = new(StringComparer.Ordinal);

    /// <summary>
    /// Carries a router's management request to the worker it names (as a command) and the worker's reply back to the
    /// router; answers the router itself when the worker is not there or the configuration a start brings is refused.
    /// A start with a configuration is checked against the node's configuration first, handed to the worker as the
    /// changed configuration, and kept (the node's configuration changes) only once the worker says the component started.
    /// </summary>
    private void Relay(WorkerSupervisor from, string line)
    {
        if (WorkerProtocol.ArgumentOf(line, WorkerProtocol.Request) is { } request
            && request.Split(' ', 5) is [var id, var target, var action, var component, .. var json])
        {
            WorkerSupervisor? worker;
            lock (_running) worker = _running.FirstOrDefault(w => w.Worker is NativeWorkerConfig && w.Worker.Id == target);
            var command = $"{WorkerProtocol.Command} {id} {action} {component}";
            string? componentJson = json is [var j] ? j : null;
            if (componentJson is not null)
            {
                try { command += " " + ConfigEdits.AddComponent(CurrentConfig, target, component, componentJson, options.NodeDir).Source; }
                catch (ConfigException e)
                {
                    from.SendControl(WorkerProtocol.ReplyLine(id, $"{WorkerProtocol.InvalidConfiguration} {e.Report}"));
                    return;
                }
            }
            _requests[id] = new PendingRequest(from, target, component, componentJson);
            if (worker is null || !worker.SendControl(command))
            {
                _requests.TryRemove(id, out _);
                from.SendControl(WorkerProtocol.ReplyLine(id, $"worker '{target}' is not running"));
            }
        }
        else if (WorkerProtocol.ArgumentOf(line, WorkerProtocol.Reply) is { } reply
                 && reply.Split(' ', 3) is [var replyId, var outcome, ..]
                 && _requests.TryRemove(replyId, out var pending))
        {
            if (outcome == "ok" && pending.ComponentJson is { } added) KeepAddedComponent(pending.Target, pending.Component, added);
            pending.From.SendControl(line);
        }
    }

    /// <summary>The worker started a component the management API added: the node's configuration has it from now on.</summary>
    private void KeepAddedComponent(string worker, string component, string json)
    {
        NodeConfig changed;
        lock (_configGate)
        {
            try { changed = _config = ConfigEdits.AddComponent(_config, worker, component, json, options.NodeDir); }
            catch (ConfigException e)
            {
                _log.LogWarning("Component '{Component}' of worker '{Worker}' started, but is not kept in the node's configuration: {Reason}", component, worker, e.Report);
                return;
            }
        }
        Status?.ComponentConfigured(worker, changed.Workers.OfType<NativeWorkerConfig>().First(w => w.Id == worker).Components.First(c => c.Id == component));
        _log.LogInformation("Component '{Component}' added to worker '{Worker}' through the management API (kept until the node stops; config.json is not changed)",
            component, worker);
    }

    /// <summary>Every router worker gets the node's status after each change (its health path serves it: Listeners/HealthPage.cs).</summary>
    private void ShareStatus(NodeStatus status)
    {
        string? json = null;
        WorkerSupervisor[] routers;
        lock (_running) routers = [.. _running.Where(w => w.Worker is RouterWorkerConfig)];
        foreach (var router in routers) router.SendStatus(json ??= status.ToJson());
    }

    private async Task ShutdownAsync()
    {
        Status?.Stopping();
        foreach (var w in _watchers) w.Dispose();
        _watchers.Clear();
        WorkerSupervisor[] running;
        lock (_running) running = [.. _running];
        for (var i = running.Length - 1; i >= 0; i--)
        {
            var supervisor = running[i];
            _log.LogInformation("Stopping {Kind} '{Id}' ..", supervisor.Worker.Kind, supervisor.Worker.Id);
            await supervisor.StopAsync();
            supervisor.Dispose();
        }
        lock (_running) _running.Clear();
        // Held containers whose turn never came (the boot failed or was stopped first).
        foreach (var held in _held.Values)
        {
            _log.LogInformation("Stopping {Kind} '{Id}' (held, never started) ..", held.Worker.Kind, held.Worker.Id);
            await held.StopAsync();
            held.Dispose();
        }
        _held.Clear();
    }
}
