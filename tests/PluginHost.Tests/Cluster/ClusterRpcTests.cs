using System.Diagnostics;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router.Cluster;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Cluster;

/// <summary>Calls across two nodes of one cluster (real nats-server): the caller's node runs the call, the callee's relays it.</summary>
public sealed class ClusterRpcTests(NatsFixture nats) : ClusterTestBase(nats)
{
    [Fact]
    public async Task A_caller_reaches_a_callee_on_another_node_right_after_its_REGISTERED()
    {
        var a = await StartNodeAsync("a");
        var b = await StartNodeAsync("b");
        var callee = await JoinAsync(b);
        var caller = await JoinAsync(a);
        var reg = await callee.RegisterAsync("com.math.add", Dict(("disclose_caller", true)));

        // No waiting: REGISTERED means every node can find the callee (stored registry entry + catch-up on a miss).
        var req = await caller.CallAsync("com.math.add", [2L, 3L], kwargs: Dict(("k", 1L)));
        var inv = await callee.ExpectAsync<InvocationMessage>();
        Assert.Equal(reg, inv.Registration); // the id the callee got from its own node
        Assert.Equal(1L, inv.RequestId);     // the callee's own invocation id sequence
        Assert.Equal(new object?[] { 2L, 3L }, inv.Arguments!);
        Assert.Equal(1L, inv.ArgumentsKw!["k"]);
        Assert.Equal(caller.SessionId, inv.Details["caller"]);
        Assert.Equal(caller.AuthRole, inv.Details["caller_authrole"]);
        await callee.SendAsync(new YieldMessage(inv.RequestId, Dict(), [5L], Dict(("done", true))));
        var result = await caller.ExpectAsync<ResultMessage>();
        Assert.Equal(req, result.RequestId);
        Assert.Equal(5L, result.Arguments![0]);
        Assert.Equal(true, result.ArgumentsKw!["done"]);

        // An application error keeps its URI, args and kwargs.
        req = await caller.CallAsync("com.math.add", [1L]);
        inv = await callee.ExpectAsync<InvocationMessage>();
        Assert.Equal(2L, inv.RequestId);
        await callee.SendAsync(new ErrorMessage(WampMessageType.Invocation, inv.RequestId, Dict(), "com.math.error.arity", ["two please"], Dict(("got", 1L))));
        var error = await caller.ExpectErrorAsync(WampMessageType.Call, req, "com.math.error.arity");
        Assert.Equal("two please", error.Arguments![0]);
        Assert.Equal(1L, error.ArgumentsKw!["got"]);
    }

    [Fact]
    public async Task Progressive_results_and_a_pattern_registration_cross_nodes()
    {
        var a = await StartNodeAsync("a");
        var b = await StartNodeAsync("b");
        var callee = await JoinAsync(b);
        var caller = await JoinAsync(a);
        await callee.RegisterAsync("com.stream", Dict(("match", "prefix")));
        var req = await caller.CallAsync("com.stream.numbers", options: Dict(("receive_progress", true)));
        var inv = await callee.ExpectAsync<InvocationMessage>();
        Assert.Equal("com.stream.numbers", inv.Details["procedure"]);
        Assert.Equal(true, inv.Details["receive_progress"]);
        for (long i = 0; i < 3; i++) await callee.SendAsync(new YieldMessage(inv.RequestId, Dict(("progress", true)), [i]));
        await callee.SendAsync(new YieldMessage(inv.RequestId, Dict(), ["done"]));
        for (long i = 0; i < 3; i++)
        {
            var progress = await caller.ExpectAsync<ResultMessage>();
            Assert.Equal(req, progress.RequestId);
            Assert.Equal(true, progress.Details["progress"]);
            Assert.Equal(i, progress.Arguments![0]);
        }
        Assert.Equal("done", (await caller.ExpectAsync<ResultMessage>()).Arguments![0]);
    }

