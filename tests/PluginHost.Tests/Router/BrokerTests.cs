using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Router;

public sealed class BrokerTests : RouterTestBase
{
    protected override IEnumerable<RealmConfig> Realms =>
    [
        new RealmConfig { Name = "realm1" },
        new RealmConfig { Name = "strict", UriCheck = UriCheckMode.Strict },
        new RealmConfig
        {
            Name = "disclosing",
            Roles =
            [
                new RoleConfig
                {
                    Name = "anonymous",
                    Permissions = [new PermissionConfig { Uri = "", Match = UriMatch.Prefix, Publish = true, Subscribe = true, DisclosePublisher = true }],
                },
            ],
        },
    ];

    [Fact]
    public async Task Publish_reaches_subscriber_with_payload_and_acknowledge()
    {
        var sub = await JoinAsync();
        var pub = await JoinAsync();
        var subId = await sub.SubscribeAsync("com.app.topic");
        var publication = await pub.PublishAckAsync("com.app.topic", args: [1L, "two"], kwargs: Dict(("k", "v")));
        var ev = await sub.ExpectAsync<EventMessage>();
        Assert.Equal(subId, ev.Subscription);
        Assert.Equal(publication, ev.Publication);
        Assert.Equal(new object?[] { 1L, "two" }, ev.Arguments!);
        Assert.Equal("v", ev.ArgumentsKw!["k"]);
        Assert.Empty(ev.Details); // exact subscription, no disclosure
    }

