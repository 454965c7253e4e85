using Microsoft.Extensions.Logging;
using PluginHost.Node.Config;
using PluginHost.Transport;
using PluginHost.Wamp.Router;

namespace PluginHost.Node;

/// <summary>
/// The single-process node: boots every router worker in Crossbar's order (realms and their roles, then
/// components, then transports), runs until <c>stop</c> fires, then shuts the routers down (GOODBYE
/// wamp.close.system_shutdown) and closes the transports.
/// </summary>
public sealed class NodeRunner(ILoggerFactory loggerFactory)
{
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(10);
    private readonly ILogger _log = loggerFactory.CreateLogger("PluginHost.Node");
    private readonly List<(string WorkerId, WampRouter Router, RouterTransports? Transports)> _running = [];

    /// <summary>Boots <paramref name="config"/> and runs until <paramref name="stop"/> is cancelled. Returns the process exit code.</summary>
    public async Task<int> RunAsync(NodeConfig config, string nodeDir, CancellationToken stop)
    {
        foreach (var warning in config.Warnings) _log.LogWarning("Configuration: {Warning}", warning);
        try
        {
            foreach (var worker in config.Workers) await StartWorkerAsync(worker, nodeDir, stop);
            _log.LogInformation("Ok, local node configuration booted successfully!");
            await Task.Delay(Timeout.Infinite, stop).ContinueWith(_ => { }, TaskScheduler.Default);
            return await ShutdownAsync() ? 0 : 1;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return await ShutdownAsync() ? 0 : 1;
        }
        catch (Exception e)
        {
            _log.LogError("Node failed to start: {Reason}", e.Message);
            _log.LogDebug(e, "Startup failure");
            await ShutdownAsync();
            return 1;
        }
    }

    private async Task StartWorkerAsync(WorkerConfig worker, string nodeDir, CancellationToken ct)
    {
        if (worker.Disabled)
        {
            _log.LogInformation("{Kind} '{Id}' is disabled (options.disabled); skipped", worker.Kind, worker.Id);
            return;
        }
        if (worker is not RouterWorkerConfig router)
        {
            _log.LogWarning("{Kind} '{Id}' not started: this build runs router workers only", worker.Kind, worker.Id);
            return;
        }

        _log.LogInformation("Starting Router with ID '{Id}' ..", router.Id);
        var wamp = new WampRouter(new RouterOptions(), loggerFactory);
        _running.Add((router.Id, wamp, null));
        _log.LogInformation("Router with ID '{Id}' and PID {Pid} started", router.Id, Environment.ProcessId);

        foreach (var realm in router.Realms)
        {
            wamp.AddRealm(realm.Config);
            _log.LogInformation("Router '{Worker}': realm '{Realm}' started", router.Id, realm.Config.Name);
            foreach (var role in realm.Config.Roles)
                _log.LogInformation("Router '{Worker}': role '{Role}' started on realm '{Realm}'", router.Id, role.Name, realm.Config.Name);
        }

        foreach (var c in router.Components)
            _log.LogWarning("Router '{Worker}': component '{Id}' ({Class}) on realm '{Realm}' not started: embedded components are not supported by this build yet",
                router.Id, c.Id, c.Classname ?? c.Type, c.Realm);

        if (router.Transports.Count == 0) return;
        // Inline scheduling: socket reads complete straight into the session reader and flushes go straight to
        // the socket, with no thread-pool / IO-queue hop per message. Safe because session code never blocks
        // (readers await the realm queue, writers await the socket; routing runs on the realm loop).
        var started = await RouterTransports.StartAsync(router.Transports, wamp, loggerFactory,
            new RouterTransportsOptions { InlineScheduling = true }, ct);
        _running[^1] = (router.Id, wamp, started);
        foreach (var t in router.Transports)
        {
            var port = started[t.Id].Port;
            _log.LogInformation("Router '{Worker}': transport '{Id}' started ({Type}, tcp port {Port})", router.Id, t.Id, TypeName(t), port);
        }
    }

    internal static string TypeName(TransportConfig t) => t switch
    {
        WebTransportConfig => "web",
        WebSocketTransportConfig => "websocket",
        RawSocketTransportConfig => "rawsocket",
        _ => "universal",
    };

    /// <summary>Routers first, so sessions get GOODBYE over still-open transports; then the transports. Returns false if something hung or failed.</summary>
    private async Task<bool> ShutdownAsync()
    {
        var clean = true;
        for (var i = _running.Count - 1; i >= 0; i--)
        {
            var (id, router, transports) = _running[i];
            clean &= await StopAsync($"Router '{id}'", router.DisposeAsync);
            if (transports is not null) clean &= await StopAsync($"Router '{id}' transports", transports.DisposeAsync);
        }
        _running.Clear();
        return clean;
    }

    private async Task<bool> StopAsync(string what, Func<ValueTask> dispose)
    {
        try
        {
            await dispose().AsTask().WaitAsync(ShutdownTimeout);
            return true;
        }
        catch (TimeoutException)
        {
            _log.LogWarning("{What} did not stop within {Seconds} s", what, ShutdownTimeout.TotalSeconds);
        }
        catch (Exception e)
        {
            _log.LogWarning("{What} failed to stop: {Reason}", what, e.Message);
        }
        return false;
    }
}
