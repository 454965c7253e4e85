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
/// </summary>
public sealed class ContainerWorker(ContainerWorkerConfig config, string nodeDir, ILoggerFactory loggerFactory) : IRunningWorker
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private readonly ILogger _log = loggerFactory.CreateLogger("PluginHost.Node.Container");
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<string> _running = [];
    private readonly Dictionary<string, (RestartBudget Budget, long StartedAt)> _restarts = [];
    private readonly Lock _gate = new();
    private ComponentHost? _host;
    private ComponentDiscovery? _discovery;
    private CancellationToken _ct;

    public Task Completion => _completion.Task;

    public async Task StartAsync(CancellationToken ct)
    {
        _ct = ct;
        try
        {
            _host = new ComponentHost(ComponentHostOptions.ForWorker(nodeDir, config.PluginDirs), loggerFactory);
            _host.Stopped += OnComponentStopped;
        }
        catch (Exception e)
        {
            foreach (var c in config.Components)
                _log.LogError("Container '{Worker}': component '{Id}' ({Class}) could not be started: {Reason}",
                    config.Id, c.Id, c.Classname ?? c.Type, ComponentFailure.Describe(e));
            return;
        }
        foreach (var (dll, reason) in _host.UnreadablePlugins(except: config.Discover?.Directory))
            _log.LogWarning("Container '{Worker}': plugin file {Dll} is ignored: {Reason}", config.Id, dll, reason);
        foreach (var component in config.Components) await StartComponentAsync(component, restart: false);
        if (config.Discover is { } discover)
        {
            var host = _host;
            _discovery = new ComponentDiscovery(discover, config, config.Components,
                new DiscoveryActions(host.StartContainerComponentAsync, host.StopComponentAsync, host.ReloadComponentAsync), loggerFactory);
            await _discovery.StartAsync(ct);
        }
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
        catch (Exception e) when (!_ct.IsCancellationRequested)
        {
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
                _log.LogInformation("Container '{Worker}': shutting down ({Mode}) after component '{Id}' {How}",
                    config.Id, Name(config.Shutdown), stopped.ComponentId, stopped.Failed ? "failed" : "stopped");
                _completion.TrySetResult();
                break;
            case ContainerPolicy.Action.Restart when config.Components.FirstOrDefault(c => c.Id == stopped.ComponentId) is { } component:
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
        if (_discovery is not null) await _discovery.DisposeAsync();
        if (_host is not null) await Stopping.RunAsync(_log, "components", _host.DisposeAsync, StopTimeout);
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
