using System.Diagnostics;
using PluginHost.Tests.Support;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;

namespace PluginHost.Tests.Cluster;

/// <summary>
/// The cluster's bad days, with real processes: a router worker killed with SIGKILL while calls are pending on it, and the
/// nats-server killed and started again. Time limits are asserted generously; the measured times are printed.
/// </summary>
public sealed class ClusterFaultTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private ClusterNodePair _nodes = null!;
    private NatsServer Nats => _nodes.Nats;
    private NodeProcess First => _nodes.First;
    private NodeProcess Second => _nodes.Second;
    private readonly List<WampSession> _sessions = new();

    private static string Config(string natsUrl, string node) => $$"""
    {
      "version": 2,
      "workers": [{
        "type": "router",
        "realms": [{ "name": "realm1", "roles": [{ "name": "anonymous", "permissions": [{ "uri": "", "match": "prefix",
                     "allow": { "call": true, "register": true, "publish": true, "subscribe": true } }] }] }],
        "transports": [{ "id": "web", "type": "web", "endpoint": { "type": "tcp", "port": 0, "interface": "127.0.0.1" },
                         "paths": { "ws": { "type": "websocket" } } }],
        "cluster": { "nats": "{{natsUrl}}", "node": "{{node}}", "name": "faults", "node_timeout": 2 }
      }]
    }
    """;

    public async Task InitializeAsync() => _nodes = await ClusterNodePair.StartAsync(Config);

    private async Task<WampSession> JoinAsync(NodeProcess node)
    {
        var connection = await WampTransportConnector.ConnectWebSocketAsync(new Uri($"ws://127.0.0.1:{node.Port("web")}/ws"), [WampSerializers.MsgPack]);
        var session = await WampSession.JoinAsync(connection, "realm1").WaitAsync(Patience);
        _sessions.Add(session);
        return session;
    }

    private static Task<WampRegistration> RegisterHangingAsync(WampSession callee, string procedure)
        => callee.RegisterAsync(procedure, async (_, ct) => { await Task.Delay(Timeout.Infinite, ct); return null; }).WaitAsync(Patience);

    private static Task<WampRegistration> RegisterEchoAsync(WampSession callee, string procedure)
        => callee.RegisterAsync(procedure, (inv, _) => ValueTask.FromResult<WampResult?>(new WampResult(inv.Args))).WaitAsync(Patience);

    [Fact]
    public async Task A_killed_router_worker_fails_the_calls_pending_on_it_and_its_node_serves_again_after_the_restart()
    {
        var callee = await JoinAsync(Second);
        var caller = await JoinAsync(First);
        await RegisterHangingAsync(callee, "com.fault.hang");
        var pending = caller.CallAsync("com.fault.hang");

        var clock = Stopwatch.StartNew();
        Process.GetProcessById(await Second.WorkerPidAsync("Router", "worker001")).Kill(); // SIGKILL
        var error = await Assert.ThrowsAsync<WampException>(() => pending.WaitAsync(Patience));
        var failedAfter = clock.Elapsed;
        // canceled: the invocation reached the node before it died (its callee is gone with it); unavailable: it was
        // still on its way and found nobody subscribed there (NATS said so at once, RealmCluster.InvocationLost).
        Assert.True(error.Error is "wamp.error.canceled" or "wamp.error.unavailable", error.Error);
        Assert.True(failedAfter < TimeSpan.FromSeconds(5), $"the pending call failed after {failedAfter}");
        // Once the first node has declared the second dead (its liveness key expired), the procedure is gone there.
        await First.WaitForLineAsync("missed its liveness renewal");
        var gone = await Assert.ThrowsAsync<WampException>(() => caller.CallAsync("com.fault.hang").WaitAsync(Patience));
        Assert.Equal("wamp.error.no_such_procedure", gone.Error);

        // The controller restarts the worker: a new node of the cluster, serving again.
        await Second.WaitForLineAsync("realm 'realm1' is shared over the cluster", occurrence: 2);
        await Second.WaitForLineAsync(@"transport 'web' started", occurrence: 2);
        var again = await JoinAsync(Second);
        await RegisterEchoAsync(again, "com.fault.back");
        var result = await caller.CallAsync("com.fault.back", ["hello"]).WaitAsync(Patience);
        Assert.Equal("hello", result.Args[0]);
        Console.WriteLine($"cluster fault: a SIGKILLed node's pending call failed after {failedAfter.TotalMilliseconds:0} ms; served again after {clock.Elapsed.TotalMilliseconds:0} ms");
    }

    private static readonly CallOptions Retry = new() { Timeout = TimeSpan.FromSeconds(1) };

    [Fact]
    public async Task Without_NATS_each_node_serves_its_own_sessions_and_the_cluster_is_whole_again_when_it_returns()
    {
        var remoteCallee = await JoinAsync(Second);
        var localCallee = await JoinAsync(First);
        var caller = await JoinAsync(First);
        await RegisterEchoAsync(remoteCallee, "com.fault.remote");
        await RegisterEchoAsync(localCallee, "com.fault.local");
        Assert.Equal("x", (await caller.CallAsync("com.fault.remote", ["x"]).WaitAsync(Patience)).Args[0]);
        // A subscriber on the other node: every event once, none replayed after the outage.
        var events = System.Threading.Channels.Channel.CreateUnbounded<string>();
        await remoteCallee.SubscribeAsync("com.fault.events", e => { events.Writer.TryWrite((string)e.Args[0]!); return ValueTask.CompletedTask; })
            .WaitAsync(Patience);
        await caller.PublishAsync("com.fault.events", ["before"], null, new PublishOptions { Acknowledge = true }).WaitAsync(Patience);
        Assert.Equal("before", await events.Reader.ReadAsync().AsTask().WaitAsync(Patience));

        await Nats.KillAsync();
        await First.WaitForLineAsync("NATS is unreachable");
        Assert.Equal("local", (await caller.CallAsync("com.fault.local", ["local"]).WaitAsync(Patience)).Args[0]);
        // New sessions and registrations during the outage do not wait for NATS either.
        var joinClock = Stopwatch.StartNew();
        var latecomer = await JoinAsync(First);
        await RegisterEchoAsync(latecomer, "com.fault.late");
        Assert.Equal("late", (await caller.CallAsync("com.fault.late", ["late"]).WaitAsync(Patience)).Args[0]);
        Assert.True(joinClock.Elapsed < TimeSpan.FromSeconds(2), $"join, register and call without NATS took {joinClock.Elapsed}");

        var clock = Stopwatch.StartNew();
        await Nats.RestartAsync();
        // The registration of the other node is callable again: its node puts it back, this one watches afresh.
        WampResult? back = null;
        while (back is null && clock.Elapsed < Patience)
        {
            try { back = await caller.CallAsync("com.fault.remote", ["again"], options: Retry).WaitAsync(Patience); }
            // While the registry is watched afresh the remote callee goes and comes back (RealmCluster's ForgetRemoteCommand):
            // a call finds none (no_such_procedure), or is canceled when its callee goes in flight, until the watch settles.
            // A call relayed in the instant NATS is back, before the other node's subscription is, is lost on the way (NATS
            // core delivers at most once, to the interest it has): the dealer's call timeout ends it, as a caller would.
            catch (WampException e) when (e.Error is "wamp.error.no_such_procedure" or "wamp.error.canceled" or "wamp.error.timeout")
            {
                await First.WaitForLineAsync("NATS is back");
            }
        }
        var healed = clock.Elapsed;
        Assert.Equal("again", back?.Args[0]);
        Assert.True(healed < TimeSpan.FromSeconds(5), $"whole again after {healed}");
        Assert.Single(First.Log.Split('\n'), l => l.Contains("NATS is unreachable")); // the outage is logged once
        await caller.PublishAsync("com.fault.events", ["after"], null, new PublishOptions { Acknowledge = true }).WaitAsync(Patience);
        Assert.Equal("after", await events.Reader.ReadAsync().AsTask().WaitAsync(Patience)); // not "before" again
        Assert.False(events.Reader.TryRead(out var extra), $"an event came twice: {extra}");
        Console.WriteLine($"cluster fault: whole again {healed.TotalMilliseconds:0} ms after nats-server restarted");
    }

    public async Task DisposeAsync()
    {
        foreach (var s in _sessions)
        {
            try { await s.DisposeAsync(); }
            catch (Exception) { /* its node may be gone */ }
        }
        await _nodes.DisposeAsync();
    }
}
