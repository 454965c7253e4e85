using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using PluginHost.Node.Config;
using PluginHost.Wamp.Router;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;

namespace PluginHost.Components;

/// <summary>Where a worker's components come from and how they are run.</summary>
public sealed record ComponentHostOptions
{
    /// <summary>The node directory (cbdir); plugins/ is looked up beside or inside it.</summary>
    public required string NodeDir { get; init; }
    /// <summary>Extra plugin search folders (Crossbar's options.pythonpath), resolved to absolute paths.</summary>
    public IReadOnlyList<string> PluginDirs { get; init; } = [];
    /// <summary>Reload a component when its plugin DLL changes (a component's "hot_reload" overrides it).</summary>
    public bool HotReload { get; init; } = true;

    /// <summary>
    /// The sample components shipped with the CLI (./pluginhost builds plugins/* into plugins/ beside
    /// itself). Workers search it last, so the guide's configs find timeservice.TimeService as they are.
    /// </summary>
    public static string BundledPluginDir => Path.Combine(AppContext.BaseDirectory, "plugins");

    /// <summary>Options for a worker: its own plugin folders, then the bundled samples.</summary>
    public static ComponentHostOptions ForWorker(string nodeDir, IReadOnlyList<string> pluginDirs)
        => new() { NodeDir = nodeDir, PluginDirs = [.. pluginDirs, BundledPluginDir] };
}

/// <summary>
/// A component's own start code (its constructor, its OnJoinAsync) begins (<paramref name="Starting"/>) or ends. Raised
/// synchronously on the starting thread, before that code runs: a worker relays it to its controller, which then knows
/// whom to blame if the process dies meanwhile.
/// </summary>
public sealed record ComponentStartPhase(string ComponentId, bool Starting);

/// <summary>
/// A component's session joined (<paramref name="SessionId"/> and the plugin <paramref name="Generation"/> serving it:
/// first join, rejoin after a lost connection, hot reload) or ended (both null) while the component keeps running.
/// </summary>
public sealed record ComponentSessionChange(string ComponentId, long? SessionId, int? Generation);

/// <summary>Reported when a component stops for good (after its own retries), so a container can apply its shutdown/restart policy.</summary>
public sealed record ComponentStopped(string ComponentId, bool Failed, string Reason);

/// <summary>
/// Runs one worker's application components: router components joined in-process to a
/// <see cref="WampRouter"/>, container components joined over their configured transport.
/// Each component's plugin is loaded into its own collectible load context; a failing
/// component throws from its Start call (or raises <see cref="Stopped"/> later) without
/// affecting the others.
/// </summary>
public sealed class ComponentHost : IAsyncDisposable
{
    private readonly ComponentHostContext _context;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, ComponentRunner> _runners = new(StringComparer.Ordinal);
    private readonly List<Task> _stopping = [];

    public ComponentHost(ComponentHostOptions options, ILoggerFactory loggerFactory)
    {
        _context = new ComponentHostContext(options, loggerFactory, OnStopped, phase => StartPhase?.Invoke(phase), change => SessionChanged?.Invoke(change));
        _log = loggerFactory.CreateLogger("PluginHost.Components");
        SearchFolders = PluginLocator.SearchFolders(options.NodeDir, options.PluginDirs);
    }

    public event Action<ComponentStopped>? Stopped;

    /// <summary>See <see cref="ComponentStartPhase"/>.</summary>
    public event Action<ComponentStartPhase>? StartPhase;

    /// <summary>See <see cref="ComponentSessionChange"/>.</summary>
    public event Action<ComponentSessionChange>? SessionChanged;

    /// <summary>
    /// A component stopped for good: its plugin is unloaded and its id freed, so that the worker's
    /// restart policy can start it again. Disposal runs apart: the runner's own loop raised this.
    /// </summary>
    private void OnStopped(ComponentStopped stopped)
    {
        if (_runners.TryRemove(stopped.ComponentId, out var runner))
            lock (_stopping) _stopping.Add(Task.Run(() => runner.DisposeAsync().AsTask()));
        Stopped?.Invoke(stopped);
    }

    /// <summary>The folders searched for plugin DLLs, in order.</summary>
    public IReadOnlyList<string> SearchFolders { get; }

    public ComponentHostDiagnostics Diagnostics => _context.Diagnostics;

    /// <summary>DLLs in the search folders that are not .NET assemblies, outside <paramref name="except"/> (a discovered folder reports its own).</summary>
    public IReadOnlyList<(string Dll, string Reason)> UnreadablePlugins(string? except = null) => PluginLocator.Unreadable(SearchFolders, except);

    /// <summary>The WAMP session id of a running component (null while it is not joined).</summary>
    /// <summary>Whether the component runs here (started and not stopped; joined or reconnecting).</summary>
    public bool IsRunning(string componentId) => _runners.ContainsKey(componentId);

    public long? SessionIdOf(string componentId) => _runners.TryGetValue(componentId, out var r) ? r.SessionId : null;

