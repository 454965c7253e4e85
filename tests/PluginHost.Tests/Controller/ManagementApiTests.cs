using System.Diagnostics;
using System.Text.Json;
using PluginHost.Node.Config;
using PluginHost.Tests.Support;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;
using static PluginHost.Tests.Controller.ControllerConfigs;

namespace PluginHost.Tests.Controller;

/// <summary>
/// A real node with <c>options.management_realm</c>: Crossbar's management procedures (crossbar.*) answered by the router
/// worker from the controller's status and its own realms, authorized by role like any other URI, and crossbar.on_status
/// published when the node's status changes. Clients are our own over WebSocket/JSON.
/// </summary>
public class ManagementApiTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static string Node(int port, int guestPort) => NodeJson(
        $$$"""
        {"type": "router", "options": {"management_realm": "realm1", {{{FastBackoff}}} },
         "realms": [{"name": "realm1", "roles": [
            {"name": "anonymous", "permissions": [{"uri": "", "match": "prefix", "allow": {"call": true, "register": true, "subscribe": true, "publish": true}}]},
            {"name": "guest", "permissions": [{"uri": "com.", "match": "prefix", "allow": {"call": true}}]}]}],
         "transports": [{"type": "websocket", "id": "main", "endpoint": {"type": "tcp", "port": {{{port}}} }},
                        {"type": "websocket", "id": "guest", "endpoint": {"type": "tcp", "port": {{{guestPort}}} },
                         "auth": {"anonymous": {"type": "static", "role": "guest"} } }]}
        """,
        $$$"""
        {"type": "container", "options": { {{{FastBackoff}}} },
         "components": [{"type": "class", "id": "clock", "classname": "timeservice.TimeService", "realm": "realm1",
                         "transport": {"type": "websocket", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": {{{port}}} }, "url": "ws://127.0.0.1:{{{port}}}/"}}]}
        """);

    private static async Task<WampSession> JoinAsync(int port)
        => await WampSession.JoinAsync(await WampTransportConnector.ConnectWebSocketAsync(new Uri($"ws://127.0.0.1:{port}/"), [WampSerializers.Json]), "realm1");

    private static JsonElement Result(WampResult result) => JsonSerializer.SerializeToElement(result.Args[0]);

    [Fact]
    public async Task TheNodeIsManagedOverWampByRole()
    {
        int port = NodeProcess.FreePort(), guestPort = NodeProcess.FreePort();
        await using var node = await NodeProcess.StartAsync(Node(port, guestPort));
        await using var admin = await JoinAsync(port);

        // The controller's status reaches the router asynchronously: asked until the node says it is ready.
        var status = await UntilAsync(async () => Result(await admin.CallAsync("crossbar.get_status")), s => s.GetProperty("ready").GetBoolean());
        Assert.Equal("running", status.GetProperty("state").GetString());
        Assert.Equal(node.Pid, status.GetProperty("controller_pid").GetInt32());

        var workers = Result(await admin.CallAsync("crossbar.get_workers"));
        Assert.Equal(["worker001", "worker002"], workers.EnumerateArray().Select(w => w.GetProperty("id").GetString()));
        var container = Result(await admin.CallAsync("crossbar.get_worker", ["worker002"]));
        Assert.Equal(await node.WorkerPidAsync("Container", "worker002"), container.GetProperty("pid").GetInt32());
        var components = Result(await admin.CallAsync("crossbar.worker.worker002.get_container_components"));
        Assert.Equal(("clock", "joined"), (components[0].GetProperty("id").GetString(), components[0].GetProperty("state").GetString()));
        Assert.Equal(["realm1"], Result(await admin.CallAsync("crossbar.worker.worker001.get_router_realms")).EnumerateArray().Select(r => r.GetString()));
        var realm = Result(await admin.CallAsync("crossbar.worker.worker001.get_router_realm", ["realm1"]));
        Assert.True(realm.GetProperty("sessions").GetInt64() >= 3); // admin, the clock, the management session
        var before = Result(await admin.CallAsync("crossbar.worker.worker001.get_router_stats")).GetProperty("calls").GetInt64();
        await admin.CallAsync("com.timeservice.now");
        var stats = Result(await admin.CallAsync("crossbar.worker.worker001.get_router_stats"));
        // The time call was counted before its RESULT left (the stats calls themselves may be counted just after they read).
        Assert.InRange(stats.GetProperty("calls").GetInt64(), before + 1, before + 3);
        Assert.True(stats.GetProperty("sessions").GetProperty("realm1").GetInt64() >= 3);

        // Registrations and subscriptions, as the realm's meta API describes them, with their callees and subscribers.
        var clockSession = components[0].GetProperty("session").GetInt64();
        await using var listener = await JoinAsync(port);
        await listener.SubscribeAsync("com.example.", _ => ValueTask.CompletedTask, new SubscribeOptions { Match = UriMatch.Prefix });
        var registrations = Result(await admin.CallAsync("crossbar.worker.worker001.get_router_realm_registrations", ["realm1"]));
        var now = registrations.EnumerateArray().Single(r => r.GetProperty("uri").GetString() == "com.timeservice.now");
        Assert.Equal(("exact", "single"), (now.GetProperty("match").GetString(), now.GetProperty("invoke").GetString()));
        Assert.Equal([clockSession], now.GetProperty("callees").EnumerateArray().Select(c => c.GetInt64()));
        var subscriptions = Result(await admin.CallAsync("crossbar.worker.worker001.get_router_realm_subscriptions", ["realm1"]));
        var example = subscriptions.EnumerateArray().Single(r => r.GetProperty("uri").GetString() == "com.example.");
        Assert.Equal(("prefix", listener.SessionId), (example.GetProperty("match").GetString(), example.GetProperty("subscribers")[0].GetInt64()));
        var realmStats = Result(await admin.CallAsync("crossbar.worker.worker001.get_router_realm_stats", ["realm1"]));
        Assert.Equal((registrations.GetArrayLength(), subscriptions.GetArrayLength()),
            (realmStats.GetProperty("registrations").GetInt32(), realmStats.GetProperty("subscriptions").GetInt32()));
        Assert.Equal(JsonValueKind.Array, Result(await admin.CallAsync("crossbar.worker.worker001.get_router_components")).ValueKind);
        Assert.Equal("crossbar.error.no_such_object",
            (await Assert.ThrowsAsync<WampException>(() => admin.CallAsync("crossbar.worker.worker001.get_router_component", ["nope"]))).Error);

        // `pluginhost status` asks the same API for the realms and their sessions.
        var cli = await ControllerTests.Cli("status", "--cbdir", node.NodeDir, "--json");
        Assert.True(JsonDocument.Parse(cli.Output).RootElement.GetProperty("realms").GetProperty("realm1").GetInt64() >= 3);
        Assert.Matches("realm 'realm1': [0-9]+ sessions", (await ControllerTests.Cli("status", "--cbdir", node.NodeDir)).Output);

        // Errors name what is wrong.
        var unknown = await Assert.ThrowsAsync<WampException>(() => admin.CallAsync("crossbar.get_worker", ["nope"]));
        Assert.Equal("crossbar.error.no_such_worker", unknown.Error);
        Assert.Equal("crossbar.error.no_such_realm",
            (await Assert.ThrowsAsync<WampException>(() => admin.CallAsync("crossbar.worker.worker001.get_router_realm", ["nope"]))).Error);
        Assert.Equal(WampErrors.NoSuchProcedure,
            (await Assert.ThrowsAsync<WampException>(() => admin.CallAsync("crossbar.worker.worker002.get_router_realms"))).Error);

        // A session is listed, then killed: its client hears it.
        await using var victim = await JoinAsync(port);
        var sessions = Result(await admin.CallAsync("crossbar.worker.worker001.get_router_realm_sessions", ["realm1"]));
        Assert.Contains(victim.SessionId, sessions.EnumerateArray().Select(s => s.GetInt64()));
        Assert.Equal("realm1", (await admin.CallAsync("crossbar.worker.worker001.kill_session", [victim.SessionId])).Args[0]);
        await victim.Closed.WaitAsync(Deadline);
        Assert.Equal(WampErrors.NoSuchSession,
            (await Assert.ThrowsAsync<WampException>(() => admin.CallAsync("crossbar.worker.worker001.kill_session", [victim.SessionId]))).Error);

        // Authorized by role like any other URI: the guest role may call com.* only.
        await using var guest = await JoinAsync(guestPort);
        Assert.Equal(WampErrors.NotAuthorized, (await Assert.ThrowsAsync<WampException>(() => guest.CallAsync("crossbar.get_status"))).Error);

        // crossbar.on_status: the container dies, subscribers hear it restart.
        var restarting = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        await admin.SubscribeAsync("crossbar.on_status", e =>
        {
            var update = JsonSerializer.SerializeToElement(e.Args[0]);
            if (update.GetProperty("workers")[1].GetProperty("state").GetString() == "restarting") restarting.TrySetResult(update);
            return ValueTask.CompletedTask;
        });
        Process.GetProcessById(container.GetProperty("pid").GetInt32()).Kill();
        var update = await restarting.Task.WaitAsync(Deadline);
        Assert.False(update.GetProperty("ready").GetBoolean());
    }

    [Fact]
    public async Task AContainerComponentIsStoppedStartedAndReloadedWithoutARestart()
    {
        int port = NodeProcess.FreePort(), guestPort = NodeProcess.FreePort();
        await using var node = await NodeProcess.StartAsync(Node(port, guestPort));
        await using var admin = await JoinAsync(port);
        var container = await node.WorkerPidAsync("Container", "worker002");
        async Task<JsonElement> ClockAsync() => Result(await admin.CallAsync("crossbar.worker.worker002.get_container_components"))[0];
        await UntilAsync(ClockAsync, c => c.GetProperty("state").GetString() == "joined");

        // Crossbar's component events come with it (told from the node's status).
        var stopped = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await admin.SubscribeAsync("crossbar.worker.worker002.container.on_component_stop", e =>
        {
            stopped.TrySetResult(JsonSerializer.SerializeToElement(e.Args[0]).GetProperty("state").GetString());
            return ValueTask.CompletedTask;
        });
        Assert.Equal("clock", (await admin.CallAsync("crossbar.worker.worker002.stop_container_component", ["clock"])).Args[0]);
        Assert.Equal("stopped", await stopped.Task.WaitAsync(Deadline));
        await UntilAsync(ClockAsync, c => c.GetProperty("state").GetString() == "stopped");
        Assert.Equal(WampErrors.NoSuchProcedure, (await Assert.ThrowsAsync<WampException>(() => admin.CallAsync("com.timeservice.now"))).Error);
        var again = await Assert.ThrowsAsync<WampException>(() => admin.CallAsync("crossbar.worker.worker002.stop_container_component", ["clock"]));
        Assert.Equal(("crossbar.error.component_control", "component 'clock' is not running"), (again.Error, again.Args[0]));

        await admin.CallAsync("crossbar.worker.worker002.start_container_component", ["clock"]);
        await UntilAsync(ClockAsync, c => c.GetProperty("state").GetString() == "joined");
        Assert.IsType<string>((await admin.CallAsync("com.timeservice.now")).Args[0]);

        await admin.CallAsync("crossbar.worker.worker002.reload_container_component", ["clock"]);
        var reloaded = await UntilAsync(ClockAsync, c => c.GetProperty("generation").GetInt32() == 2 && c.GetProperty("state").GetString() == "joined");
        Assert.Equal(1, reloaded.GetProperty("reloads").GetInt32());
        Assert.IsType<string>((await admin.CallAsync("com.timeservice.now")).Args[0]);

        Assert.Equal(container, await node.WorkerPidAsync("Container", "worker002")); // the same process all along
        Assert.DoesNotContain("Container 'worker002' restarted", node.Log);
        var unknown = await Assert.ThrowsAsync<WampException>(() => admin.CallAsync("crossbar.worker.worker002.start_container_component", ["nope"]));
        Assert.Equal("no component 'nope' in the configuration of container 'worker002'", unknown.Args[0]);
    }

    [Fact]
    public async Task ARouterComponentIsStoppedStartedAndReloadedInTheRoutersOwnProcess()
    {
        var port = NodeProcess.FreePort();
        await using var node = await NodeProcess.StartAsync(NodeJson($$$"""
            {"type": "router", "options": {"management_realm": "realm1"},
             "realms": [{"name": "realm1", "roles": [{"name": "anonymous", "permissions": [{"uri": "", "match": "prefix", "allow": {"call": true, "register": true, "subscribe": true, "publish": true}}]}]}],
             "components": [{"type": "class", "id": "clock", "classname": "timeservice.TimeService", "realm": "realm1"}],
             "transports": [{"type": "websocket", "id": "main", "endpoint": {"type": "tcp", "port": {{{port}}} }}]}
            """));
        await using var admin = await JoinAsync(port);
        async Task<JsonElement> ClockAsync() => Result(await admin.CallAsync("crossbar.get_worker", ["worker001"])).GetProperty("components")[0];
        await UntilAsync(ClockAsync, c => c.GetProperty("state").GetString() == "joined");
        var router = await node.WorkerPidAsync("Router", "worker001");

        await admin.CallAsync("crossbar.worker.worker001.stop_router_component", ["clock"]);
        await UntilAsync(ClockAsync, c => c.GetProperty("state").GetString() == "stopped");
        Assert.Equal(WampErrors.NoSuchProcedure, (await Assert.ThrowsAsync<WampException>(() => admin.CallAsync("com.timeservice.now"))).Error);
        await admin.CallAsync("crossbar.worker.worker001.start_router_component", ["clock"]);
        await UntilAsync(ClockAsync, c => c.GetProperty("state").GetString() == "joined");
        await admin.CallAsync("crossbar.worker.worker001.reload_router_component", ["clock"]);
        await UntilAsync(ClockAsync, c => c.GetProperty("generation").GetInt32() == 2 && c.GetProperty("state").GetString() == "joined");
        Assert.IsType<string>((await admin.CallAsync("com.timeservice.now")).Args[0]);
        Assert.Equal(router, await node.WorkerPidAsync("Router", "worker001"));
        var refused = await Assert.ThrowsAsync<WampException>(() => admin.CallAsync("crossbar.worker.worker001.start_router_component", ["clock"]));
        Assert.Equal(("crossbar.error.component_control", "component 'clock' is running"), (refused.Error, refused.Args[0]));
    }

    [Fact]
    public async Task AComponentStartedWithItsConfigurationJoinsAndStaysInTheNodesConfiguration()
    {
        int port = NodeProcess.FreePort(), guestPort = NodeProcess.FreePort();
        await using var node = await NodeProcess.StartAsync(Node(port, guestPort));
        await using var admin = await JoinAsync(port);
        async Task<JsonElement> ComponentAsync(string worker, string id) => Result(await admin.CallAsync("crossbar.get_worker", [worker]))
            .GetProperty("components").EnumerateArray().FirstOrDefault(c => c.GetProperty("id").GetString() == id);
        await UntilAsync(() => ComponentAsync("worker002", "clock"), c => c.GetProperty("state").GetString() == "joined");
        var transport = new Dictionary<string, object?>
        {
            ["type"] = "websocket", ["url"] = $"ws://127.0.0.1:{port}/",
            ["endpoint"] = new Dictionary<string, object?> { ["type"] = "tcp", ["host"] = "127.0.0.1", ["port"] = port },
        };
        Dictionary<string, object?> Ticker(bool withClass) => new()
        {
            ["type"] = "class", ["realm"] = "realm1", ["transport"] = transport, ["classname"] = withClass ? "ticker.Ticker" : null,
        };

        // Checked against the node's configuration as at boot: refused with the JSON path, and nothing changes.
        var invalid = await Assert.ThrowsAsync<WampException>(() => admin.CallAsync("crossbar.worker.worker002.start_container_component", ["ticker", Ticker(withClass: false)]));
        Assert.Equal("crossbar.error.invalid_configuration", invalid.Error);
        Assert.Contains("workers[1].components[1].classname", (string)invalid.Args[0]!);
        var taken = await Assert.ThrowsAsync<WampException>(() => admin.CallAsync("crossbar.worker.worker002.start_container_component", ["clock", Ticker(withClass: true)]));
        Assert.Equal("crossbar.error.invalid_configuration", taken.Error);
        Assert.Contains("worker 'worker002' already has a component with ID 'clock'", (string)taken.Args[0]!);
        var stopWithConfig = await Assert.ThrowsAsync<WampException>(() => admin.CallAsync("crossbar.worker.worker002.stop_container_component", ["clock", Ticker(withClass: true)]));
        Assert.Equal(WampErrors.InvalidArgument, stopWithConfig.Error);

        // Started in the running container, configured from now on.
        Assert.Equal("ticker", (await admin.CallAsync("crossbar.worker.worker002.start_container_component", ["ticker", Ticker(withClass: true)])).Args[0]);
        var ticker = await UntilAsync(() => ComponentAsync("worker002", "ticker"), c => c.ValueKind == JsonValueKind.Object
            && c.GetProperty("state").GetString() == "joined" && c.GetProperty("configured").GetBoolean());
        Assert.Equal("liftoff", (await admin.CallAsync("com.ticker.countdown", [0])).Args[0]);
        var again = await Assert.ThrowsAsync<WampException>(() => admin.CallAsync("crossbar.worker.worker002.start_container_component", ["ticker", Ticker(withClass: true)]));
        Assert.Contains("already has a component with ID 'ticker'", (string)again.Args[0]!);

        // The controller's configuration is the one source: the container's next process starts the ticker too.
        Process.GetProcessById(await node.WorkerPidAsync("Container", "worker002")).Kill();
        await UntilAsync(() => ComponentAsync("worker002", "ticker"), c => c.GetProperty("state").GetString() == "joined"
            && c.GetProperty("session").GetInt64() != ticker.GetProperty("session").GetInt64());

        // Stopped like any other (its procedures go); a router's own component is added the same way (through the
        // controller), and runs in the router's process.
        await admin.CallAsync("crossbar.worker.worker002.stop_container_component", ["ticker"]);
        await UntilAsync(() => ComponentAsync("worker002", "ticker"), c => c.GetProperty("state").GetString() == "stopped");
        var router = await node.WorkerPidAsync("Router", "worker001");
        await admin.CallAsync("crossbar.worker.worker001.start_router_component",
            ["ticker2", new Dictionary<string, object?> { ["type"] = "class", ["classname"] = "ticker.Ticker", ["realm"] = "realm1" }]);
        await UntilAsync(() => ComponentAsync("worker001", "ticker2"), c => c.ValueKind == JsonValueKind.Object
            && c.GetProperty("state").GetString() == "joined" && c.GetProperty("configured").GetBoolean());
        Assert.Equal(router, await node.WorkerPidAsync("Router", "worker001"));
        Assert.Equal("liftoff", (await admin.CallAsync("com.ticker.countdown", [0])).Args[0]);
    }

    [Fact]
    public void TheManagementRealmMustBeARealmOfThatRouter()
    {
        var json = """
            {"version": 2, "workers": [{"type": "router", "options": {"management_realm": "admin"},
              "realms": [{"name": "realm1", "roles": []}], "transports": []}]}
            """;
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(json, Path.GetTempPath(), _ => null));
        Assert.Contains("workers[0].options.management_realm", e.Report);
        Assert.Contains("realm 'admin' is not defined on this router", e.Report);
        var ok = ConfigLoader.Parse(json.Replace("\"admin\"", "\"realm1\""), Path.GetTempPath(), _ => null);
        Assert.Equal("realm1", Assert.IsType<RouterWorkerConfig>(ok.Workers[0]).ManagementRealm);
    }

    /// <summary>Asks until the answer meets <paramref name="condition"/> (the controller's status reaches the router
    /// asynchronously); fails with the last answer at the deadline.</summary>
    private static async Task<JsonElement> UntilAsync(Func<Task<JsonElement>> ask, Func<JsonElement, bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        JsonElement? last = null;
        while (deadline.Elapsed < Deadline)
        {
            try
            {
                var answer = await ask();
                if (condition(answer)) return answer;
                last = answer;
            }
            catch (WampException e) when (e.Error == "crossbar.error.not_ready") { }
            await Task.Delay(50); // polling: the condition, not the delay, decides
        }
        Assert.Fail($"the management API never met the condition within {Deadline.TotalSeconds} s; last answer: {last}");
        return default;
    }
}
