using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using PluginHost.Wamp.Transport;
using PluginHost.Listeners.Bridge;
using PluginHost.Listeners.Proxy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry.Metrics;
using PluginHost.Listeners.Static;

namespace PluginHost.Listeners;

/// <summary>
/// Builds the HTTP pipeline of a web transport from its path map (Crossbar paths.*): keys are
/// single segments, "/" is the root that serves whatever no other segment matches, and
/// type "path" nests a map below a segment. Requests that match nothing get 404.
/// </summary>
internal static class WebPipeline
{
    public static RequestDelegate Build(IServiceProvider services, IReadOnlyDictionary<string, WebPathConfig> paths,
        Func<WebSocketServiceConfig, WebSocketService> webSocket, Func<BridgePathConfig, RequestDelegate>? bridge = null)
    {
        bridge ??= b => throw new InvalidOperationException($"no HTTP bridge for {b.GetType().Name}");
        var app = new ApplicationBuilder(services);
        // Below the WebSocket: a stream that lets a session writer send a batch of frames in one write.
        app.Use((context, next) =>
        {
            if (context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade)
                context.Features.Set<IHttpUpgradeFeature>(new CoalescingUpgradeFeature(upgrade, context.Features));
            return next(context);
        });
        app.UseWebSockets();
        AddPaths(app, paths, webSocket, bridge);
        return app.Build(); // ApplicationBuilder's terminal answers 404
    }

    /// <summary>Every service with its full path, for logs and URLs.</summary>
    public static IEnumerable<(string Path, WebPathConfig Service)> Flatten(IReadOnlyDictionary<string, WebPathConfig> paths, string prefix = "")
    {
        foreach (var (segment, service) in paths.OrderBy(p => p.Key == "/" ? "" : p.Key, StringComparer.Ordinal))
        {
            string path = segment == "/" ? (prefix == "" ? "/" : prefix) : $"{prefix}/{segment}";
            if (service is NestedPathConfig nested)
                foreach (var inner in Flatten(nested.Paths, path == "/" ? "" : path)) yield return inner;
            else
                yield return (path, service);
        }
    }

    /// <summary>
    /// The websocket service a request for <paramref name="path"/> (decoded, no query) reaches in the pipeline that
    /// <see cref="Build"/> makes from <paramref name="paths"/>, or null: the same matching as AddPaths (app.Map of
    /// each segment, case-insensitive, the segment's service answering below it too; then the root "/").
    /// </summary>
    public static WebSocketServiceConfig? FindWebSocket(IReadOnlyDictionary<string, WebPathConfig> paths, string path)
    {
        foreach (var (segment, service) in paths)
        {
            if (segment == "/") continue;
            int length = segment.Length + 1;
            if (path.Length >= length && path[0] == '/' && path.AsSpan(1, segment.Length).Equals(segment, StringComparison.OrdinalIgnoreCase)
                && (path.Length == length || path[length] == '/'))
                return WebSocketAt(service, path[length..]);
        }
        return paths.TryGetValue("/", out var root) ? WebSocketAt(root, path) : null;
    }

    private static WebSocketServiceConfig? WebSocketAt(WebPathConfig service, string rest) => service switch
    {
        WebSocketPathConfig w => w.WebSocket,
        NestedPathConfig n => FindWebSocket(n.Paths, rest),
        _ => null,
    };

    public static string Describe(WebPathConfig service) => service switch
    {
        StaticPathConfig => "static",
        WebSocketPathConfig => "websocket",
        RedirectPathConfig => "redirect",
        JsonPathConfig => "json",
        NodeInfoPathConfig => "node info",
        MetricsPathConfig => "metrics (Prometheus)",
        HealthPathConfig => "health (readiness, JSON)",
        DashboardPathConfig d => $"dashboard of realm {d.Realm}",
        NotFoundPathConfig => "none (404)",
        PublisherPathConfig p => $"http bridge publisher on {p.Realm}",
        CallerPathConfig c => $"http bridge caller on {c.Realm}",
        WebhookPathConfig w => $"http bridge webhook to {w.Topic}",
        ReverseProxyPathConfig p => $"reverse proxy to {p.BackendUrl}",
        WebSocketProxyPathConfig p => $"websocket reverse proxy to {p.Url}",
        _ => "path",
    };

    private static void AddPaths(IApplicationBuilder app, IReadOnlyDictionary<string, WebPathConfig> paths,
        Func<WebSocketServiceConfig, WebSocketService> webSocket, Func<BridgePathConfig, RequestDelegate> bridge)
    {
        foreach (var (segment, service) in paths)
        {
            if (segment == "/") continue;
            app.Map("/" + segment, branch => AddService(branch, service, webSocket, bridge));
        }
        if (paths.TryGetValue("/", out var root))
            AddService(app, root, webSocket, bridge);
    }

