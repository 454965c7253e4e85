using System.Buffers;
using System.Net.WebSockets;
using PluginHost.Wamp.Router.Store;
using System.Text.RegularExpressions;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using PluginHost.Wamp.Router;
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
    private readonly WebSocketKeepAlive? _keepAlive; // auto_ping for the sessions served directly (WebSocketUpgrade)

    public WebSocketService(string transportId, WebSocketServiceConfig config, SessionRunner runner, ILogger logger)
    {
        _transportId = transportId;
        _config = config;
        _runner = runner;
        _logger = logger;
        Serializers = WampSerializers.SelectForRouting(config.Serializers);
        _origins = config.Options.AllowedOrigins.Contains("*") ? null : config.Options.AllowedOrigins.Select(OriginPattern).ToArray();
        long max = config.Options.MaxMessageSize;
        _maxMessageSize = max <= 0 ? WebSocketConnection.DefaultMaxMessageSize : (int)Math.Min(max, int.MaxValue - 1);
        if (config.Cookie is { } cookies) _cookies = new CookieStore(cookies, logger);
        var options = config.Options;
        if (options.AutoPingIntervalMs > 0)
            _keepAlive = new WebSocketKeepAlive(TimeSpan.FromMilliseconds(options.AutoPingIntervalMs), TimeSpan.FromMilliseconds(options.AutoPingTimeoutMs));
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
        bool batched = IsBatched(protocol);
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
        var auth = TrackCookie(_cookies is null ? null : context.Request.Cookies[_cookies.Config.Name], out string? setCookie);
        if (setCookie is not null) context.Response.Headers.Append("Set-Cookie", setCookie);
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
            Traffic = Wamp.Metrics.TransportTraffic.For(serializer.Name),
        };
        await _runner.RunAsync(_transportId, connection, auth).ConfigureAwait(false);
    }

    /// <summary>
    /// Cookie tracking (Crossbar's cbtid): a known, unexpired cookie identifies the browser; otherwise a new one is set in
    /// the 101 response (<paramref name="setCookie"/>). Authentication then sees it per connection (Router/Store/CookieStore.cs).
    /// </summary>
    private TransportAuthConfig TrackCookie(string? sent, out string? setCookie)
    {
        setCookie = null;
        if (_cookies is null) return _config.Auth;
        var cookie = _cookies.Find(sent);
        if (cookie is null)
        {
            cookie = _cookies.Create();
            setCookie = _cookies.SetCookieHeader(cookie);
        }
        return _config.Auth with { Cookie = new ConnectionCookie(_cookies, cookie.Id) };
    }

    /// <summary>What a directly served upgrade (<see cref="WebSocketUpgrade"/>) was accepted with.</summary>
    internal sealed record DirectAccept(IWampSerializer Serializer, string? Protocol, bool Batched);

    /// <summary>
    /// Whether <see cref="WebSocketUpgrade"/> may serve this upgrade itself: the origin is allowed, a subprotocol is
    /// agreed, and no permessage-deflate is to be negotiated. Null leaves the request to <see cref="HandleAsync"/>, which
    /// refuses (and logs) it or negotiates what the direct path does not.
    /// </summary>
    internal DirectAccept? AcceptsDirectly(WebSocketHandshake request)
    {
        if (!IsOriginAllowed(request.Origin)) return null;
        if (request.OffersDeflate && _config.Options.Deflate is not null) return null;
        var (serializer, protocol, _) = Negotiate(request.Protocols);
        if (serializer is null) return null;
        return new DirectAccept(serializer, protocol, IsBatched(protocol));
    }

    /// <summary>A ".batched" subprotocol: one WebSocket message carries a batch of WAMP messages (BatchedFraming).</summary>
    private static bool IsBatched(string? protocol) => protocol?.EndsWith(BatchedFraming.Suffix, StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>
    /// Answers the upgrade (101) on the connection itself and runs the session on its pipe until it ends. The request
    /// is read here, before the first await: the session's state machine keeps none of it.
    /// </summary>
    internal Task RunDirectAsync(ConnectionContext context, WebSocketHandshake request, DirectAccept accept)
    {
        var auth = TrackCookie(SentCookie(request), out string? setCookie);
        var details = new TransportDetails("websocket", accept.Serializer.Name, TransportNet.PeerString(context.RemoteEndPoint), accept.Protocol)
        {
            Tls = context.Features.Get<TlsDetails>(),
        };
        var connection = new PipeWebSocketConnection(context.Transport, accept.Serializer, details, AbortConnection, context, _maxMessageSize, accept.Batched)
        {
            Traffic = Wamp.Metrics.TransportTraffic.For(accept.Serializer.Name),
        };
        request.WriteAccept(context.Transport.Output, accept.Protocol, setCookie);
        return ServeDirectAsync(context, context.Transport.Output.FlushAsync(), connection, auth);
    }

    private static readonly Action<object, string> AbortConnection
        = static (context, reason) => ((ConnectionContext)context).Abort(new ConnectionAbortedException(reason));

    private async Task ServeDirectAsync(ConnectionContext context, ValueTask<FlushResult> accepted, PipeWebSocketConnection connection,
        TransportAuthConfig auth)
    {
        try
        {
            var flush = await accepted.ConfigureAwait(false);
            if (flush.IsCompleted || flush.IsCanceled) return;
        }
        catch (Exception e) when (SessionRunner.IsConnectionFailure(e) || e is OperationCanceledException)
        {
            _logger.UpgradeFailed(_transportId, e.Message);
            return;
        }
        using (_keepAlive?.Add(connection))
            await _runner.RunAsync(_transportId, connection, auth).ConfigureAwait(false);
        await ConnectionDrain.CloseOrAbortAsync(context, _transportId, connection.Details.Peer ?? "", _logger).ConfigureAwait(false);
    }

    /// <summary>The tracking cookie's value among the request's Cookie headers, or null.</summary>
    private string? SentCookie(WebSocketHandshake request)
    {
        if (_cookies is null || request.Cookies.Count == 0) return null;
        if (!CookieHeaderValue.TryParseList(request.Cookies, out var cookies)) return null;
        foreach (var cookie in cookies)
            if (cookie.Name.Equals(_cookies.Config.Name, StringComparison.Ordinal)) return cookie.Value.ToString();
        return null;
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

    /// <summary>Stops the keep-alive and closes the cookie store (its persistent file, when it has one).</summary>
    public ValueTask DisposeAsync()
    {
        _keepAlive?.Dispose();
        return _cookies?.DisposeAsync() ?? ValueTask.CompletedTask;
    }
}
