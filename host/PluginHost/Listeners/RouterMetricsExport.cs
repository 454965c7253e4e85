using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using PluginHost.Wamp.Metrics;

namespace PluginHost.Listeners;

/// <summary>
/// The listener behind web paths of type "metrics": an OpenTelemetry MeterProvider on the transports' web app that
/// collects the "PluginHost.Router" meter (Wamp/Metrics/RouterMetrics.cs) and the node's "PluginHost.Node" meter
/// (Node/Status/NodeMetrics.cs: workers and components) for the Prometheus exporter middleware.
/// OpenTelemetry rather than prometheus-net: its exporter applies OpenTelemetry's naming rules for Prometheus (unit
/// suffixes, _total on counters, dots to underscores) to our System.Diagnostics.Metrics instruments as they are,
/// the same SDK can later add an OTLP exporter, and it is only set up when a config asks for a metrics path, so a
/// router without one has no listener and its instruments stay disabled.
/// </summary>
internal static class RouterMetricsExport
{
    public static bool IsWanted(IEnumerable<TransportConfig> transports) => transports
        .Select(t => t switch { WebTransportConfig w => w.Paths, UniversalTransportConfig u => u.Paths, _ => null })
        .Any(paths => paths is not null && WebPipeline.Flatten(paths).Any(p => p.Service is MetricsPathConfig));

    public static void AddTo(IServiceCollection services)
    {
        Node.Status.NodeMetrics.EnsureCreated();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
        .AddMeter(RouterMetrics.MeterName, Node.Status.NodeMetrics.MeterName)
        // No response cache: a scrape sees what happened up to it (the default caches answers for 300 ms).
        .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
    }
}