    private static void AddService(IApplicationBuilder app, WebPathConfig service, Func<WebSocketServiceConfig, WebSocketService> webSocket,
        Func<BridgePathConfig, RequestDelegate> bridge)
    {
        switch (service)
        {
            case StaticPathConfig s:
                AddStatic(app, s);
                break;
            case WebSocketPathConfig w:
                app.Run(webSocket(w.WebSocket).HandleAsync);
                break;
            case RedirectPathConfig r:
                app.Run(context =>
                {
                    context.Response.Redirect(r.Url); // 302 Found
                    return Task.CompletedTask;
                });
                break;
            case JsonPathConfig j:
                byte[] body = Encoding.UTF8.GetBytes(j.Value.GetRawText());
                app.Run(context => LeafResponse.WriteAsync(context, "application/json; charset=utf-8", body, live: false));
                break;
            case NodeInfoPathConfig:
                app.Run(NodeInfoPage.ServeAsync);
                break;
            case HealthPathConfig:
                app.Run(HealthPage.ServeAsync);
                break;
            case DashboardPathConfig d:
                app.Run(DashboardPage.For(d));
                break;
            case MetricsPathConfig:
                // A leaf like json: the exporter answers at the path itself; below it falls through to 404.
                app.UseOpenTelemetryPrometheusScrapingEndpoint(meterProvider: null, predicate: context => context.Request.Path.Value is "" or "/",
                    path: null, configureBranchedPipeline: null, optionsName: null);
                break;
            case NotFoundPathConfig:
                app.Run(context =>
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                });
                break;
            case NestedPathConfig n:
                AddPaths(app, n.Paths, webSocket, bridge);
                break;
            case BridgePathConfig b:
                // Like Crossbar's leaf resources, the service also answers below its path.
                app.Run(bridge(b));
                break;
            case ReverseProxyPathConfig p:
                app.Run(Proxies(app).Create(p));
                break;
            case WebSocketProxyPathConfig p:
                app.Run(Proxies(app).Create(p));
                break;
            default:
                throw new NotSupportedException($"web path service {service.GetType().Name} is not supported");
        }
    }

    private static ProxyServices Proxies(IApplicationBuilder app)
        => app.ApplicationServices.GetService<ProxyServices>()
            ?? throw new InvalidOperationException("reverse proxy paths need the transports' ProxyServices");

    private static void AddStatic(IApplicationBuilder app, StaticPathConfig config)
    {
        var log = (app.ApplicationServices.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("PluginHost.Listeners.Static");
        var files = new ContainedFileProvider(config.Directory, config.Symlinks, log);
        app.ApplicationServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(files.Dispose);
        var contentTypes = new FileExtensionContentTypeProvider();
        foreach (var (extension, type) in config.MimeTypes)
            contentTypes.Mappings[extension.StartsWith('.') ? extension : "." + extension] = type;

        // cache_timeout (seconds) becomes Cache-Control max-age; null sends no caching header.
        string? cacheControl = config.CacheTimeout is int seconds ? $"public, max-age={seconds}" : null;

        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, DefaultFileNames = ["index.html"] });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            ContentTypeProvider = contentTypes,
            ServeUnknownFileTypes = true,
            DefaultContentType = "application/octet-stream",
            OnPrepareResponse = cacheControl is null ? _ => { } : r => r.Context.Response.Headers.CacheControl = cacheControl,
        });
        if (config.EnableDirectoryListing)
            app.UseDirectoryBrowser(new DirectoryBrowserOptions { FileProvider = files });
        if (config.DefaultFile is { } defaultFile)
            app.Run(context => ServeDefaultFileAsync(context, files, contentTypes, defaultFile, cacheControl));
    }

    /// <summary>default_file: what a GET that matched no file gets (single-page apps route on the client).</summary>
    private static async Task ServeDefaultFileAsync(HttpContext context, ContainedFileProvider files, FileExtensionContentTypeProvider contentTypes,
        string defaultFile, string? cacheControl)
    {
        var file = files.GetFileInfo(defaultFile);
        bool head = HttpMethods.IsHead(context.Request.Method);
        if (!file.Exists || file.IsDirectory || !(head || HttpMethods.IsGet(context.Request.Method)))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        context.Response.ContentType = contentTypes.TryGetContentType(defaultFile, out var type) ? type : "application/octet-stream";
        context.Response.ContentLength = file.Length;
        if (cacheControl is not null) context.Response.Headers.CacheControl = cacheControl;
        if (!head) await context.Response.SendFileAsync(file).ConfigureAwait(false);
    }
}

/// <summary>
/// Wraps the upgraded (opaque) stream in a <see cref="CoalescingStream"/> and leaves it in the
/// request's features, where <see cref="WebSocketService"/> finds it for the session's connection.
/// </summary>
internal sealed class CoalescingUpgradeFeature(IHttpUpgradeFeature inner, IFeatureCollection features) : IHttpUpgradeFeature
{
    public bool IsUpgradableRequest => inner.IsUpgradableRequest;

    public async Task<Stream> UpgradeAsync()
    {
        var stream = new CoalescingStream(await inner.UpgradeAsync().ConfigureAwait(false));
        features.Set(stream);
        return stream;
    }
}
