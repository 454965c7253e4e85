using System.Diagnostics;
using System.Net;
using System.Text.Json;
using PluginHost.Tests.Support;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;
using static PluginHost.Tests.Controller.ControllerConfigs;

namespace PluginHost.Tests.Controller;

/// <summary>
/// Real nodes: the "health" web path says ready (200) only once every worker runs and every configured component has
/// joined, names what is not ready (503) when a worker dies or a component fails, and carries the controller's status
/// (workers, restarts, components with session and generation) and the router's realms.
/// </summary>
public class NodeHealthTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly string FaultyDir = Path.Combine(AppContext.BaseDirectory, "plugins", "Faulty");

    private static string Node(int port, params string[] components) => NodeJson(
        $$$"""
        {"type": "router", "options": { {{{FastBackoff}}} },
         "realms": [{"name": "realm1", "roles": [{"name": "anonymous", "permissions": [{"uri": "", "match": "prefix", "allow": {"call": true, "register": true}}]}]}],
         "transports": [{"type": "web", "id": "web", "endpoint": {"type": "tcp", "port": {{{port}}}},
                         "paths": {"ws": {"type": "websocket"}, "health": {"type": "health"}, "metrics": {"type": "metrics"} } }]}
        """,
        $$$"""
        {"type": "container", "options": {"pythonpath": ["{{{FaultyDir}}}"], {{{FastBackoff}}} },
         "components": [{{{string.Join(",", components.Select(c => Component(c, port)))}}}]}
        """);

    /// <summary>"clock" is the sample TimeService; "bad" is Faulty's ThrowingJoin (its OnJoin always throws).</summary>
    private static string Component(string id, int port) => $$$"""
        {"type": "class", "id": "{{{id}}}", "classname": "{{{(id == "bad" ? "faulty.ThrowingJoin" : "timeservice.TimeService")}}}", "realm": "realm1",
         "transport": {"type": "websocket", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": {{{port}}} }, "url": "ws://127.0.0.1:{{{port}}}/ws"}}
        """;

    [Fact]
    public async Task ReadyOnceEveryComponentJoinedAndNotReadyWhileAWorkerRestarts()
    {
        var port = NodeProcess.FreePort();
        await using var node = await NodeProcess.StartAsync(Node(port, "clock"));
        using var http = new HttpClient();

        var ready = await HealthUntilAsync(http, port, h => h.Status == HttpStatusCode.OK);
        Assert.True(ready.Body.GetProperty("ready").GetBoolean());
        Assert.Equal(0, ready.Body.GetProperty("not_ready").GetArrayLength());
        var workers = ready.Body.GetProperty("node").GetProperty("workers");
        Assert.Equal(["router", "container"], workers.EnumerateArray().Select(w => w.GetProperty("type").GetString()));
        var container = workers[1];
        Assert.Equal("running", container.GetProperty("state").GetString());
        Assert.Equal(await node.WorkerPidAsync("Container", "worker002"), container.GetProperty("pid").GetInt32());
        var clock = container.GetProperty("components")[0];
        Assert.Equal(("clock", "joined", 1), (clock.GetProperty("id").GetString(), clock.GetProperty("state").GetString(), clock.GetProperty("generation").GetInt32()));
        Assert.True(clock.GetProperty("session").GetInt64() > 0);
        Assert.True(ready.Body.GetProperty("realms").GetProperty("realm1").GetInt64() >= 1); // the clock's session

        // `pluginhost status` shows the same, from the controller's node.status.json.
        var cli = await ControllerTests.Cli("status", "--cbdir", node.NodeDir, "--json");
        Assert.Equal(0, cli.ExitCode);
        var report = JsonDocument.Parse(cli.Output).RootElement;
        Assert.True(report.GetProperty("running").GetBoolean());
        Assert.True(report.GetProperty("ready").GetBoolean());
        Assert.Equal(node.Pid, report.GetProperty("pid").GetInt32());
        var listed = report.GetProperty("status").GetProperty("workers")[1].GetProperty("components")[0];
        Assert.Equal(clock.GetProperty("session").GetInt64(), listed.GetProperty("session").GetInt64());
        var text = await ControllerTests.Cli("status", "--cbdir", node.NodeDir);
        Assert.Contains("running, ready", text.Output);
        Assert.Matches($"component 'clock' on realm 'realm1': joined as session {clock.GetProperty("session").GetInt64()}, generation 1", text.Output);

        // The router's dealer times the clock's calls per component (its session is labelled from the controller's status).
        await CallClockAsync(port, times: 3);
        var before = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        Assert.Matches("""(?m)^pluginhost_component_call_duration_seconds_count\{[^}]*component_id="clock"[^}]*\} 3$""", before);
        Assert.Matches("""(?m)^pluginhost_component_call_duration_seconds_bucket\{[^}]*component_id="clock"[^}]*le="\+Inf"[^}]*\} 3$""", before);
        Assert.Matches("""(?m)^pluginhost_router_call_duration_seconds_count\{[^}]*wamp_realm="realm1"[^}]*\} 3$""", before);

        // The container dies: not ready, and the reason names it; restarted and rejoined: ready again, one restart counted.
        Process.GetProcessById(container.GetProperty("pid").GetInt32()).Kill();
        var down = await HealthUntilAsync(http, port, h => h.Status == HttpStatusCode.ServiceUnavailable);
        Assert.Contains(down.Body.GetProperty("not_ready").EnumerateArray(), r => r.GetString()!.StartsWith("container 'worker002' is", StringComparison.Ordinal));
        var again = await HealthUntilAsync(http, port, h => h.Status == HttpStatusCode.OK);
        var restarted = again.Body.GetProperty("node").GetProperty("workers")[1];
        Assert.Equal(1, restarted.GetProperty("restarts").GetInt32());
        Assert.NotEqual(container.GetProperty("pid").GetInt32(), restarted.GetProperty("pid").GetInt32());
        Assert.StartsWith("died: killed by signal 9", restarted.GetProperty("last_exit").GetString());

        // The same in Prometheus' text format, beside the router's metrics (meter PluginHost.Node).
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
        Assert.Matches("""(?m)^pluginhost_node_worker_restarts_total\{[^}]*worker_id="worker002"[^}]*\} 1$""", metrics);
        Assert.Matches("""(?m)^pluginhost_node_worker_restarts_total\{[^}]*worker_id="worker001"[^}]*\} 0$""", metrics);
        Assert.Matches("""(?m)^pluginhost_node_component_joined\{[^}]*component_id="clock"[^}]*\} 1$""", metrics);
        Assert.Matches("""(?m)^pluginhost_node_worker_uptime_seconds\{[^}]*worker_id="worker002"[^}]*\} [0-9.e+-]+$""", metrics);
        Assert.Matches("""(?m)^pluginhost_node_ready(\{[^}]*\})? 1$""", metrics);
        // The restarted clock has a new session: its calls are still its component's (3 before the restart, 2 after).
        await CallClockAsync(port, times: 2);
        Assert.Matches("""(?m)^pluginhost_component_call_duration_seconds_count\{[^}]*component_id="clock"[^}]*\} 5$""",
            await http.GetStringAsync($"http://127.0.0.1:{port}/metrics"));

        Assert.True(File.Exists(Path.Combine(node.NodeDir, "node.status.json")));
        Assert.Equal(0, (await ControllerTests.Cli("stop", "--cbdir", node.NodeDir)).ExitCode);
        await node.ExitedTask.WaitAsync(Deadline);
        Assert.False(File.Exists(Path.Combine(node.NodeDir, "node.status.json"))); // removed when the node stops, as node.pid is
    }

    [Fact]
    public async Task AFailedComponentKeepsTheNodeNotReadyAndIsNamed()
    {
        var port = NodeProcess.FreePort();
        await using var node = await NodeProcess.StartAsync(Node(port, "clock", "bad"));
        using var http = new HttpClient();
        await node.WaitForLineAsync("component 'bad' failed", timeout: Deadline);
        // Once the clock has joined, the failed component is all that keeps the node from being ready.
        var health = await HealthUntilAsync(http, port, h => h.Body.GetProperty("not_ready").EnumerateArray().Select(r => r.GetString())
            .SequenceEqual(["component 'bad' of container 'worker002' is failed"]));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.Status);
        Assert.False(health.Body.GetProperty("ready").GetBoolean());
        var components = health.Body.GetProperty("node").GetProperty("workers")[1].GetProperty("components");
        Assert.Equal("joined", components.EnumerateArray().Single(c => c.GetProperty("id").GetString() == "clock").GetProperty("state").GetString());
    }

    private static async Task CallClockAsync(int port, int times)
    {
        await using var session = await WampSession.JoinAsync(
            await WampTransportConnector.ConnectWebSocketAsync(new Uri($"ws://127.0.0.1:{port}/ws"), [WampSerializers.Json]), "realm1");
        for (int i = 0; i < times; i++) await session.CallAsync("com.timeservice.now");
    }

    private sealed record Health(HttpStatusCode Status, JsonElement Body);

    /// <summary>GETs the health path until <paramref name="condition"/> holds (the controller's status reaches the router
    /// asynchronously); fails with the last answer after the deadline.</summary>
    private static async Task<Health> HealthUntilAsync(HttpClient http, int port, Func<Health, bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        Health? last = null;
        while (deadline.Elapsed < Deadline)
        {
            using var response = await http.GetAsync($"http://127.0.0.1:{port}/health");
            Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
            last = new Health(response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
            if (condition(last)) return last;
            await Task.Delay(50); // polling an HTTP endpoint: the condition, not the delay, decides
        }
        Assert.Fail($"health never met the condition within {Deadline.TotalSeconds} s; last: {(int?)last?.Status} {last?.Body}");
        return null!;
    }
}