    [Fact]
    public async Task Publish_without_acknowledge_gets_no_reply()
    {
        var sub = await JoinAsync();
        var pub = await JoinAsync();
        await sub.SubscribeAsync("t");
        await pub.SendAsync(new PublishMessage(pub.NextRequestId(), Dict(), "t", ["x"]));
        Assert.Equal("x", (await sub.ExpectAsync<EventMessage>()).Arguments![0]);
        await pub.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Publisher_is_excluded_by_default_and_included_with_exclude_me_false()
    {
        var c = await JoinAsync();
        await c.SubscribeAsync("t");
        await c.PublishAckAsync("t", args: ["excluded"]);
        await c.AssertNothingPendingAsync();

        var id = c.NextRequestId();
        await c.SendAsync(new PublishMessage(id, Dict(("exclude_me", false), ("acknowledge", true)), "t", ["included"]));
        // the EVENT is queued before PUBLISHED (dispatch happens before the acknowledgement)
        Assert.Equal("included", (await c.ExpectAsync<EventMessage>()).Arguments![0]);
        Assert.Equal(id, (await c.ExpectAsync<PublishedMessage>()).RequestId);
    }

    [Fact]
    public async Task Exclude_and_eligible_by_session_id()
    {
        var a = await JoinAsync();
        var b = await JoinAsync();
        var c = await JoinAsync();
        var pub = await JoinAsync();
        foreach (var s in new[] { a, b, c }) await s.SubscribeAsync("t");

        await pub.PublishAckAsync("t", Dict(("exclude", new List<object?> { b.SessionId })), ["ex"]);
        Assert.Equal("ex", (await a.ExpectAsync<EventMessage>()).Arguments![0]);
        Assert.Equal("ex", (await c.ExpectAsync<EventMessage>()).Arguments![0]);
        await b.AssertNothingPendingAsync();

        await pub.PublishAckAsync("t", Dict(("eligible", new List<object?> { a.SessionId, b.SessionId }), ("exclude", new List<object?> { b.SessionId })), ["el"]);
        Assert.Equal("el", (await a.ExpectAsync<EventMessage>()).Arguments![0]);
        await b.AssertNothingPendingAsync();
        await c.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Exclude_and_eligible_by_authid_and_authrole()
    {
        var a = await JoinAsync(auth: Role("red"));
        var b = await JoinAsync(auth: Role("blue"));
        var pub = await JoinAsync();
        await a.SubscribeAsync("t");
        await b.SubscribeAsync("t");

        await pub.PublishAckAsync("t", Dict(("exclude_authrole", new List<object?> { "red" })), ["1"]);
        Assert.Equal("1", (await b.ExpectAsync<EventMessage>()).Arguments![0]);
        await a.AssertNothingPendingAsync();

        await pub.PublishAckAsync("t", Dict(("eligible_authrole", new List<object?> { "red" })), ["2"]);
        Assert.Equal("2", (await a.ExpectAsync<EventMessage>()).Arguments![0]);
        await b.AssertNothingPendingAsync();

        await pub.PublishAckAsync("t", Dict(("exclude_authid", new List<object?> { b.AuthId })), ["3"]);
        Assert.Equal("3", (await a.ExpectAsync<EventMessage>()).Arguments![0]);
        await b.AssertNothingPendingAsync();

        await pub.PublishAckAsync("t", Dict(("eligible_authid", new List<object?> { b.AuthId })), ["4"]);
        Assert.Equal("4", (await b.ExpectAsync<EventMessage>()).Arguments![0]);
        await a.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Publisher_disclosure_on_request()
    {
        var sub = await JoinAsync();
        var pub = await JoinAsync();
        await sub.SubscribeAsync("t");
        await pub.PublishAckAsync("t", Dict(("disclose_me", true)));
        var ev = await sub.ExpectAsync<EventMessage>();
        Assert.Equal(pub.SessionId, ev.Details["publisher"]);
        Assert.Equal(pub.AuthId, ev.Details["publisher_authid"]);
        Assert.Equal(pub.AuthRole, ev.Details["publisher_authrole"]);
    }

    [Fact]
    public async Task Publisher_disclosure_by_role_permission()
    {
        var sub = await JoinAsync("disclosing");
        var pub = await JoinAsync("disclosing");
        await sub.SubscribeAsync("t");
        await pub.PublishAckAsync("t");
        var ev = await sub.ExpectAsync<EventMessage>();
        Assert.Equal(pub.SessionId, ev.Details["publisher"]);
    }

    [Fact]
    public async Task Same_topic_shares_one_subscription_id()
    {
        var a = await JoinAsync();
        var b = await JoinAsync();
        var idA = await a.SubscribeAsync("t");
        var idB = await b.SubscribeAsync("t");
        Assert.Equal(idA, idB);
        Assert.Equal(idA, await a.SubscribeAsync("t")); // twice from the same session: same id
        Assert.NotEqual(idA, await a.SubscribeAsync("t", Dict(("match", "prefix")))); // other match policy: other subscription

        // subscribed twice, but one delivery for the exact subscription (+1 for the prefix one)
        var pub = await JoinAsync();
        await pub.PublishAckAsync("t");
        var events = new[] { await a.ExpectAsync<EventMessage>(), await a.ExpectAsync<EventMessage>() };
        Assert.Equal(2, events.Select(e => e.Subscription).Distinct().Count());
        await a.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Event_object_is_built_once_per_subscription()
    {
        var a = await JoinAsync();
        var b = await JoinAsync();
        var pub = await JoinAsync();
        await a.SubscribeAsync("t");
        await b.SubscribeAsync("t");
        await pub.PublishAckAsync("t", args: ["x"]);
        var ea = await a.ExpectAsync<EventMessage>();
        var eb = await b.ExpectAsync<EventMessage>();
        Assert.Same(ea, eb); // in-process transport hands over the very object the router queued
    }

    [Fact]
    public async Task Prefix_and_wildcard_subscriptions_carry_the_concrete_topic()
    {
        var s = await JoinAsync();
        var pub = await JoinAsync();
        var prefix = await s.SubscribeAsync("com.app", Dict(("match", "prefix")));
        var wildcard = await s.SubscribeAsync("com..update", Dict(("match", "wildcard")));

        await pub.PublishAckAsync("com.app.x.update");
        var e1 = await s.ExpectAsync<EventMessage>();
        Assert.Equal(prefix, e1.Subscription);
        Assert.Equal("com.app.x.update", e1.Details["topic"]);
        await s.AssertNothingPendingAsync(); // wildcard needs exactly 3 components

        await pub.PublishAckAsync("com.other.update");
        var e2 = await s.ExpectAsync<EventMessage>();
        Assert.Equal(wildcard, e2.Subscription);
        Assert.Equal("com.other.update", e2.Details["topic"]);

        await pub.PublishAckAsync("com.app.update"); // both match
        var both = new[] { await s.ExpectAsync<EventMessage>(), await s.ExpectAsync<EventMessage>() };
        Assert.Equal(new[] { prefix, wildcard }.OrderBy(x => x), both.Select(e => e.Subscription).OrderBy(x => x));

        await pub.PublishAckAsync("org.app.update");
        await s.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Unsubscribe_stops_delivery_and_unknown_subscription_is_an_error()
    {
        var s = await JoinAsync();
        var pub = await JoinAsync();
        var id = await s.SubscribeAsync("t");
        var req = s.NextRequestId();
        await s.SendAsync(new UnsubscribeMessage(req, id));
        Assert.Equal(req, (await s.ExpectAsync<UnsubscribedMessage>()).RequestId);
        await pub.PublishAckAsync("t");
        await s.AssertNothingPendingAsync();

        req = s.NextRequestId();
        await s.SendAsync(new UnsubscribeMessage(req, id));
        await s.ExpectErrorAsync(WampMessageType.Unsubscribe, req, WampErrors.NoSuchSubscription);
    }

    [Fact]
    public async Task Invalid_and_reserved_topics_are_rejected()
    {
        var c = await JoinAsync();
        var req = c.NextRequestId();
        await c.SendAsync(new SubscribeMessage(req, Dict(), "a..b"));
        await c.ExpectErrorAsync(WampMessageType.Subscribe, req, WampErrors.InvalidUri);

        req = c.NextRequestId();
        await c.SendAsync(new PublishMessage(req, Dict(("acknowledge", true)), "a b"));
        await c.ExpectErrorAsync(WampMessageType.Publish, req, WampErrors.InvalidUri);

        req = c.NextRequestId();
        await c.SendAsync(new PublishMessage(req, Dict(("acknowledge", true)), "wamp.session.on_join"));
        await c.ExpectErrorAsync(WampMessageType.Publish, req, WampErrors.InvalidUri);

        req = c.NextRequestId();
        await c.SendAsync(new SubscribeMessage(req, Dict(("match", "fuzzy")), "a.b"));
        await c.ExpectErrorAsync(WampMessageType.Subscribe, req, WampErrors.InvalidArgument);

        // invalid topic without acknowledge: silently dropped
        await c.SendAsync(new PublishMessage(c.NextRequestId(), Dict(), "a b"));
        await c.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Strict_realm_rejects_loose_uris()
    {
        var c = await JoinAsync("strict");
        var req = c.NextRequestId();
        await c.SendAsync(new SubscribeMessage(req, Dict(), "Com.App-Topic"));
        await c.ExpectErrorAsync(WampMessageType.Subscribe, req, WampErrors.InvalidUri);
        await c.SubscribeAsync("com.app_topic");

        var loose = await JoinAsync();
        await loose.SubscribeAsync("Com.App-Topic");
    }
}
