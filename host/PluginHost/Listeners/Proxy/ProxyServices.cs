using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace PluginHost.Listeners.Proxy;

/// <summary>
/// Creates the reverse proxy services of a router's web transports (one YARP <see cref="IHttpForwarder"/> for all)
/// and owns their backend connections: a singleton of the transports' server, disposed with it.
/// </summary>
internal sealed class ProxyServices(IHttpForwarder forwarder, ILoggerFactory loggerFactory) : IDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("PluginHost.Listeners.Proxy");
    private readonly List<HttpMessageInvoker> _clients = [];
    private readonly Lock _gate = new();

    public RequestDelegate Create(ReverseProxyPathConfig config)
        => new ReverseProxyService(config, forwarder, Client(TimeSpan.FromSeconds(10)), _logger).HandleAsync;

    public RequestDelegate Create(WebSocketProxyPathConfig config)
        => new WebSocketProxyService(config, forwarder, Client(config.ConnectTimeout), _logger).HandleAsync;

    /// <summary>An HTTP client for forwarding: no proxy, redirects, cookies, decompression or tracing headers of its own.</summary>
    private HttpMessageInvoker Client(TimeSpan connectTimeout)
    {
        var client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ActivityHeadersPropagator = null,
            ConnectTimeout = connectTimeout,
        });
        lock (_gate) _clients.Add(client);
        return client;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var client in _clients) client.Dispose();
            _clients.Clear();
        }
    }

    /// <summary>The client's address as Crossbar forwards it (IPv4-mapped IPv6 shown as IPv4).</summary>
    internal static string? ClientIp(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null) return null;
        return (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
    }

    /// <summary>Replaces a request header (Crossbar sets these, it does not append).</summary>
    internal static void SetHeader(HttpRequestMessage request, string name, string? value)
    {
        request.Headers.Remove(name);
        if (value is not null) request.Headers.TryAddWithoutValidation(name, value);
    }

    /// <summary>Sends a short text answer when the forwarder failed before the backend's response started.</summary>
    internal static async Task AnswerFailureAsync(HttpContext context, ForwarderError error, string backend, ILogger logger)
    {
        var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        if (error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.UpgradeRequestCanceled
            or ForwarderError.ResponseBodyCanceled or ForwarderError.UpgradeResponseCanceled)
        {
            logger.ProxyClientGone(backend, error);
            return;
        }
        logger.ProxyFailed(backend, error, exception?.GetBaseException().Message);
        if (context.Response.HasStarted) return; // YARP has cut the response off; nothing more to say
        int status = context.Response.StatusCode is >= 500 and < 600 ? context.Response.StatusCode : StatusCodes.Status502BadGateway;
        context.Response.Clear();
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        var reason = status == StatusCodes.Status504GatewayTimeout ? "did not answer in time" : "is not reachable";
        var detail = exception?.GetBaseException().Message is { Length: > 0 } m ? $" ({m})" : "";
        await context.Response.WriteAsync($"{status} {ReasonPhrase(status)}: backend {backend} {reason}{detail}\n").ConfigureAwait(false);
    }

    private static string ReasonPhrase(int status) => status switch
    {
        StatusCodes.Status502BadGateway => "Bad Gateway",
        StatusCodes.Status504GatewayTimeout => "Gateway Timeout",
        _ => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status),
    };
}
