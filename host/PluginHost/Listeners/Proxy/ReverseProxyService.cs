using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace PluginHost.Listeners.Proxy;

/// <summary>
/// Crossbar's "reverseproxy" web service: a request at the service's path (and below) is forwarded with YARP to
/// http://host:port + path + the rest of the request path, query string kept. The backend's status, headers and
/// body come back as they are; a backend that cannot be reached gives 502 with a short text naming it.
/// </summary>
internal sealed class ReverseProxyService
{
    private static readonly ForwarderRequestConfig RequestConfig = new()
    {
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
    };

    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _client;
    private readonly ILogger _logger;
    private readonly string _destinationPrefix; // http://host:port
    private readonly string _backend;           // for messages
    private readonly Transformer _transformer;

    public ReverseProxyService(ReverseProxyPathConfig config, IHttpForwarder forwarder, HttpMessageInvoker client, ILogger logger)
    {
        _forwarder = forwarder;
        _client = client;
        _logger = logger;
        var host = config.Host.Contains(':') ? $"[{config.Host}]" : config.Host;
        _destinationPrefix = $"http://{host}:{config.Port}";
        _backend = config.BackendUrl;
        _transformer = new Transformer(config, config.Port == 80 ? host : $"{host}:{config.Port}");
    }

    public async Task HandleAsync(HttpContext context)
    {
        var error = await _forwarder.SendAsync(context, _destinationPrefix, _client, RequestConfig, _transformer).ConfigureAwait(false);
        if (error != ForwarderError.None)
            await ProxyServices.AnswerFailureAsync(context, error, _backend, _logger).ConfigureAwait(false);
    }

    /// <summary>Maps the path and sets the headers Crossbar's ExtReverseProxyResource sets.</summary>
    private sealed class Transformer(ReverseProxyPathConfig config, string hostHeader) : HttpTransformer
    {
        private readonly PathString _basePath = config.BasePath == "/" ? PathString.Empty : new PathString(config.BasePath);

        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest,
            string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
            var request = httpContext.Request;
            // Below a Map branch Request.Path is what follows the service's path ("" at the path itself).
            var path = _basePath.Add(request.Path);
            if (!path.HasValue) path = "/";
            proxyRequest.RequestUri = RequestUtilities.MakeDestinationAddress(destinationPrefix, path, request.QueryString);

            proxyRequest.Headers.Host = hostHeader; // the backend's host[:port] (port omitted when 80), as Crossbar
            ProxyServices.SetHeader(proxyRequest, "X-Forwarded-Host", request.Host.HasValue ? request.Host.Value : null);
            var clientIp = ProxyServices.ClientIp(httpContext);
            ProxyServices.SetHeader(proxyRequest, "X-Forwarded-For", clientIp);
            ProxyServices.SetHeader(proxyRequest, "X-Real-IP", clientIp);
            // Crossbar's own fallback is the listening port and http/https; its factory default (80, http) hides it.
            ProxyServices.SetHeader(proxyRequest, "X-Forwarded-Port",
                (config.ForwardedPort ?? httpContext.Connection.LocalPort).ToString(CultureInfo.InvariantCulture));
            ProxyServices.SetHeader(proxyRequest, "X-Forwarded-Proto", config.ForwardedProto ?? request.Scheme);
        }
    }
}
