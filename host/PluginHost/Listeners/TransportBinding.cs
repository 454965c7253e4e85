using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;
using PluginHost.Listeners.Bridge;

namespace PluginHost.Listeners;

/// <summary>
/// One configured transport on its Kestrel listener: the connection middleware for its
/// endpoint, and the services (RawSocket, HTTP pipeline) its connections go to.
/// </summary>
internal sealed class TransportBinding(TransportConfig config) : IAsyncDisposable
{
    public TransportConfig Config { get; } = config;
    public ListenOptions? Listen { get; private set; }
    public RawSocketService? RawSocket { get; private set; }
    public RequestDelegate? Http { get; private set; }
    public WebSocketService? WebSocket { get; private set; }
    private readonly List<(string Path, WebPathConfig Service)> _paths = [];
    private readonly Dictionary<WebSocketServiceConfig, WebSocketService> _pathSockets = new(ReferenceEqualityComparer.Instance);

    private bool Tls => Config.Endpoint.Tls is not null;

    /// <summary>Kestrel listener setup. Runs before <see cref="CreateServices"/>; the middleware reads the services per connection.</summary>
    public void Configure(ListenOptions listen, ILogger logger)
    {
        Listen = listen;
        listen.Protocols = HttpProtocols.Http1; // WebSocket upgrades are HTTP/1.1; static files are fine with it
        if (Config.Endpoint.Tls is { } tls)
        {
            listen.UseHttps(TlsClientIdentity.HttpsOptions(tls, TlsClientIdentity.UsesTlsAuth(Config)));
            // Client certificate and tls-unique, for authentication (RawSocketService and WebSocketService read it).
            listen.Use(next => context =>
            {
                if (context.Features.Get<ISslStreamFeature>()?.SslStream is { } ssl) context.Features.Set(TlsClientIdentity.Describe(ssl));
                return next(context);
            });
        }
        switch (Config)
        {
            case RawSocketTransportConfig:
                listen.Run(context => RawSocket!.HandleAsync(context));
                return; // no HTTP behind it
            case UniversalTransportConfig:
                listen.Use(next => context => RawSocketService.Demultiplex(RawSocket, Http is null ? Reject : next, logger)(context));
                break;
        }
        // A WAMP WebSocket upgrade is answered on the connection itself; every other request goes on to HTTP.
        listen.Use(next => context => _findWebSocket is { } find ? WebSocketUpgrade.HandleAsync(context, next, find, logger) : next(context));
        // HTTP requests find their transport through this connection feature. Set only on the way into the HTTP pipeline:
        // the first feature a connection gets beyond Kestrel's own allocates its extra-features list (~180 B), which a
        // directly served WebSocket session or a RawSocket one would hold for its life unread (issue 13).
        listen.Use(next => context =>
        {
            context.Features.Set(this);
            return next(context);
        });
    }

    // The WAMP WebSocket endpoint a request path is routed to (as the HTTP pipeline routes it); set by CreateServices.
    private Func<string, WebSocketService?>? _findWebSocket;

    private static Task Reject(ConnectionContext context) => Task.CompletedTask;

    public void CreateServices(IServiceProvider services, SessionRunner runner, BridgeServices bridges, ILogger logger)
    {
        WebSocketService ForPath(WebSocketServiceConfig ws)
        {
            if (!_pathSockets.TryGetValue(ws, out var service))
                _pathSockets[ws] = service = new WebSocketService(Config.Id, ws, runner, logger);
            return service;
        }

        switch (Config)
        {
            case WebSocketTransportConfig ws:
                WebSocket = new WebSocketService(Config.Id, ws.WebSocket, runner, logger);
                _findWebSocket = _ => WebSocket; // its pipeline serves every path
                Http = WebPipeline.Build(services, new Dictionary<string, WebPathConfig> { ["/"] = new WebSocketPathConfig { WebSocket = ws.WebSocket } },
                    _ => WebSocket);
                break;
            case RawSocketTransportConfig rs:
                RawSocket = new RawSocketService(Config.Id, rs, runner, logger);
                break;
            case WebTransportConfig web:
                Http = WebPipeline.Build(services, web.Paths, ForPath, bridges.Create);
                _paths.AddRange(WebPipeline.Flatten(web.Paths));
                _findWebSocket = path => PathSocket(WebPipeline.FindWebSocket(web.Paths, path));
                break;
            case UniversalTransportConfig universal:
                if (universal.RawSocket is { } rawSocket)
                    RawSocket = new RawSocketService(Config.Id, rawSocket, runner, logger);
                if (universal.Paths is { } paths)
                {
                    Http = WebPipeline.Build(services, paths, ForPath, bridges.Create);
                    _paths.AddRange(WebPipeline.Flatten(paths));
                    _findWebSocket = path => PathSocket(WebPipeline.FindWebSocket(paths, path));
                }
                break;
            default:
                throw new NotSupportedException($"transport type {Config.GetType().Name} is not supported");
        }
    }

    private WebSocketService? PathSocket(WebSocketServiceConfig? config)
        => config is not null && _pathSockets.TryGetValue(config, out var service) ? service : null;

    /// <summary>The listener's address with the actual port (port 0 binds a free one).</summary>
    public IPEndPoint BoundEndPoint => Listen?.IPEndPoint ?? throw new InvalidOperationException($"transport '{Config.Id}' is not bound");

    public StartedTransport Describe(out string logLine)
    {
        var endPoint = BoundEndPoint;
        var urls = new List<string>();
        var parts = new List<string>();
        if (WebSocket is not null)
        {
            urls.Add(TransportNet.Url(Tls ? "wss" : "ws", endPoint, "/"));
            parts.Add($"{urls[^1]} ({Names(WebSocket.Serializers)})");
        }
        if (RawSocket is not null)
        {
            urls.Add(TransportNet.Url(Tls ? "rss" : "rs", endPoint));
            parts.Add($"{urls[^1]} rawsocket ({Names(RawSocket.Serializers)})");
        }
        foreach (var (path, service) in _paths)
        {
            if (service is WebSocketPathConfig ws)
            {
                urls.Add(TransportNet.Url(Tls ? "wss" : "ws", endPoint, path));
                parts.Add($"{urls[^1]} ({Names(_pathSockets[ws.WebSocket].Serializers)})");
            }
            else
            {
                // A WebSocket proxy is reached with ws://, like a websocket path; everything else with http://.
                urls.Add(TransportNet.Url(service is WebSocketProxyPathConfig ? (Tls ? "wss" : "ws") : (Tls ? "https" : "http"), endPoint, path));
                parts.Add($"{urls[^1]} ({WebPipeline.Describe(service)})");
            }
        }
        logLine = string.Join(", ", parts);
        return new StartedTransport(Config.Id, TypeName, endPoint, urls);
    }

    private string TypeName => Config switch
    {
        WebSocketTransportConfig => "websocket",
        RawSocketTransportConfig => "rawsocket",
        WebTransportConfig => "web",
        UniversalTransportConfig => "universal",
        _ => Config.GetType().Name,
    };

    private static string Names(IEnumerable<PluginHost.Wamp.Serialization.IWampSerializer> serializers)
        => string.Join(", ", serializers.Select(s => s.Name));

    /// <summary>After the server stopped: the WebSocket services release what they hold (their cookie stores).</summary>
    public async ValueTask DisposeAsync()
    {
        if (WebSocket is not null) await WebSocket.DisposeAsync().ConfigureAwait(false);
        foreach (var service in _pathSockets.Values) await service.DisposeAsync().ConfigureAwait(false);
    }
}
