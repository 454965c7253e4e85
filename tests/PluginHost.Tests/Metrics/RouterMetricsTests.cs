using System.Net;
using System.Text.Json;
using PluginHost.Tests.Support;
using static PluginHost.Tests.Metrics.RouterMetricsTraffic;
using static PluginHost.Tests.Transport.TransportTestKit;

namespace PluginHost.Tests.Metrics;

/// <summary>
/// The router's metrics (Wamp/Metrics/RouterMetrics.cs) on a web path of type "metrics": counts after real WAMP
/// traffic, read from the exposition directly and through a real Prometheus server scraping it.
/// </summary>
public sealed class RouterMetricsTests
{
    private const string AuthFailures = "pluginhost_router_auth_failures_total";

    [Fact]
    public async Task ExpositionCountsTheTrafficOfARealm()
    {
        await using var traffic = await RouterMetricsTraffic.StartAsync();
        using var http = Http(traffic.Web);
        var before = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal("text/plain", before.Content.Headers.ContentType?.MediaType);
        // Auth failures carry no realm (a refused client chooses it): other tests' refusals count too, so compare.
        double authBefore = Sample(await before.Content.ReadAsStringAsync(), AuthFailures, ("error_type", "wamp.error.no_such_realm")) ?? 0;

        await traffic.RunAsync();

        string text = await http.GetStringAsync("/metrics");
        var realm = ("wamp_realm", traffic.Realm);
        Assert.Contains("# TYPE pluginhost_router_calls_total counter", text);
        Assert.Equal(3, Sample(text, "pluginhost_router_sessions", realm)); // callee, subscriber, caller: all still joined
        Assert.Equal(Adds + Fails, Sample(text, "pluginhost_router_calls_total", realm));
        Assert.Equal(Fails, Sample(text, "pluginhost_router_call_errors_total", realm, ("error_type", "com.example.oops")));
        Assert.Equal(Missing, Sample(text, "pluginhost_router_call_errors_total", realm, ("error_type", "wamp.error.no_such_procedure")));
        Assert.Equal(Publications, Sample(text, "pluginhost_router_events_published_total", realm));
        Assert.Equal(Publications, Sample(text, "pluginhost_router_events_delivered_total", realm));
        // Received per serializer: the callee's REGISTERs, YIELDs and its ERROR (json), the subscriber's SUBSCRIBE
        // (msgpack), the caller's CALLs and PUBLISHes (cbor); HELLO is not counted (no realm yet).
        Assert.Equal(2 + Adds + Fails, Sample(text, "pluginhost_router_messages_received_total", realm, ("wamp_serializer", "json")));
        Assert.Equal(1, Sample(text, "pluginhost_router_messages_received_total", realm, ("wamp_serializer", "msgpack")));
        Assert.Equal(Adds + Fails + Missing + Publications, Sample(text, "pluginhost_router_messages_received_total", realm, ("wamp_serializer", "cbor")));
        Assert.True(Sample(text, AuthFailures, ("error_type", "wamp.error.no_such_realm")) >= authBefore + 1, text);
        Assert.Null(Sample(text, "pluginhost_router_slow_consumer_closes_total", realm)); // nothing was slow
        // Bytes by serializer (no realm: counted where frames are read and written). Other tests' traffic in this process
        // counts too, so only that each serializer's traffic shows.
        foreach (var serializer in new[] { "json", "msgpack", "cbor" })
        {
            Assert.True(Sample(text, "pluginhost_router_bytes_received_bytes_total", ("wamp_serializer", serializer)) > 0, text);
            Assert.True(Sample(text, "pluginhost_router_bytes_sent_bytes_total", ("wamp_serializer", serializer)) > 0, text);
        }
        Assert.True(Sample(text, "pluginhost_router_outbound_queued", realm) is null or 0, text); // everyone reads

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/metrics/more")).StatusCode); // a leaf
    }

    [Fact]
    public async Task PrometheusServerScrapesTheRouter()
    {
        string prometheus = "/usr/bin/prometheus"; // Debian's prometheus (test.sh installs it)
        Assert.True(File.Exists(prometheus), "Debian's prometheus is not installed (apt-get install prometheus)");
        await using var traffic = await RouterMetricsTraffic.StartAsync();
        await traffic.RunAsync();

        var dir = Directory.CreateTempSubdirectory("pluginhost-prometheus-");
        try
        {
            string config = Path.Combine(dir.FullName, "prometheus.yml");
            File.WriteAllText(config, $$"""
                global:
                  scrape_interval: 1s
                scrape_configs:
                  - job_name: pluginhost
                    metrics_path: /metrics
                    static_configs:
                      - targets: ['127.0.0.1:{{traffic.Web.Port}}']
                """);
            int port = NodeProcess.FreePort();
            await using var server = await BackgroundProcess.StartAsync(prometheus,
                [$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(dir.FullName, "data")}", $"--web.listen-address=127.0.0.1:{port}"],
                "Server is ready to receive web requests", TimeSpan.FromSeconds(60), workingDirectory: dir.FullName);
            using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

            string realm = $"wamp_realm=\"{traffic.Realm}\"";
            Assert.Equal(Adds + Fails, await QueryAsync(api, $"pluginhost_router_calls_total{{{realm}}}", Adds + Fails, server));
            Assert.Equal(Publications, await QueryAsync(api, $"pluginhost_router_events_delivered_total{{{realm}}}", Publications, server));
            Assert.Equal(Fails, await QueryAsync(api, $"pluginhost_router_call_errors_total{{{realm},error_type=\"com.example.oops\"}}", Fails, server));
            Assert.Equal(3, await QueryAsync(api, $"pluginhost_router_sessions{{{realm}}}", 3, server));
            // Call durations: a histogram per realm, the callee's error URI a label; Prometheus sums it across buckets.
            Assert.Equal(Adds, await QueryAsync(api, $"sum(pluginhost_router_call_duration_seconds_count{{{realm},error_type=\"\"}})", Adds, server));
            Assert.Equal(Fails, await QueryAsync(api, $"pluginhost_router_call_duration_seconds_count{{{realm},error_type=\"com.example.oops\"}}", Fails, server));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Polls Prometheus' instant query API until the series has <paramref name="expected"/> (scrapes run every second)
    /// or 30 s passed; returns the last value seen (null: no series), so a failure shows what Prometheus had.
    /// </summary>
    private static async Task<double?> QueryAsync(HttpClient api, string query, double expected, BackgroundProcess server)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        double? last = null;
        while (DateTime.UtcNow < deadline)
        {
            using var doc = JsonDocument.Parse(await api.GetStringAsync("/api/v1/query?query=" + Uri.EscapeDataString(query)));
            var data = doc.RootElement.GetProperty("data").GetProperty("result");
            last = data.GetArrayLength() == 0 ? null : double.Parse(data[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            if (last == expected) return last;
            await Task.Delay(200); // polling interval while waiting for the next scrape, not a synchronisation
        }
        Assert.Fail($"Prometheus never had {expected} for {query} (last: {last?.ToString() ?? "no series"}):\n{server.Output}");
        return last;
    }
}
