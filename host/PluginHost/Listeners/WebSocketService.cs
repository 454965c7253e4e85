using System.Net.WebSockets;
using PluginHost.Wamp.Router.Store;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;

namespace PluginHost.Listeners;

/// <summary>
/// A WAMP WebSocket endpoint (a websocket transport, or a websocket path of a web/universal
/// transport): origin check, subprotocol negotiation, then one session per connection.
/// </summary>
internal sealed class WebSocketService : IAsyncDisposable
{
    private readonly string _transportId;
    private readonly WebSocketServiceConfig _config;
    private readonly SessionRunner _runner;
    private readonly ILogger _logger;
    private readonly Regex[]? _origins; // null = any origin ("*")
    private readonly int _maxMessageSize;
    private readonly CookieStore? _cookies; // cookie tracking; null when the transport has no "cookie"

    public WebSocketService(string transportId, WebSocketServiceConfig config, SessionRunner runner, ILogger logger)
    {
        _transportId = transportId;
        _config = config;
        _runner = runner;
        _logger = logger;
        Serializers = WampSerializers.Select(config.Serializers);
        _origins = config.Options.AllowedOrigins.Contains("*") ? null : config.Options.AllowedOrigins.Select(OriginPattern).ToArray();
        long max = config.Options.MaxMessageSize;
        _maxMessageSize = max <= 0 ? WebSocketConnection.DefaultMaxMessageSize : (int)Math.Min(max, int.MaxValue - 1);
        if (config.Cookie is { } cookies) _cookies = new CookieStore(cookies, logger);
    }

    public IReadOnlyList<IWampSerializer> Serializers { get; }

    /// <summary>Crossbar/Autobahn origin wildcards: '*' matches anything, the whole origin must match.</summary>
    private static Regex OriginPattern(string wildcard)
        => new("^" + Regex.Escape(wildcard).Replace(@"\*", ".*") + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await RespondAsync(context, StatusCodes.Status426UpgradeRequired,
                $"This is a WAMP WebSocket endpoint; subprotocols: {SubprotocolList()}").ConfigureAwait(false);
            return;
        }

        string? origin = context.Request.Headers.Origin;
        if (!IsOriginAllowed(origin))
        {
            _logger.OriginRejected(_transportId, origin);
            await RespondAsync(context, StatusCodes.Status403Forbidden, $"origin '{origin}' is not allowed").ConfigureAwait(false);
            return;
        }

        var (serializer, protocol, error) = Negotiate(context.WebSockets.WebSocketRequestedProtocols);
        bool batched = protocol?.EndsWith(BatchedFraming.Suffix, StringComparison.OrdinalIgnoreCase) == true;
        if (serializer is null)
        {
            _logger.WebSocketRejected(_transportId, error);
            await RespondAsync(context, StatusCodes.Status400BadRequest, error!).ConfigureAwait(false);
            return;
        }

        var options = _config.Options;
        var accept = new WebSocketAcceptContext
        {
            SubProtocol = protocol,
            // auto_ping_interval: server pings at this interval (0 = off); auto_ping_timeout: drop when no pong arrives in time.
            KeepAliveInterval = options.AutoPingIntervalMs > 0 ? TimeSpan.FromMilliseconds(options.AutoPingIntervalMs) : TimeSpan.Zero,
            KeepAliveTimeout = options.AutoPingIntervalMs > 0 && options.AutoPingTimeoutMs > 0
                ? TimeSpan.FromMilliseconds(options.AutoPingTimeoutMs) : Timeout.InfiniteTimeSpan,
            // compression.deflate: permessage-deflate when the client offers it (most browsers and Node's ws do).
            DangerousEnableCompression = options.Deflate is not null,
            DisableServerContextTakeover = options.Deflate?.NoContextTakeover ?? false,
            ServerMaxWindowBits = options.Deflate?.MaxWindowBits ?? 15,
        };
        var auth = _config.Auth;
        if (_cookies is not null)
        {
            // Cookie tracking (Crossbar's cbtid): a known, unexpired cookie identifies the browser; otherwise a new one is set in
            // the 101 response. Authentication then sees it per connection (Router/Store/CookieStore.cs).
            var cookie = _cookies.Find(context.Request.Cookies[_cookies.Config.Name]);
            if (cookie is null)
            {
                cookie = _cookies.Create();
                context.Response.Headers.Append("Set-Cookie", _cookies.SetCookieHeader(cookie));
            }
            auth = auth with { Cookie = new ConnectionCookie(_cookies, cookie.Id) };
        }
        WebSocket socket;
        try
        {
            socket = await context.WebSockets.AcceptWebSocketAsync(accept).ConfigureAwait(false);
        }
        catch (Exception e) when (SessionRunner.IsConnectionFailure(e) || e is OperationCanceledException)
        {
            _logger.UpgradeFailed(_transportId, e.Message);
            return;
        }
        var details = new TransportDetails("websocket", serializer.Name, TransportNet.PeerString(context.Connection.RemoteIpAddress, context.Connection.RemotePort),
            protocol)
        {
            Tls = context.Features.Get<TlsDetails>(),
        };
        var connection = new WebSocketConnection(socket, serializer, details, _maxMessageSize, context.Features.Get<CoalescingStream>(), batched,
            abortTransport: context.Abort)
        {
            Traffic = new Wamp.Metrics.TransportTraffic(serializer.Name),
        };
        await _runner.RunAsync(_transportId, connection, auth).ConfigureAwait(false);
    }

    private bool IsOriginAllowed(string? origin)
    {
        if (_origins is null) return true;
        // No Origin header: not a browser, the same-origin policy does not apply.
        if (string.IsNullOrEmpty(origin)) return true;
        if (origin == "null") return _config.Options.AllowNullOrigin;
        foreach (var pattern in _origins)
            if (pattern.IsMatch(origin)) return true;
        return false;
    }

    /// <summary>
    /// Picks the client's first offered subprotocol that we support. With no subprotocol offered,
    /// JSON is used unless require_websocket_subprotocol is set.
    /// </summary>
    internal (IWampSerializer? Serializer, string? Protocol, string? Error) Negotiate(IList<string> offered)
    {
        if (offered.Count == 0)
        {
            if (_config.Options.RequireWebSocketSubprotocol)
                return (null, null, $"WebSocket subprotocol required; offer one of: {SubprotocolList()}");
            return (Serializers.FirstOrDefault(s => s.Name == "json") ?? Serializers[0], null, null);
        }
        // The client's order is its preference; each serializer is offered plain and batched (as Crossbar does).
        foreach (var protocol in offered)
            foreach (var serializer in Serializers)
                if (string.Equals(serializer.Subprotocol, protocol, StringComparison.OrdinalIgnoreCase)
                    || string.Equals(serializer.Subprotocol + BatchedFraming.Suffix, protocol, StringComparison.OrdinalIgnoreCase))
                    return (serializer, protocol, null);
        return (null, null, $"no supported WAMP subprotocol among [{string.Join(", ", offered)}]; supported: {SubprotocolList()}");
    }

    private string SubprotocolList() => string.Join(", ", Serializers.SelectMany(s => new[] { s.Subprotocol, s.Subprotocol + BatchedFraming.Suffix }));

    private static Task RespondAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(message + "\n");
    }

    /// <summary>Closes the cookie store (its persistent file, when it has one).</summary>
    public ValueTask DisposeAsync() => _cookies?.DisposeAsync() ?? ValueTask.CompletedTask;
}
