using Microsoft.Extensions.Logging;
using PluginHost.Components;
using PluginHost.Components.Discovery;
using System.Diagnostics;
using PluginHost.Node.Config;
using PluginHost.Node.Controller;

namespace PluginHost.Node.Workers;

/// <summary>
/// A container worker in its own process: starts its components through the component runtime and applies
/// Crossbar's container policies when one stops for good — shutdown modes first (any-failed, any-stopped,
/// last-stopped), then the restart mode (restart-always, or restart-on-failed after a failure). A shutdown by
/// policy completes <see cref="Completion"/>, and the process exits 0 so the controller does not respawn it.
/// Crossbar restarts a component at once, forever; here restarts in a row are paced by the worker's restart_backoff
/// delays (no cap, reset after a run of reset_after), so a component whose OnJoin always throws cannot spin a core.
/// Components the controller quarantined (they killed this process while starting) are not started; they count as
/// failed for the shutdown modes, never for the restart modes.
/// </summary>
public sealed class ContainerWorker(ContainerWorkerConfig config, string nodeDir, ILoggerFactory loggerFactory, WorkerContext context) : IRunningWorker
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private readonly ILogger _log = loggerFactory.CreateLogger("PluginHost.Node.Container");
    private readonly TaskCompletionSource<string> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<string> _running = [];
    private readonly Dictionary<string, (RestartBudget Budget, long StartedAt)> _restarts = [];
    private readonly Lock _gate = new();
    private readonly ConfiguredComponents _configured = new(config.Components);
    private ComponentHost? _host;
    private Task _starting = Task.CompletedTask;
    private ComponentDiscovery? _discovery;
    private CancellationToken _ct;

    public Task<string> Completion => _completion.Task;

    /// <summary>
    /// Only sets the component runtime up: as in Crossbar, a container is ready before its components start, so the
    /// components load and connect after the ready report (<see cref="OnReady"/>). A component whose start code
    /// kills the process then crashes a running worker, which the controller restarts and can quarantine it from,
    /// instead of failing the node's boot.
    /// </summary>
    public Task StartAsync(CancellationToken ct)
    {
        _ct = ct;
        try
        {
            _host = new ComponentHost(ComponentHostOptions.ForWorker(nodeDir, config.PluginDirs), loggerFactory);
            _host.Stopped += OnComponentStopped;
            context.Attach(_host);
        }
        catch (Exception e)
        {
            foreach (var c in config.Components)
                _log.LogError("Container '{Worker}': component '{Id}' ({Class}) could not be started: {Reason}",
                    config.Id, c.Id, c.Classname ?? c.Type, ComponentFailure.Describe(e));
        }
        return Task.CompletedTask;
    }

    public void OnReady()
    {
        if (_host is not null) _starting = Task.Run(StartComponentsAsync, CancellationToken.None);
    }

    private async Task StartComponentsAsync()
    {
        var host = _host!;
        foreach (var (dll, reason) in host.UnreadablePlugins(except: config.Discover?.Directory))
            _log.LogWarning("Container '{Worker}': plugin file {Dll} is ignored: {Reason}", config.Id, dll, reason);
        foreach (var component in config.Components.Where(c => !context.Quarantined.Contains(c.Id)))
        {
            if (_ct.IsCancellationRequested) return;
            await StartComponentAsync(component, restart: false);
        }
        foreach (var component in config.Components.Where(c => context.Quarantined.Contains(c.Id))) OnQuarantined(component);
        if (config.Discover is { } discover && !_ct.IsCancellationRequested)
        {
            _discovery = new ComponentDiscovery(discover, config, config.Components,
                new DiscoveryActions(context.RefusingQuarantined(host.StartContainerComponentAsync), host.StopComponentAsync, host.ReloadComponentAsync), loggerFactory);
            await _discovery.StartAsync(_ct);
        }
    }

    private void OnQuarantined(ComponentConfig component)
    {
        _log.LogError("Container '{Worker}': component '{Id}' ({Class}) is quarantined (it killed this container's process while starting); not started",
            config.Id, component.Id, component.Classname ?? component.Type);
        int remaining;
        lock (_gate) remaining = _running.Count;
        if (ContainerPolicy.Decide(config.Shutdown, ContainerRestart.Never, failed: true, remaining) == ContainerPolicy.Action.Shutdown)
            ShutDown($"component '{component.Id}' is quarantined");
    }

    private void ShutDown(string why)
    {
        _log.LogInformation("Container '{Worker}': shutting down ({Mode}) after {Why}", config.Id, Name(config.Shutdown), why);
        _completion.TrySetResult($"container {Name(config.Shutdown)}");
    }

    private async Task StartComponentAsync(ComponentConfig component, bool restart)
    {
        try
        {
            lock (_gate)
            {
                var budget = _restarts.TryGetValue(component.Id, out var r) ? r.Budget
                    : new RestartBudget(config.RestartBackoff with { MaxRestarts = int.MaxValue });
                _restarts[component.Id] = (budget, Stopwatch.GetTimestamp());
            }
            await _host!.StartContainerComponentAsync(component, _ct);
            lock (_gate) _running.Add(component.Id);
            _log.LogInformation("Container '{Worker}': component '{Id}' ({Class}) {What} on realm '{Realm}'",
                config.Id, component.Id, component.Classname ?? component.Type, restart ? "restarted" : "started", component.Realm);
        }
        catch (Exception e)
        {
            if (_ct.IsCancellationRequested) return;
            _log.LogError("Container '{Worker}': component '{Id}' ({Class}) could not be started: {Reason}",
                config.Id, component.Id, component.Classname ?? component.Type, ComponentFailure.Describe(e));
        }
    }

    private void OnComponentStopped(ComponentStopped stopped)
    {
        if (_ct.IsCancellationRequested) return;
        // Discovered components follow their folder, not the container's shutdown/restart modes.
        if (_discovery?.Owns(stopped.ComponentId) == true) { _discovery.OnStopped(stopped); return; }
        int remaining;
        RestartDecision pace = default;
        lock (_gate)
        {
            _running.Remove(stopped.ComponentId);
            remaining = _running.Count;
            if (_restarts.TryGetValue(stopped.ComponentId, out var r)) pace = r.Budget.OnDeath(Stopwatch.GetElapsedTime(r.StartedAt));
        }
        _log.Log(stopped.Failed ? LogLevel.Warning : LogLevel.Information, "Container '{Worker}': component '{Id}' {How}: {Reason}",
            config.Id, stopped.ComponentId, stopped.Failed ? "failed" : "stopped", stopped.Reason);

        var policy = ContainerPolicy.Decide(config.Shutdown, config.Restart, stopped.Failed, remaining);
        switch (policy)
        {
            case ContainerPolicy.Action.Shutdown:
                ShutDown($"component '{stopped.ComponentId}' {(stopped.Failed ? "failed" : "stopped")}");
                break;
            case ContainerPolicy.Action.Restart when _configured.Find(stopped.ComponentId) is { } component:
                _log.LogInformation("Container '{Worker}': restarting component '{Id}' in {Delay:0.###} s ({Mode}, restart {Attempt} in a row)",
                    config.Id, component.Id, pace.Delay.TotalSeconds, Name(config.Restart), pace.Attempt);
                _ = Task.Run(async () =>
                {
                    try { await Task.Delay(pace.Delay, _ct); }
                    catch (OperationCanceledException) { return; }
                    await StartComponentAsync(component, restart: true);
                });
                break;
        }
    }

    /// <summary>
    /// The management API's start_/stop_/reload_container_component, through the controller. A component stopped so is
    /// stopped on purpose: no restart or shutdown mode applies, and it stays stopped until started again. Only the
    /// components of this container's configuration (discovered ones follow their folder).
    /// </summary>
    public async Task<string?> ControlAsync(string action, string componentId, ComponentConfig? added)
    {
        if (_host is not { } host) return "this container's component runtime did not start";
        bool running;
        lock (_gate) running = _running.Contains(componentId);
        return await ComponentControl.RunAsync(action, componentId, $"container '{config.Id}'", _configured, added, running,
            start: async component =>
            {
                await StartComponentAsync(component, restart: false);
                lock (_gate) return _running.Contains(componentId) ? null : $"component '{componentId}' could not be started (see the node's log)";
            },
            stop: async () =>
            {
                lock (_gate) _running.Remove(componentId);
                await host.StopComponentAsync(componentId);
                context.ReportStopped(componentId, failed: false);
                _log.LogInformation("Container '{Worker}': component '{Id}' stopped through the management API", config.Id, componentId);
            },
            reload: () => host.ReloadComponentAsync(componentId));
    }

    /// <summary>Crossbar's spelling of the modes, as written in config.json.</summary>
    private static string Name(ContainerShutdown mode) => mode switch
    {
        ContainerShutdown.OnLastComponentStopped => "shutdown-on-last-component-stopped",
        ContainerShutdown.OnAnyComponentFailed => "shutdown-on-any-component-failed",
        ContainerShutdown.OnAnyComponentStopped => "shutdown-on-any-component-stopped",
        _ => "shutdown-manual",
    };

    private static string Name(ContainerRestart mode) => mode switch
    {
        ContainerRestart.Always => "restart-always",
        ContainerRestart.OnFailed => "restart-on-failed",
        _ => "restart-never",
    };

    public async ValueTask DisposeAsync()
    {
        if (_host is null) return;
        // Components still being loaded are let finish (their connects are cancelled by the stop token), then all leave.
        await Stopping.RunAsync(_log, "component start", () => new ValueTask(_starting), StopTimeout);
        if (_discovery is not null) await _discovery.DisposeAsync();
        await Stopping.RunAsync(_log, "components", _host.DisposeAsync, StopTimeout);
    }
}

/// <summary>Crossbar's container decision on a component stop (worker/container.py), with restart-on-failed working as documented.</summary>
public static class ContainerPolicy
{
    public enum Action { None, Shutdown, Restart }

    public static Action Decide(ContainerShutdown shutdown, ContainerRestart restart, bool failed, int remainingComponents)
    {
        if (shutdown == ContainerShutdown.OnAnyComponentFailed && failed) return Action.Shutdown;
        if (shutdown == ContainerShutdown.OnAnyComponentStopped) return Action.Shutdown;
        if (shutdown == ContainerShutdown.OnLastComponentStopped && remainingComponents == 0) return Action.Shutdown;
        if (restart == ContainerRestart.Always || (restart == ContainerRestart.OnFailed && failed)) return Action.Restart;
        return Action.None;
    }
}