    [Fact]
    public async Task A_single_registration_is_cluster_wide_and_shared_ones_take_turns_across_nodes()
    {
        var a = await StartNodeAsync("a");
        var b = await StartNodeAsync("b");
        var first = await JoinAsync(a);
        var second = await JoinAsync(b);
        await first.RegisterAsync("com.single");
        var id = second.NextRequestId();
        await second.SendAsync(new RegisterMessage(id, Dict(), "com.single"));
        await second.ExpectErrorAsync(WampMessageType.Register, id, WampErrors.ProcedureAlreadyExists);

        await first.RegisterAsync("com.shared", Dict(("invoke", "roundrobin")));
        await second.RegisterAsync("com.shared", Dict(("invoke", "roundrobin")));
        // REGISTERED comes once every node has seen the callee: it is in the rotation everywhere at once.
        var caller = await JoinAsync(a);
        foreach (var expected in new[] { first, second, first, second })
        {
            var req = await caller.CallAsync("com.shared");
            var inv = await expected.ExpectAsync<InvocationMessage>();
            await expected.SendAsync(new YieldMessage(inv.RequestId, Dict()));
            Assert.Equal(req, (await caller.ExpectAsync<ResultMessage>()).RequestId);
        }
        await first.AssertNothingPendingAsync();
        await second.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Two_nodes_racing_to_register_a_single_procedure_give_it_to_one_callee()
    {
        var a = await StartNodeAsync("a");
        var b = await StartNodeAsync("b");
        for (int round = 0; round < 5; round++)
        {
            var onA = await JoinAsync(a);
            var onB = await JoinAsync(b);
            var procedure = $"com.race.r{round}";
            long idA = onA.NextRequestId(), idB = onB.NextRequestId();
            // Both REGISTERs are out before either answer: neither node can know of the other's callee yet.
            await Task.WhenAll(onA.SendAsync(new RegisterMessage(idA, Dict(), procedure)).AsTask(), onB.SendAsync(new RegisterMessage(idB, Dict(), procedure)).AsTask());
            var answers = await Task.WhenAll(onA.ReceiveAsync(), onB.ReceiveAsync());
            Assert.Single(answers.OfType<RegisteredMessage>());
            var refused = Assert.Single(answers.OfType<ErrorMessage>());
            Assert.Equal(WampErrors.ProcedureAlreadyExists, refused.Error);

            // Whoever got it is the one callee everywhere.
            var winner = answers[0] is RegisteredMessage ? onA : onB;
            foreach (var node in new[] { a, b })
            {
                var caller = await JoinAsync(node);
                var req = await caller.CallAsync(procedure);
                var inv = await winner.ExpectAsync<InvocationMessage>();
                await winner.SendAsync(new YieldMessage(inv.RequestId, Dict()));
                Assert.Equal(req, (await caller.ExpectAsync<ResultMessage>()).RequestId);
            }
        }
    }

    [Fact]
    public async Task A_callee_leaving_or_a_cancel_or_a_timeout_ends_a_cross_node_call_at_once()
    {
        var a = await StartNodeAsync("a");
        var b = await StartNodeAsync("b");
        var callee = await JoinAsync(b);
        var caller = await JoinAsync(a);
        await callee.RegisterAsync("com.slow");

        // CANCEL killnowait: INTERRUPT reaches the callee on its node, ERROR canceled the caller at once.
        var req = await caller.CallAsync("com.slow");
        var inv = await callee.ExpectAsync<InvocationMessage>();
        await caller.SendAsync(new CancelMessage(req, Dict(("mode", "killnowait"))));
        await caller.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.Canceled);
        var interrupt = await callee.ExpectAsync<InterruptMessage>();
        Assert.Equal(inv.RequestId, interrupt.RequestId);

        // Call timeout: run by the caller's node; the callee is interrupted.
        req = await caller.CallAsync("com.slow", options: Dict(("timeout", 200L)));
        inv = await callee.ExpectAsync<InvocationMessage>();
        await caller.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.Timeout);
        Assert.Equal(inv.RequestId, (await callee.ExpectAsync<InterruptMessage>()).RequestId);

