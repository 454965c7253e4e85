using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PluginHost.Listeners.Bridge;
using PluginHost.Wamp.Router;

namespace PluginHost.Listeners;

/// <summary>A transport that is listening, with its actually bound endpoint (port 0 in config = a free port).</summary>
public sealed record StartedTransport(string Id, string Type, IPEndPoint EndPoint, IReadOnlyList<string> Urls)
{
    public int Port => EndPoint.Port;
}

public sealed record RouterTransportsOptions
{
    /// <summary>
    /// Kestrel's UnsafePreferInlineScheduling: socket continuations run the session code on the I/O
    /// thread (lower latency, fewer thread hops). Only safe when session code never blocks.
    /// </summary>
    public bool InlineScheduling { get; init; }

    /// <summary>How long <see cref="RouterTransports.DisposeAsync"/> waits for connections to wind down.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// The listening transports of a router worker, served by one Kestrel server: websocket,
/// rawsocket, web (paths) and universal transports. Each accepted WAMP connection is handed to
/// the <see cref="WampSessionHandler"/>. Dispose to stop listening and close every connection.
/// </summary>
public sealed class RouterTransports : IAsyncDisposable
{
    private readonly WebApplication? _app; // null when there is nothing to listen on
    private readonly SessionRunner _runner;
    private readonly IReadOnlyList<TransportBinding> _bindings;
    private readonly BridgeServices? _bridges;
    private readonly TimeSpan _shutdownTimeout;
    private int _disposed;

    private RouterTransports(WebApplication? app, SessionRunner runner, IReadOnlyList<TransportBinding> bindings, BridgeServices? bridges,
        TimeSpan shutdownTimeout, IReadOnlyList<StartedTransport> transports)
    {
        _app = app;
        _runner = runner;
        _bindings = bindings;
        _bridges = bridges;
        _shutdownTimeout = shutdownTimeout;
        Transports = transports;
    }

    /// <summary>Started transports in configuration order.</summary>
    public IReadOnlyList<StartedTransport> Transports { get; }

    public StartedTransport this[string id]
        => Transports.FirstOrDefault(t => t.Id == id) ?? throw new KeyNotFoundException($"no transport '{id}'");

    /// <summary>Connections currently handed to the session handler.</summary>
    public int ActiveConnections => _runner.ActiveCount;

    /// <summary>
    /// Starts the transports with every connection served by <paramref name="router"/>; HTTP bridge paths
    /// (publisher, caller, webhook) get embedded sessions on it.
    /// </summary>
    public static Task<RouterTransports> StartAsync(IReadOnlyList<TransportConfig> transports, WampRouter router,
        ILoggerFactory? loggerFactory = null, RouterTransportsOptions? options = null, CancellationToken cancellationToken = default)
        => StartCoreAsync(transports, router.ServeAsync, router, loggerFactory, options, cancellationToken);

    /// <summary>
    /// Binds every transport (port 0 = a free port, see <see cref="Transports"/>) and starts serving;
    /// each established WAMP connection goes to <paramref name="sessionHandler"/>. Without a router there
    /// can be no HTTP bridge paths.
    /// </summary>
    public static Task<RouterTransports> StartAsync(IReadOnlyList<TransportConfig> transports, WampSessionHandler sessionHandler,
        ILoggerFactory? loggerFactory = null, RouterTransportsOptions? options = null, CancellationToken cancellationToken = default)
        => StartCoreAsync(transports, sessionHandler, null, loggerFactory, options, cancellationToken);

    private static async Task<RouterTransports> StartCoreAsync(IReadOnlyList<TransportConfig> transports, WampSessionHandler sessionHandler,
        WampRouter? router, ILoggerFactory? loggerFactory, RouterTransportsOptions? options, CancellationToken cancellationToken)
    {
        loggerFactory ??= NullLoggerFactory.Instance;
        options ??= new RouterTransportsOptions();
        var logger = loggerFactory.CreateLogger("PluginHost.Listeners");
        var runner = new SessionRunner(sessionHandler, logger);
        var bindings = transports.Select(t => new TransportBinding(t)).ToList();
        // Kestrel without endpoints would bind its default localhost:5000.
        if (bindings.Count == 0) return new RouterTransports(null, runner, bindings, null, options.ShutdownTimeout, []);

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddLogging();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>(); // the node owns signals, not this server
        builder.Services.AddDirectoryBrowser();
        builder.Services.AddHttpForwarder();                            // reverseproxy, websocket-reverseproxy paths
        builder.Services.AddSingleton<Proxy.ProxyServices>();            // their backend clients, disposed with the app
        if (RouterMetricsExport.IsWanted(transports)) RouterMetricsExport.AddTo(builder.Services); // metrics paths
        builder.WebHost.UseKestrelCore();
        builder.WebHost.UseSockets(o =>
        {
            o.UnsafePreferInlineScheduling = options.InlineScheduling;
            o.Backlog = Math.Max(512, transports.Select(t => t.Endpoint.Backlog).DefaultIfEmpty(0).Max());
        });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            foreach (var binding in bindings)
                kestrel.Listen(TransportNet.BindAddress(binding.Config.Endpoint), binding.Config.Endpoint.Port, l => binding.Configure(l, logger));
        });

        var app = builder.Build();
        var bridges = new BridgeServices(router, loggerFactory.CreateLogger("PluginHost.Listeners.Bridge"));
        try
        {
            foreach (var binding in bindings)
                binding.CreateServices(app.Services, runner, bridges, logger);
            await bridges.StartAsync(cancellationToken).ConfigureAwait(false); // sessions join before anyone can send a request
            app.Run(context => context.Features.Get<TransportBinding>()?.Http?.Invoke(context) ?? NotFound(context));
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await bridges.DisposeAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var started = new List<StartedTransport>();
        foreach (var binding in bindings)
        {
            started.Add(binding.Describe(out var line));
            logger.TransportStarted(binding.Config.Id, line);
        }
        return new RouterTransports(app, runner, bindings, bridges, options.ShutdownTimeout, started);
    }

    private static Task NotFound(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    /// <summary>Stops listening, closes every connection and waits (up to the shutdown timeout) for them to end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _runner.StopAsync(_shutdownTimeout).ConfigureAwait(false);
        if (_app is not null)
        {
            using (var timeout = new CancellationTokenSource(_shutdownTimeout))
            {
                try { await _app.StopAsync(timeout.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { }
            }
            // After the server stopped: requests still in flight had their chance to finish.
            if (_bridges is not null) await _bridges.DisposeAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var binding in _bindings) await binding.DisposeAsync().ConfigureAwait(false);
        _runner.Dispose();
    }

    /// <summary>No console/signal handling: the embedding process decides when to stop.</summary>
    private sealed class EmbeddedHostLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