    /// <summary>
    /// Loads and joins a router component. Throws (with a clear message) when it cannot be loaded or its
    /// join fails. When its session ends later (wamp.session.kill, ...) it joins again through the same
    /// reconnect pipeline as a container component; once the router is disposed it stops.
    /// </summary>
    public Task StartRouterComponentAsync(WampRouter router, ComponentConfig component, CancellationToken cancellationToken)
    {
        var auth = new TransportAuthConfig { AnonymousRole = component.Role ?? "anonymous" };
        return StartJoinedAsync(component, _ =>
        {
            try { return Task.FromResult(router.ConnectInProcess(auth)); }
            catch (ObjectDisposedException)
            {
                throw new ComponentLoadException(component.Id, "the embedded router has stopped");
            }
        }, "the embedded router", cancellationToken);
    }

    /// <summary>Loads a component and joins it now over connections from <paramref name="connect"/> (router components; tests use it to put a filter between component and router).</summary>
    internal async Task StartJoinedAsync(ComponentConfig component, Func<CancellationToken, Task<IWampConnection>> connect, string target,
        CancellationToken cancellationToken)
    {
        var runner = await CreateAsync(component, connect, () => target, cancellationToken).ConfigureAwait(false);
        try
        {
            await runner.StartJoinedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _runners.TryRemove(component.Id, out _);
            await runner.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Loads a container component and connects it (retrying with backoff in the background). Throws when it cannot be loaded.</summary>
    public async Task StartContainerComponentAsync(ComponentConfig component, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<ComponentTransportConfig> transports = component.Transports.Count > 0 ? component.Transports
            : component.Transport is { } one ? [one]
            : component.TransportUrl is { } url ? [new ComponentTransportConfig { Type = "websocket", Url = url }]
            : throw new ComponentLoadException(component.Id, "a container component needs a transport");
        // Several routers (a transport list): each attempt goes to the next one after a failure (RouterRotation.cs).
        var routers = new RouterRotation(transports.Select(t => Connector(component.Id, t)).ToList());
        (await CreateAsync(component, routers.ConnectAsync, () => routers.Current, cancellationToken).ConfigureAwait(false)).StartConnecting();
    }

    private async Task<ComponentRunner> CreateAsync(ComponentConfig component, Func<CancellationToken, Task<IWampConnection>> connect, Func<string> target,
        CancellationToken cancellationToken)
    {
        if (component.Classname is null)
            throw new ComponentLoadException(component.Id, $"type '{component.Type}' components are not supported; use type 'class' with a classname");
        var location = component.PluginDll is { } dll ? new PluginLocation(dll, component.Classname)
            : PluginLocator.Locate(component.Id, component.Classname, SearchFolders);
        ComponentGeneration generation;
        // The constructor is the component's start code too: one at a time (see ComponentHostContext.StartGate).
        await _context.StartGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        _context.ReportStart(component.Id, starting: true);
        try { generation = ComponentGeneration.Load(component, location, _context.Options.NodeDir, _context.LoggerFactory, number: 1); }
        finally
        {
            _context.ReportStart(component.Id, starting: false);
            _context.StartGate.Release();
        }
        var runner = new ComponentRunner(component, generation, connect, target, _context);
        if (!_runners.TryAdd(component.Id, runner))
        {
            _ = runner.DisposeAsync().AsTask();
            throw new ComponentLoadException(component.Id, "a component with this id is already running");
        }
        _log.LogDebug("Component '{Id}': {Class} loaded from {Dll}", component.Id, component.Classname, location.AssemblyPath);
        return runner;
    }

    private static (Func<CancellationToken, Task<IWampConnection>> Connect, string Target) Connector(string id, ComponentTransportConfig t)
    {
        if (t.Type == "websocket")
        {
            if (!Uri.TryCreate(t.Url, UriKind.Absolute, out var url))
                throw new ComponentLoadException(id, $"invalid WebSocket URL '{t.Url}'");
            var serializers = WampSerializers.Select(t.Serializers);
            return (async ct => await WampTransportConnector.ConnectWebSocketAsync(url, serializers, ct).ConfigureAwait(false), url.ToString());
        }
        var serializer = WampSerializers.ByName(t.Serializer)
            ?? throw new ComponentLoadException(id, $"unknown serializer '{t.Serializer}'");
        return (async ct => await WampTransportConnector.ConnectRawSocketAsync(t.Host, t.Port, serializer, cancellationToken: ct).ConfigureAwait(false),
            $"rs://{t.Host}:{t.Port}");
    }

    /// <summary>Reloads a component from its plugin DLL now, as a file change would (hot reload's swap, on demand).</summary>
    public Task ReloadComponentAsync(string componentId)
        => _runners.TryGetValue(componentId, out var runner) ? runner.ReloadAsync()
            : throw new ArgumentException($"no component '{componentId}' is running", nameof(componentId));

    /// <summary>Stops one component: leaves its session and unloads its plugin.</summary>
    public async Task StopComponentAsync(string componentId)
    {
        if (_runners.TryRemove(componentId, out var runner)) await runner.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Leaves every session and unloads every plugin.</summary>
    public async ValueTask DisposeAsync()
    {
        var runners = _runners.Values.ToArray();
        _runners.Clear();
        Task[] stopping;
        lock (_stopping) stopping = _stopping.ToArray();
        await Task.WhenAll(runners.Select(r => r.DisposeAsync().AsTask()).Concat(stopping)).ConfigureAwait(false);
    }
}