        // The callee leaves with a call pending: the caller elsewhere gets ERROR canceled.
        req = await caller.CallAsync("com.slow");
        await callee.ExpectAsync<InvocationMessage>();
        await callee.DisposeAsync();
        await caller.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.Canceled);
    }

    [Fact]
    public async Task A_crashed_node_fails_the_calls_pending_there_and_its_registrations_go()
    {
        var a = await StartNodeAsync("a");
        var b = await StartNodeAsync("b");
        var callee = await JoinAsync(b);
        var caller = await JoinAsync(a);
        await callee.RegisterAsync("com.fragile");
        var req = await caller.CallAsync("com.fragile");
        await callee.ExpectAsync<InvocationMessage>();

        var clock = Stopwatch.StartNew();
        await CrashAsync(b);
        await caller.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.Canceled);
        var failed = clock.Elapsed;
        Assert.True(failed < TimeSpan.FromSeconds(5), $"the pending call failed after {failed}");

        var again = await caller.CallAsync("com.fragile");
        await caller.ExpectErrorAsync(WampMessageType.Call, again, WampErrors.NoSuchProcedure);
        Console.WriteLine($"cluster: a crashed node's pending call failed after {failed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task A_call_relayed_to_a_node_that_no_longer_listens_fails_at_once_instead_of_waiting_for_ever()
    {
        var a = await StartNodeAsync("a");
        var b = await StartNodeAsync("b");
        var callee = await JoinAsync(b);
        var caller = await JoinAsync(a);
        await callee.RegisterAsync("com.gone.soon");

        // b crashes: its subscriptions go with its NATS connection, while its registry entry stays until its liveness key
        // expires (NodeTimeout) - the moment a reconnecting node also has (entries back, subscription not yet). Until the
        // server has dropped b's subscription, a probe on b's subject finds a subscriber; then NATS says no responders.
        await CrashAsync(b);
        string bSubject = b.Cluster!.NodeSubject(ClusterNode.Sanitize("realm1"), b.Cluster.NodeId);
        await using (var probe = new NATS.Client.Core.NatsConnection(NATS.Client.Core.NatsOpts.Default with { Url = Nats.Url }))
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    await probe.RequestAsync<byte[], byte[]>(bSubject, [0], replyOpts: new NATS.Client.Core.NatsSubOpts { Timeout = TimeSpan.FromMilliseconds(200) });
                }
                catch (NATS.Client.Core.NatsNoRespondersException)
                {
                    break;
                }
                catch (NATS.Client.Core.NatsNoReplyException) when (deadline.Elapsed < TimeSpan.FromSeconds(2))
                {
                    // b's subscription is still there (the probe is not an envelope: nobody answers it)
                }
            }
        }

        // The INVOCATION a's dealer relays to b's callee finds no subscriber: NATS answers a at once and the caller gets
        // wamp.error.unavailable, long before b's liveness key expires (and without a call timeout of its own).
        var clock = Stopwatch.StartNew();
        var req = await caller.CallAsync("com.gone.soon");
        var error = await caller.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.Unavailable);
        Assert.Contains("did not receive the invocation", (string)error.Arguments![0]!);
        Assert.True(clock.Elapsed < NodeTimeout, $"answered after {clock.Elapsed}, not before b's liveness expired ({NodeTimeout})");
    }
}

/// <summary>A node the others took for dead (its liveness key gone) shares its registrations again as soon as it notices.</summary>
public sealed class ClusterLivenessTests(NatsFixture nats) : ClusterTestBase(nats)
{
    [Fact]
    public async Task A_node_declared_dead_while_alive_puts_its_registrations_back()
    {
        var a = await StartNodeAsync("a");
        var b = await StartNodeAsync("b");
        var callee = await JoinAsync(b);
        var watcher = await JoinAsync(a);
        var reg = await callee.RegisterAsync("com.stalled");

        // What a stall longer than node_timeout looks like: b's liveness key expired and a survivor deleted b's entries.
        await using (var client = new NATS.Client.Core.NatsConnection(NATS.Client.Core.NatsOpts.Default with { Url = Nats.Url }))
        {
            var kv = new NATS.Client.KeyValueStore.NatsKVContext(new NATS.Client.JetStream.NatsJSContext(client));
            var nodes = await kv.GetStoreAsync($"{ClusterName}_nodes");
            await nodes.DeleteAsync(b.Cluster!.NodeId);
            var registry = await kv.GetStoreAsync($"{ClusterName}_registry");
            await foreach (var key in registry.GetKeysAsync())
                if (key.Contains($".{b.Cluster.NodeId}.", StringComparison.Ordinal)) await registry.DeleteAsync(key);
        }

        // b notices at its next renewal and puts them back: a sees the registration again (each registry change wakes the loop).
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var change = a.Cluster!.NextRegistryChange();
            await watcher.CallAsync("wamp.registration.lookup", ["com.stalled"]);
            var found = (await watcher.ExpectAsync<ResultMessage>()).Arguments![0];
            if (found is not null)
            {
                Assert.Equal(reg, found);
                break;
            }
            await change.WaitAsync(TimeSpan.FromSeconds(10));
        }
        Console.WriteLine($"cluster: a node taken for dead had its registration back after {clock.Elapsed.TotalMilliseconds:0} ms");
    }
}
