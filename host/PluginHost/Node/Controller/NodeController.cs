using Microsoft.Extensions.Logging;
using PluginHost.Node.Config;

namespace PluginHost.Node.Controller;

/// <summary>
/// Crossbar's node controller: starts each worker as its own process in Crossbar's order (routers, then containers,
/// then guests), one after the other, each only once the previous one reported ready; then logs the boot line,
/// supervises the workers until <c>stop</c> fires, and stops them in reverse order (TERM, then KILL).
/// A worker that fails during boot fails the node (exit 1); one that dies later is restarted and never takes
/// the node down.
/// </summary>
public sealed class NodeController(NodeControllerOptions options, ILoggerFactory loggerFactory, WorkerLogSink sink)
{
    private readonly ILogger _log = loggerFactory.CreateLogger("PluginHost.Node.Controller");
    private readonly List<WorkerSupervisor> _running = [];
    private readonly List<GuestWatcher> _watchers = [];

    /// <summary>The supervisors of the running workers, in boot order (for tests).</summary>
    public IReadOnlyList<WorkerSupervisor> Workers => _running;

    public async Task<int> RunAsync(NodeConfig config, CancellationToken stop)
    {
        foreach (var warning in config.Warnings) _log.LogWarning("Configuration: {Warning}", warning);
        using var spawner = new ChildSpawner();
        await using var pipelines = new RestartPipelines(_log);
        try
        {
            foreach (var worker in BootOrder(config.Workers)) await StartWorkerAsync(worker, spawner, pipelines, stop);
            _log.LogInformation("Ok, local node configuration booted successfully!");
            await Task.Delay(Timeout.Infinite, stop).ContinueWith(_ => { }, TaskScheduler.Default);
            await ShutdownAsync();
            return 0;
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
    }

    /// <summary>Routers first (containers and guests connect to them), then containers, then guests; config order within a kind.</summary>
    public static IEnumerable<WorkerConfig> BootOrder(IEnumerable<WorkerConfig> workers)
        => workers.OrderBy(w => w switch { RouterWorkerConfig => 0, ContainerWorkerConfig => 1, _ => 2 });

    private async Task StartWorkerAsync(WorkerConfig worker, ChildSpawner spawner, RestartPipelines pipelines, CancellationToken ct)
    {
        if (worker.Disabled)
        {
            _log.LogInformation("{Kind} '{Id}' is disabled (options.disabled); skipped", worker.Kind, worker.Id);
            return;
        }
        _log.LogInformation("Starting {Kind} with ID '{Id}' ..", worker.Kind, worker.Id);
        Func<WorkerLaunch> launch = worker switch
        {
            NativeWorkerConfig native => () => WorkerLaunch.ForNative(native, options),
            GuestWorkerConfig guest => () => WorkerLaunch.ForGuest(guest),
            _ => throw new ArgumentException($"unknown worker kind {worker.Kind}"),
        };
        var supervisor = new WorkerSupervisor(worker, launch, spawner, sink, pipelines.For(worker), options, _log);
        _running.Add(supervisor);
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
        if (worker is GuestWorkerConfig { Watch: { } watch }) _watchers.Add(new GuestWatcher(supervisor, watch, _log));
    }

    private async Task ShutdownAsync()
    {
        foreach (var w in _watchers) w.Dispose();
        _watchers.Clear();
        for (var i = _running.Count - 1; i >= 0; i--)
        {
            var supervisor = _running[i];
            _log.LogInformation("Stopping {Kind} '{Id}' ..", supervisor.Worker.Kind, supervisor.Worker.Id);
            await supervisor.StopAsync();
        }
        _running.Clear();
    }
}
