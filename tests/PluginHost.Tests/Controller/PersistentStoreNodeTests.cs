using System.Diagnostics;
using Microsoft.Data.Sqlite;
using PluginHost.Tests.Router;
using PluginHost.Tests.Support;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;
using static PluginHost.Tests.Controller.ControllerConfigs;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Controller;

/// <summary>
/// The persistent realm store with real processes: kill -9 of the router worker during a flood of acknowledged, retained,
/// history-keeping publications (the controller restarts it), and a whole node restart on the same store file.
/// </summary>
public class PersistentStoreNodeTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly string _storeDir = Directory.CreateTempSubdirectory("pluginhost-store-").FullName;
    private string StoreFile => Path.Combine(_storeDir, "realm1.sqlite");

    private string Config(int port) => NodeJson($$$"""
        {"type": "router", "options": { {{{FastBackoff}}} },
         "realms": [{"name": "realm1", "roles": [{"name": "anonymous", "allow-by-default": true}],
                     "store": {"type": "sqlite", "path": "{{{StoreFile}}}", "limit": 1000000, "event-history": [{"uri": "com.flood"}]}}],
         "transports": [{"type": "websocket", "id": "wsock", "endpoint": {"type": "tcp", "port": {{{port}}}}}]}
        """);

    private static async Task<WampTestClient> JoinAsync(int port)
    {
        var client = new WampTestClient(await WampTransportConnector.ConnectWebSocketAsync(new Uri($"ws://127.0.0.1:{port}/"), [WampSerializers.Json]));
        await client.SendAsync(new HelloMessage("realm1", HelloDetails()));
        await client.ExpectAsync<WelcomeMessage>();
        return client;
    }

    private static async Task<List<long>> HistoryAsync(WampTestClient c)
    {
        var sub = (long)(await c.CallResultAsync("wamp.subscription.lookup", ["com.flood"])).Arguments![0]!;
        var result = await c.CallResultAsync("wamp.subscription.get_events", [sub]);
        return Assert.IsAssignableFrom<IEnumerable<object?>>(result.Arguments![0]).Cast<IReadOnlyDictionary<string, object?>>()
            .Select(e => (long)e["publication"]!).ToList();
    }

    private static async Task<long> RetainedAsync(WampTestClient c)
    {
        await c.SubscribeAsync("com.flood", Dict(("get_retained", true)));
        var ev = await c.ExpectAsync<EventMessage>();
        Assert.Equal(true, ev.Details["retained"]);
        return ev.Publication;
    }

    [Fact]
    public async Task History_and_retained_events_survive_kill_9_of_the_router_worker_up_to_the_last_acknowledged_publication()
    {
        int port = NodeProcess.FreePort();
        await using var node = await NodeProcess.StartAsync(Config(port));
        var routerPid = await node.WorkerPidAsync("Router", "worker001");

        // The flood: up to 500 acknowledge=true publications in flight; PUBLISHEDs are recorded in arrival order.
        var publisher = await JoinAsync(port);
        var acked = new List<long>();
        var window = new SemaphoreSlim(500);
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var broken = new CancellationTokenSource(); // the receiver saw the connection break: the sender stops
        var receiving = Task.Run(async () =>
        {
            try
            {
                while (await publisher.Connection.ReceiveAsync() is { } m)
                {
                    if (m is not PublishedMessage p) continue;
                    lock (acked) { acked.Add(p.Publication); if (acked.Count == 2000) enough.TrySetResult(); }
                    window.Release();
                }
            }
            catch (Exception) { } // the router died: the connection breaks
            finally { broken.Cancel(); }
        });
        var sending = Task.Run(async () =>
        {
            try
            {
                for (long i = 1; ; i++)
                {
                    await window.WaitAsync(broken.Token);
                    await publisher.SendAsync(new PublishMessage(i, Dict(("acknowledge", true), ("retain", true)), "com.flood", [i, new string('x', 200)]));
                }
            }
            catch (Exception) { }
        });
        try { await enough.Task.WaitAsync(Deadline); }
        catch (TimeoutException) { lock (acked) Assert.Fail($"only {acked.Count} publications acknowledged within {Deadline}:\n{node.Log}"); }
        Process.GetProcessById(routerPid).Kill(); // SIGKILL mid-flood
        await Task.WhenAll(receiving, sending).WaitAsync(Deadline);
        await publisher.Connection.DisposeAsync();
        long[] acknowledged;
        lock (acked) acknowledged = [.. acked];

        await node.WorkerPidAsync("Router", "worker001", restart: 1);
        await node.WaitForLineAsync("transport 'wsock' started", occurrence: 2);
        await using var reader = await JoinAsync(port);
        var history = await HistoryAsync(reader);
        // Every acknowledged publication is there, in publication order; later ones (written, not yet acknowledged) may follow.
        Assert.True(history.Count >= acknowledged.Length, $"{history.Count} events in history, {acknowledged.Length} acknowledged");
        Assert.Equal(acknowledged, history.Take(acknowledged.Length));
        // The retained event is the newest publication in the history: at or after the last acknowledged one.
        var retained = await RetainedAsync(reader);
        Assert.Equal(history[^1], retained);

        await using var db = new SqliteConnection($"Data Source={StoreFile};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var check = db.CreateCommand();
        check.CommandText = "PRAGMA integrity_check";
        Assert.Equal("ok", check.ExecuteScalar());
    }

    [Fact]
    public async Task History_and_retained_events_survive_a_node_restart()
    {
        int port = NodeProcess.FreePort();
        var published = new List<long>();
        await using (var node = await NodeProcess.StartAsync(Config(port)))
        {
            await using var c = await JoinAsync(port);
            for (int i = 0; i < 5; i++) published.Add(await c.PublishAckAsync("com.flood", Dict(("retain", true)), [i]));
        } // SIGTERM: a clean node shutdown

        port = NodeProcess.FreePort();
        await using var again = await NodeProcess.StartAsync(Config(port));
        await using var reader = await JoinAsync(port);
        Assert.Equal(published, await HistoryAsync(reader));
        Assert.Equal(published[^1], await RetainedAsync(reader));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_storeDir, recursive: true);
        GC.SuppressFinalize(this);
    }
}
