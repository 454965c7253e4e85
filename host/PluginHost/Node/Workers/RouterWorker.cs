using Microsoft.Extensions.Logging;
using PluginHost.Components;
using PluginHost.Components.Discovery;
using PluginHost.Node.Config;
using PluginHost.Listeners;
using PluginHost.Wamp.Router;

namespace PluginHost.Node.Workers;

/// <summary>
/// A router worker in its own process, booted in Crossbar's order: realms and their roles, then components, then
/// transports. Router components that cannot start, or that the controller quarantined, are logged and skipped; the
/// router keeps serving.
/// </summary>
public sealed class RouterWorker(RouterWorkerConfig config, string nodeDir, ILoggerFactory loggerFactory, WorkerContext context) : IRunningWorker
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private readonly ILogger _log = loggerFactory.CreateLogger("PluginHost.Node.Router");
    private WampRouter? _router;
    private RouterTransports? _transports;
    private ComponentHost? _components;
    private ComponentDiscovery? _discovery;
    private Management.ManagementApi? _management;

    public Task<string> Completion { get; } = new TaskCompletionSource<string>().Task; // a router never stops by itself

    public async Task StartAsync(CancellationToken ct)
    {
        _router = new WampRouter(config.Router, loggerFactory);
        foreach (var realm in config.Realms)
        {
            _router.AddRealm(realm.Config);
            _log.LogInformation("Router '{Worker}': realm '{Realm}' started", config.Id, realm.Config.Name);
            foreach (var role in realm.Config.Roles)
                _log.LogInformation("Router '{Worker}': role '{Role}' started on realm '{Realm}'", config.Id, role.Name, realm.Config.Name);
        }

        // The management API (Node/Management/) joins like a router component, before the others.
        if (config.ManagementRealm is { } managementRealm)
        {
            _management = new Management.ManagementApi(_router, config.Id, managementRealm, context.Control, (action, component) => ControlAsync(action, component, added: null), _log);
            await _management.StartAsync(ct);
        }

        if (config.Components.Count > 0 || config.Discover is not null) ComponentRuntime();
        foreach (var component in config.Components) await StartComponentAsync(component, ct);
        if (config.Discover is { } discover)
        {
            var router = _router;
            var host = _components!;
            _discovery = new ComponentDiscovery(discover, config, config.Components,
                new DiscoveryActions(context.RefusingQuarantined((c, token) => host.StartRouterComponentAsync(router, c, token)), host.StopComponentAsync, host.ReloadComponentAsync),
                loggerFactory);
            await _discovery.StartAsync(ct);
        }

        if (config.Transports.Count == 0) return;
        // Inline scheduling: socket reads complete straight into the session reader and flushes go straight to
        // the socket, with no thread-pool / IO-queue hop per message. Safe because session code never blocks
        // (readers await the realm queue, writers await the socket; routing runs on the realm loop).
        _transports = await RouterTransports.StartAsync(config.Transports, _router, loggerFactory,
            new RouterTransportsOptions { InlineScheduling = true }, ct);
        foreach (var t in config.Transports)
            _log.LogInformation("Router '{Worker}': transport '{Id}' started ({Type}, tcp port {Port})",
                config.Id, t.Id, TypeName(t), _transports[t.Id].Port);
        foreach (var t in config.Transports)
            foreach (var hint in Urls(t, _transports[t.Id].Port))
                _log.LogInformation("Router '{Worker}': {Hint}", config.Id, hint);
    }

    /// <summary>
    /// What a newcomer needs from the log: where to point a browser (a web transport's static <c>/</c>) and where
    /// WAMP clients connect (its WebSocket paths).
    /// </summary>
    public static IEnumerable<string> Urls(TransportConfig t, int port)
    {
        var host = t.Endpoint.Interface is null or "" or "0.0.0.0" or "::" ? "localhost" : t.Endpoint.Interface;
        var secure = t.Endpoint.Tls is not null;
        var http = $"{(secure ? "https" : "http")}://{host}:{port}";
        var ws = $"{(secure ? "wss" : "ws")}://{host}:{port}";
        var paths = t switch
        {
            WebTransportConfig w => w.Paths,
            UniversalTransportConfig u => u.Paths,
            _ => null,
        };
        if (t is WebSocketTransportConfig) yield return $"WAMP over WebSocket at {ws}/";
        if (t is RawSocketTransportConfig) yield return $"WAMP over RawSocket at tcp://{host}:{port}";
        if (paths is null) yield break;
        if (paths.TryGetValue("/", out var root) && root is StaticPathConfig) yield return $"Open {http}/ in a browser";
        foreach (var (path, p) in paths)
            if (p is WebSocketPathConfig) yield return $"WAMP over WebSocket at {ws}/{path.TrimStart('/')}";
        foreach (var (path, p) in WebPipeline.Flatten(paths))
            if (p is BridgePathConfig b)
                yield return $"HTTP bridge {(b is PublisherPathConfig ? "publisher" : b is CallerPathConfig ? "caller" : "webhook")} at {http}{path} (realm '{b.Realm}', role '{b.Role}')";
    }

    /// <summary>
    /// A component is the component runtime's business; its failure must not take the router down, and one stuck in
    /// OnJoinAsync must not hold up the router's boot: after the runtime's stuck warning the router boots on, and the
    /// component's start is logged whenever it ends.
    /// </summary>
    private async Task StartComponentAsync(ComponentConfig component, CancellationToken ct)
    {
        if (context.Quarantined.Contains(component.Id))
        {
            _log.LogError("Router '{Worker}': component '{Id}' ({Class}) is quarantined (it killed this router's process while starting); not started",
                config.Id, component.Id, component.Classname ?? component.Type);
            return;
        }
        Task start;
        try
        {
            start = _components!.StartRouterComponentAsync(_router!, component, ct);
        }
        catch (Exception e)
        {
            LogStartFailure(component, e);
            return;
        }
        if (await Task.WhenAny(start, Task.Delay(BootWait, ct)) != start && !ct.IsCancellationRequested)
        {
            _log.LogWarning("Router '{Worker}': component '{Id}' ({Class}) is still starting after {Seconds} s; the router boots on without waiting for it",
                config.Id, component.Id, component.Classname ?? component.Type, BootWait.TotalSeconds);
            _ = start.ContinueWith(t => OnStarted(component, t, late: true), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            return;
        }
        OnStarted(component, start, late: false);
    }

    private readonly ConfiguredComponents _configured = new(config.Components);
    private readonly Lock _componentsGate = new();

    /// <summary>The component runtime, set up on first need: at boot for configured or discovered components, or when
    /// the management API adds the first component to a router that had none.</summary>
    private ComponentHost ComponentRuntime()
    {
        lock (_componentsGate)
        {
            if (_components is { } existing) return existing;
            var host = new ComponentHost(ComponentHostOptions.ForWorker(nodeDir, config.PluginDirs), loggerFactory);
            context.Attach(host);
            foreach (var (dll, reason) in host.UnreadablePlugins(except: config.Discover?.Directory))
                _log.LogWarning("Router '{Worker}': plugin file {Dll} is ignored: {Reason}", config.Id, dll, reason);
            return _components = host;
        }
    }

    /// <summary>The management API's start_/stop_/reload_router_component: this process's own components, configured ones.</summary>
    public async Task<string?> ControlAsync(string action, string componentId, ComponentConfig? added)
    {
        if (_router is not { } router) return $"router '{config.Id}' is still starting";
        if ((added is null ? _components : ComponentRuntime()) is not { } host) return $"router '{config.Id}' has no components";
        return await ComponentControl.RunAsync(action, componentId, $"router '{config.Id}'", _configured, added, host.IsRunning(componentId),
            start: async component =>
            {
                try { await host.StartRouterComponentAsync(router, component, CancellationToken.None); }
                catch (Exception e) { return $"component '{componentId}' could not be started: {ComponentFailure.Describe(e)}"; }
                return null;
            },
            stop: async () =>
            {
                await host.StopComponentAsync(componentId);
                context.ReportStopped(componentId, failed: false);
                _log.LogInformation("Router '{Worker}': component '{Id}' stopped through the management API", config.Id, componentId);
            },
            reload: () => host.ReloadComponentAsync(componentId));
    }

    /// <summary>How long the boot waits for one component's start (its OnJoinAsync is reported stuck by then).</summary>
    private static readonly TimeSpan BootWait = ComponentRunner.OnJoinWarning + TimeSpan.FromSeconds(1);

    private void OnStarted(ComponentConfig component, Task start, bool late)
    {
        if (start.IsCompletedSuccessfully)
            _log.LogInformation("Router '{Worker}': component '{Id}' ({Class}) started on realm '{Realm}'{Late}",
                config.Id, component.Id, component.Classname ?? component.Type, component.Realm, late ? " (late)" : "");
        else if (start.Exception is { } e) LogStartFailure(component, e.InnerException ?? e);
        // canceled: the router is stopping
    }

    private void LogStartFailure(ComponentConfig component, Exception e)
        => _log.LogError("Router '{Worker}': component '{Id}' ({Class}) could not be started: {Reason}",
            config.Id, component.Id, component.Classname ?? component.Type, ComponentFailure.Describe(e));

    public static string TypeName(TransportConfig t) => t switch
    {
        WebTransportConfig => "web",
        WebSocketTransportConfig => "websocket",
        RawSocketTransportConfig => "rawsocket",
        _ => "universal",
    };

    /// <summary>Components leave first, then the router says GOODBYE over still-open transports, then the transports close.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_discovery is not null) await _discovery.DisposeAsync();
        if (_management is not null) await Stopping.RunAsync(_log, "management API", _management.DisposeAsync, StopTimeout);
        if (_components is not null) await Stopping.RunAsync(_log, "components", _components.DisposeAsync, StopTimeout);
        if (_router is not null) await Stopping.RunAsync(_log, "router", _router.DisposeAsync, StopTimeout);
        if (_transports is not null) await Stopping.RunAsync(_log, "transports", _transports.DisposeAsync, StopTimeout);
    }
}
