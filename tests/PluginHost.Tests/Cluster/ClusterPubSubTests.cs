using PluginHost.Wamp.Messages;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Cluster;

/// <summary>Publish and subscribe across two nodes of one cluster (real nats-server): a client cannot tell the difference.</summary>
public sealed class ClusterPubSubTests(NatsFixture nats) : ClusterTestBase(nats)
{
    [Fact]
    public async Task Subscribers_on_every_node_get_each_event_once_in_the_publishers_order()
    {
        var a = await StartNodeAsync("a");
        var b = await StartNodeAsync("b");
        var onA = await JoinAsync(a);
        var onB = await JoinAsync(b);
        var publisher = await JoinAsync(a);
        var subA = await onA.SubscribeAsync("com.example.tick");
        var subB = await onB.SubscribeAsync("com.example.tick");

        const int count = 200;
        for (long i = 0; i < count; i++)
            await publisher.SendAsync(new PublishMessage(publisher.NextRequestId(), Dict(), "com.example.tick", [i]));
        await publisher.PublishAckAsync("com.example.tick", args: [(long)count]);

        foreach (var (client, sub) in new[] { (onA, subA), (onB, subB) })
        {
            for (long i = 0; i <= count; i++)
            {
                var ev = await client.ExpectAsync<EventMessage>();
                Assert.Equal(sub, ev.Subscription);
                Assert.Equal(i, ev.Arguments![0]);
            }
        }
        // Exactly once: nothing more came (the barrier's ERROR is next), and the publisher got nothing of its own.
        await onA.AssertNothingPendingAsync();
        await onB.AssertNothingPendingAsync();
        await publisher.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Disclosure_black_and_white_lists_and_patterns_hold_across_nodes()
    {
        var a = await StartNodeAsync("a");
        var b = await StartNodeAsync("b");
        var publisher = await JoinAsync(a);
        var wanted = await JoinAsync(b);
        var excluded = await JoinAsync(b);
        var prefix = await JoinAsync(b);
        var wildcard = await JoinAsync(b);
        await wanted.SubscribeAsync("com.example.news");
        await excluded.SubscribeAsync("com.example.news");
        var prefixSub = await prefix.SubscribeAsync("com.example", Dict(("match", "prefix")));
        var wildcardSub = await wildcard.SubscribeAsync("com..news", Dict(("match", "wildcard")));

        await publisher.PublishAckAsync("com.example.news", Dict(("disclose_me", true), ("exclude", new List<object?> { excluded.SessionId })),
            args: ["hello"], kwargs: Dict(("k", 1L)));

        var ev = await wanted.ExpectAsync<EventMessage>();
        Assert.Equal("hello", ev.Arguments![0]);
        Assert.Equal(1L, ev.ArgumentsKw!["k"]);
        Assert.Equal(publisher.SessionId, ev.Details["publisher"]);
        Assert.Equal(publisher.AuthRole, ev.Details["publisher_authrole"]);
        var byPrefix = await prefix.ExpectAsync<EventMessage>();
        Assert.Equal(prefixSub, byPrefix.Subscription);
        Assert.Equal("com.example.news", byPrefix.Details["topic"]);
        var byWildcard = await wildcard.ExpectAsync<EventMessage>();
        Assert.Equal(wildcardSub, byWildcard.Subscription);
        await excluded.AssertNothingPendingAsync();

        // eligible by session id: only that subscriber, wherever it is.
        await publisher.PublishAckAsync("com.example.news", Dict(("eligible", new List<object?> { excluded.SessionId })));
        await excluded.ExpectAsync<EventMessage>();
        await wanted.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task A_retained_event_published_on_one_node_is_delivered_to_a_later_subscriber_on_another()
    {
        var a = await StartNodeAsync("a");
        var b = await StartNodeAsync("b");
        var publisher = await JoinAsync(a);
        var witness = await JoinAsync(b);
        await witness.SubscribeAsync("com.example.state");
        await publisher.PublishAckAsync("com.example.state", Dict(("retain", true)), args: ["on"]);
        await witness.ExpectAsync<EventMessage>(); // node b has routed it, so it has retained it

        var late = await JoinAsync(b);
        await late.SubscribeAsync("com.example.state", Dict(("get_retained", true)));
        var ev = await late.ExpectAsync<EventMessage>();
        Assert.Equal("on", ev.Arguments![0]);
        Assert.Equal(true, ev.Details["retained"]);
    }

    [Fact]
    public async Task Meta_events_of_one_node_reach_subscribers_on_another()
    {
        var a = await StartNodeAsync("a");
        var b = await StartNodeAsync("b");
        var watcher = await JoinAsync(b);
        await watcher.SubscribeAsync("wamp.session.on_join");
        var joined = await JoinAsync(a);
        var ev = await watcher.ExpectAsync<EventMessage>();
        var details = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(ev.Arguments![0]);
        Assert.Equal(joined.SessionId, details["session"]);
    }
}

/// <summary>The subscription meta API answers for the whole realm: subscribers of every node, one id per subscription.</summary>
public sealed class ClusterSubscriptionMetaTests(NatsFixture nats) : ClusterTestBase(nats)
{
    [Fact]
    public async Task Subscribers_elsewhere_are_listed_counted_and_removable_under_one_id()
    {
        var a = await StartNodeAsync("a");
        var b = await StartNodeAsync("b");
        var remote = await JoinAsync(b, features: ("subscriber", "subscription_revocation"));
        var watcher = await JoinAsync(a);
        var subId = await remote.SubscribeAsync("com.example.meta");

        // SUBSCRIBED does not wait for the registry: a's view catches up a moment later (each registry change wakes the test).
        while (true)
        {
            var change = a.Cluster!.NextRegistryChange();
            await watcher.CallAsync("wamp.subscription.lookup", ["com.example.meta"]);
            if ((await watcher.ExpectAsync<ResultMessage>()).Arguments![0] is not null) break;
            await change.WaitAsync(TimeSpan.FromSeconds(10));
        }
        await watcher.CallAsync("wamp.subscription.lookup", ["com.example.meta"]);
        Assert.Equal(subId, (await watcher.ExpectAsync<ResultMessage>()).Arguments![0]);

        // A local subscriber of the same topic joins the same subscription id.
        var local = await JoinAsync(a);
        Assert.Equal(subId, await local.SubscribeAsync("com.example.meta"));
        await watcher.CallAsync("wamp.subscription.list_subscribers", [subId]);
        var subscribers = Assert.IsAssignableFrom<IEnumerable<object?>>((await watcher.ExpectAsync<ResultMessage>()).Arguments![0]);
        Assert.Equal(new[] { local.SessionId, remote.SessionId }.Order(), subscribers.Select(x => (long)x!).Order());
        await watcher.CallAsync("wamp.subscription.get", [subId]);
        Assert.Equal("com.example.meta", ((IReadOnlyDictionary<string, object?>)(await watcher.ExpectAsync<ResultMessage>()).Arguments![0]!)["uri"]);

        // remove_subscriber of the remote subscriber: its node revokes it.
        await watcher.CallAsync("wamp.subscription.remove_subscriber", [subId, remote.SessionId]);
        await watcher.ExpectAsync<ResultMessage>();
        var revoked = await remote.ExpectAsync<UnsubscribedMessage>();
        Assert.Equal(0, revoked.RequestId);
        Assert.Equal(subId, revoked.Details!["subscription"]);
    }
}
