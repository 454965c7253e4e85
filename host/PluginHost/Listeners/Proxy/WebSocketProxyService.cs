using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace PluginHost.Listeners.Proxy;

/// <summary>
/// Crossbar's "websocket-reverseproxy" web service: a WebSocket upgrade request is forwarded with YARP to the backend
/// endpoint (host:port) for the backend URL's path, with the client's headers, so its subprotocol offer reaches the
/// backend and the backend's choice comes back. After the 101 the connection is relayed both ways, frames untouched,
/// until either side closes. Not a WebSocket request: 426. Backend not reachable: 502 before any upgrade.
/// </summary>
internal sealed class WebSocketProxyService
{
    private static readonly ForwarderRequestConfig RequestConfig = new()
    {
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        // A WAMP session may be quiet for long: as in Crossbar, the relay lasts until one side closes.
        ActivityTimeout = Timeout.InfiniteTimeSpan,
    };

    private readonly WebSocketProxyPathConfig _config;
    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _client;
    private readonly ILogger _logger;
    private readonly string _destinationPrefix;
    private readonly string _backend;
    private readonly Regex[]? _origins; // null = any origin
    private readonly Transformer _transformer;

    public WebSocketProxyService(WebSocketProxyPathConfig config, IHttpForwarder forwarder, HttpMessageInvoker client, ILogger logger)
    {
        _config = config;
        _forwarder = forwarder;
        _client = client;
        _logger = logger;
        var host = config.Host.Contains(':') ? $"[{config.Host}]" : config.Host;
        _destinationPrefix = $"http://{host}:{config.Port}";
        _backend = $"{config.Url} (via {host}:{config.Port})";
        _origins = config.AllowedOrigins.Contains("*") ? null : config.AllowedOrigins.Select(OriginPattern).ToArray();
        _transformer = new Transformer(config.Url);
    }

    /// <summary>Crossbar/Autobahn origin wildcards, as the websocket service matches them.</summary>
    private static Regex OriginPattern(string wildcard)
        => new("^" + Regex.Escape(wildcard).Replace(@"\*", ".*") + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    public async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await RespondAsync(context, StatusCodes.Status426UpgradeRequired,
                $"This is a WebSocket reverse proxy to {_config.Url}; connect with a WebSocket client").ConfigureAwait(false);
            return;
        }
        string? origin = context.Request.Headers.Origin;
        if (!IsOriginAllowed(origin))
        {
            _logger.ProxyOriginRejected(_backend, origin);
            await RespondAsync(context, StatusCodes.Status403Forbidden, $"origin '{origin}' is not allowed").ConfigureAwait(false);
            return;
        }
        var error = await _forwarder.SendAsync(context, _destinationPrefix, _client, RequestConfig, _transformer).ConfigureAwait(false);
        if (error != ForwarderError.None)
            await ProxyServices.AnswerFailureAsync(context, error, _backend, _logger).ConfigureAwait(false);
    }

    private bool IsOriginAllowed(string? origin)
    {
        if (_origins is null || string.IsNullOrEmpty(origin)) return true; // no Origin: not a browser
        if (origin == "null") return _config.AllowNullOrigin;
        return _origins.Any(p => p.IsMatch(origin));
    }

    private static Task RespondAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(message + "\n");
    }

    /// <summary>Requests the backend URL's path (and query, followed by the client's), with the URL's authority as Host.</summary>
    private sealed class Transformer(Uri url) : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest,
            string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
            var query = QueryString.FromUriComponent(url.Query).Add(httpContext.Request.QueryString);
            proxyRequest.RequestUri = RequestUtilities.MakeDestinationAddress(destinationPrefix, PathString.FromUriComponent(url), query);
            proxyRequest.Headers.Host = url.Authority; // the port only when not the scheme's default
            var clientIp = ProxyServices.ClientIp(httpContext);
            ProxyServices.SetHeader(proxyRequest, "X-Forwarded-For", clientIp);
            ProxyServices.SetHeader(proxyRequest, "X-Forwarded-Proto", httpContext.Request.Scheme);
        }
    }
}
