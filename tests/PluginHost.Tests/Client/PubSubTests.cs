using System.Threading.Channels;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Messages;
using static PluginHost.Tests.Client.TestExtensions;

namespace PluginHost.Tests.Client;

public class PubSubTests
{
    [Fact]
    public async Task Publish_without_acknowledge_returns_null_and_sends_no_options()
    {
        var (session, router) = await FakeRouter.JoinAsync();
        await using var scope = router;
        Assert.Null(await session.PublishAsync("com.topic", ["hi"], Dict(("k", 1L))).Within());
        var sent = await router.ExpectAsync<PublishMessage>();
        Assert.Equal("com.topic", sent.Topic);
        Assert.Equal("hi", sent.Arguments![0]);
        Assert.Equal(1L, sent.ArgumentsKw!["k"]);
        Assert.Empty(sent.Options);
    }

    [Fact]
    public async Task Acknowledged_publish_maps_every_option_and_returns_the_publication_id()
    {
        var (session, router) = await FakeRouter.JoinAsync();
        await using var scope = router;
        var publish = session.PublishAsync("com.topic", options: new PublishOptions
        {
            Acknowledge = true, ExcludeMe = false, DiscloseMe = true,
            Exclude = [1, 2], Eligible = [3], ExcludeAuthId = ["eve"], ExcludeAuthRole = ["guest"],
            EligibleAuthId = ["bob"], EligibleAuthRole = ["user"],
        });
        var sent = await router.ExpectAsync<PublishMessage>();
        var o = sent.Options;
        Assert.Equal(true, o["acknowledge"]);
        Assert.Equal(false, o["exclude_me"]);
        Assert.Equal(true, o["disclose_me"]);
        Assert.Equal([1L, 2L], o.GetInt64List("exclude")!);
        Assert.Equal([3L], o.GetInt64List("eligible")!);
        Assert.Equal(["eve"], o.GetStringList("exclude_authid")!);
        Assert.Equal(["guest"], o.GetStringList("exclude_authrole")!);
        Assert.Equal(["bob"], o.GetStringList("eligible_authid")!);
        Assert.Equal(["user"], o.GetStringList("eligible_authrole")!);

        await router.SendAsync(new PublishedMessage(sent.RequestId, 31337));
        Assert.Equal(31337, await publish.Within());
    }

    [Fact]
    public async Task Acknowledged_publish_error_throws()
    {
        var (session, router) = await FakeRouter.JoinAsync();
        await using var scope = router;
        var publish = session.PublishAsync("com.topic", options: new PublishOptions { Acknowledge = true });
        var sent = await router.ExpectAsync<PublishMessage>();
        await router.SendAsync(new ErrorMessage(WampMessageType.Publish, sent.RequestId, WampValue.EmptyDict(), WampErrors.NotAuthorized));
        Assert.Equal(WampErrors.NotAuthorized, (await Assert.ThrowsAsync<WampException>(() => publish.Within())).Error);
    }

    private static async Task<WampSubscription> SubscribeAsync(WampSession session, FakeRouter router,
        Func<WampEvent, ValueTask> handler, long id = 500, SubscribeOptions? options = null)
    {
        var subscribe = session.SubscribeAsync("com.topic", handler, options);
        var sent = await router.ExpectAsync<SubscribeMessage>();
        await router.SendAsync(new SubscribedMessage(sent.RequestId, id));
        return await subscribe.Within();
    }

    [Fact]
    public async Task Events_reach_the_handler_in_order_with_publisher_details()
    {
        var (session, router) = await FakeRouter.JoinAsync();
        await using var scope = router;
        var events = Channel.CreateUnbounded<WampEvent>();
        var sub = await SubscribeAsync(session, router, async e =>
        {
            await Task.Yield(); // a handler that really awaits must still see events in order
            events.Writer.TryWrite(e);
        }, options: new SubscribeOptions { Match = UriMatch.Wildcard });
        Assert.Equal(500, sub.Id);

        const int N = 300;
        for (long i = 0; i < N; i++)
            await router.SendAsync(new EventMessage(500, 1000 + i,
                Dict(("publisher", 9L), ("publisher_authid", "bob"), ("topic", "com.topic.x")), [i]));
        for (long i = 0; i < N; i++)
        {
            var e = await events.Reader.ReadAsync().AsTask().Within();
            Assert.Equal(i, e.Args[0]);
            Assert.Equal(1000 + i, e.PublicationId);
            Assert.Equal(9L, e.Publisher);
            Assert.Equal("bob", e.PublisherAuthId);
            Assert.Equal("com.topic.x", e.Topic);
        }
    }

    [Fact]
    public async Task Pending_events_count_from_arrival_until_the_handler_returns()
    {
        var (session, router) = await FakeRouter.JoinAsync();
        await using var scope = router;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await SubscribeAsync(session, router, async _ => await release.Task);

        for (long i = 0; i < 3; i++) await router.SendAsync(new EventMessage(500, 1000 + i, Dict(), [i]));
        // A reply the router sends after the events: by the time it is seen, all three were received and counted.
        var barrier = session.PublishAsync("com.barrier", options: new PublishOptions { Acknowledge = true });
        await router.SendAsync(new PublishedMessage((await router.ExpectAsync<PublishMessage>()).RequestId, 1));
        await barrier.Within();
        Assert.Equal(3, session.PendingEvents);

        release.SetResult();
        await WaitUntilAsync(() => session.PendingEvents == 0);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 30 s");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task Subscribe_sends_match_option()
    {
        var (session, router) = await FakeRouter.JoinAsync();
        await using var scope = router;
        _ = session.SubscribeAsync("com.", _ => default, new SubscribeOptions { Match = UriMatch.Prefix });
        Assert.Equal("prefix", (await router.ExpectAsync<SubscribeMessage>()).Options["match"]);
    }

    [Fact]
    public async Task Two_handlers_sharing_a_subscription_id_both_get_events_and_unsubscribe_is_refcounted()
    {
        var (session, router) = await FakeRouter.JoinAsync();
        await using var scope = router;
        var first = Channel.CreateUnbounded<object?>();
        var second = Channel.CreateUnbounded<object?>();
        var a = await SubscribeAsync(session, router, e => { first.Writer.TryWrite(e.Args[0]); return default; });
        var b = await SubscribeAsync(session, router, e => { second.Writer.TryWrite(e.Args[0]); return default; });
        Assert.Equal(a.Id, b.Id);

        await router.SendAsync(new EventMessage(500, 1, WampValue.EmptyDict(), ["one"]));
        Assert.Equal("one", await first.Reader.ReadAsync().AsTask().Within());
        Assert.Equal("one", await second.Reader.ReadAsync().AsTask().Within());

        // Removing one handler stays local: no UNSUBSCRIBE, the other keeps receiving.
        await a.UnsubscribeAsync().Within();
        await router.SendAsync(new EventMessage(500, 2, WampValue.EmptyDict(), ["two"]));
        Assert.Equal("two", await second.Reader.ReadAsync().AsTask().Within());

        var last = b.UnsubscribeAsync();
        var unsubscribe = await router.ExpectAsync<UnsubscribeMessage>(); // the first router-bound message since SUBSCRIBE
        Assert.Equal(500, unsubscribe.Subscription);
        await router.SendAsync(new UnsubscribedMessage(unsubscribe.RequestId));
        await last.Within();
        Assert.False(first.Reader.TryRead(out var _));
    }
}
