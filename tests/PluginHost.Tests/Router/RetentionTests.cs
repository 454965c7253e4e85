using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Router;

/// <summary>Event retention (advanced/pubsub_event_retention.md): PUBLISH.Options.retain, SUBSCRIBE.Options.get_retained.</summary>
public sealed class RetentionTests : RouterTestBase
{
    protected override IEnumerable<RealmConfig> Realms =>
    [
        new RealmConfig { Name = "realm1" },
        new RealmConfig
        {
            Name = "guarded",
            Roles =
            [
                new RoleConfig { Name = "pub", Permissions = [new PermissionConfig { Uri = "com.", Match = UriMatch.Prefix, Publish = true, Subscribe = true }] },
                new RoleConfig { Name = "reader", Permissions = [new PermissionConfig { Uri = "com.open.", Match = UriMatch.Prefix, Subscribe = true }] },
            ],
        },
    ];

    private static Dictionary<string, object?> Retain(params (string Key, object? Value)[] more)
    {
        var d = Dict(more);
        d["retain"] = true;
        return d;
    }

    private static readonly Dictionary<string, object?> GetRetained = Dict(("get_retained", true));

    /// <summary>Subscribes with <paramref name="options"/> and returns the EVENTs that followed SUBSCRIBED (and nothing else came).</summary>
    private static async Task<(long Subscription, List<EventMessage> Events)> SubscribeRetainedAsync(WampTestClient c, string topic, Dictionary<string, object?> options)
    {
        var subscription = await c.SubscribeAsync(topic, options);
        var events = (await c.DrainAsync()).Select(m => Assert.IsType<EventMessage>(m)).ToList();
        return (subscription, events);
    }

    [Fact]
    public async Task Broker_announces_event_retention()
    {
        var c = await JoinAsync();
        var broker = (IReadOnlyDictionary<string, object?>)((IReadOnlyDictionary<string, object?>)c.WelcomeDetails["roles"]!)["broker"]!;
        Assert.Equal(true, ((IReadOnlyDictionary<string, object?>)broker["features"]!)["event_retention"]);
    }

    [Fact]
    public async Task Retained_without_subscribers_is_delivered_right_after_SUBSCRIBED_with_retained_flag()
    {
        var pub = await JoinAsync();
        var publication = await pub.PublishAckAsync("com.sensor.temp", Retain(), [21.5], Dict(("unit", "C")));

        var sub = await JoinAsync();
        var (subscription, events) = await SubscribeRetainedAsync(sub, "com.sensor.temp", GetRetained);
        var ev = Assert.Single(events);
        Assert.Equal(subscription, ev.Subscription);
        Assert.Equal(publication, ev.Publication);
        Assert.Equal(true, ev.Details["retained"]);
        Assert.False(ev.Details.ContainsKey("topic")); // exact subscription
        Assert.Equal(21.5, ev.Arguments![0]);
        Assert.Equal("C", ev.ArgumentsKw!["unit"]);

        // a later live event is a normal one (no retained flag)
        await pub.PublishAckAsync("com.sensor.temp", args: [22.0]);
        var live = await sub.ExpectAsync<EventMessage>();
        Assert.False(live.Details.ContainsKey("retained"));
    }

    [Fact]
    public async Task Only_subscribers_asking_get_retained_and_only_retain_publications()
    {
        var pub = await JoinAsync();
        await pub.PublishAckAsync("com.a", args: ["not retained"]);
        await pub.PublishAckAsync("com.b", Retain(), ["kept"]);
        var sub = await JoinAsync();
        Assert.Empty((await SubscribeRetainedAsync(sub, "com.a", GetRetained)).Events);
        Assert.Empty((await SubscribeRetainedAsync(sub, "com.b", Dict())).Events);
        Assert.Empty((await SubscribeRetainedAsync(sub, "com.b", Dict(("get_retained", false)))).Events);
        // subscribing again (same subscription) with get_retained delivers it again
        Assert.Equal("kept", Assert.Single((await SubscribeRetainedAsync(sub, "com.b", GetRetained)).Events).Arguments![0]);
    }

    [Fact]
    public async Task The_most_recent_retained_event_wins_and_retention_is_per_realm()
    {
        var pub = await JoinAsync();
        await pub.PublishAckAsync("com.t", Retain(), ["first"]);
        await pub.PublishAckAsync("com.t", Retain(), ["second"]);
        await pub.PublishAckAsync("com.t", args: ["live only"]); // not retained: does not replace
        var sub = await JoinAsync();
        Assert.Equal("second", Assert.Single((await SubscribeRetainedAsync(sub, "com.t", GetRetained)).Events).Arguments![0]);

        var other = await JoinAsync("guarded", Role("pub"));
        Assert.Empty((await SubscribeRetainedAsync(other, "com.t", GetRetained)).Events);
    }

    [Fact]
    public async Task Pattern_subscriptions_get_the_retained_event_of_every_matching_topic_with_its_topic()
    {
        var pub = await JoinAsync();
        await pub.PublishAckAsync("com.dev.b.state", Retain(), ["b"]);
        await pub.PublishAckAsync("com.dev.a.state", Retain(), ["a"]);
        await pub.PublishAckAsync("com.dev.a.other", Retain(), ["other"]);
        await pub.PublishAckAsync("com.elsewhere", Retain(), ["no"]);

        var sub = await JoinAsync();
        var (prefixSub, prefix) = await SubscribeRetainedAsync(sub, "com.dev.", Dict(("match", "prefix"), ("get_retained", true)));
        // in the order they were retained
        Assert.Equal(["b", "a", "other"], prefix.Select(e => (string)e.Arguments![0]!));
        Assert.Equal(["com.dev.b.state", "com.dev.a.state", "com.dev.a.other"], prefix.Select(e => (string)e.Details["topic"]!));
        Assert.All(prefix, e => Assert.Equal(prefixSub, e.Subscription));
        Assert.All(prefix, e => Assert.Equal(true, e.Details["retained"]));

        var (_, wildcard) = await SubscribeRetainedAsync(sub, "com.dev..state", Dict(("match", "wildcard"), ("get_retained", true)));
        Assert.Equal(["com.dev.b.state", "com.dev.a.state"], wildcard.Select(e => (string)e.Details["topic"]!));
    }

    [Fact]
    public async Task Retained_event_only_reaches_subscribers_that_were_eligible()
    {
        var a = await JoinAsync(auth: Role("red"));
        var b = await JoinAsync(auth: Role("blue"));
        var pub = await JoinAsync();
        await pub.PublishAckAsync("com.t", Retain(), ["general"]);
        // restricted publications are kept beside the general one; the latest one each subscriber may get wins
        await pub.PublishAckAsync("com.t", Retain(("exclude", new List<object?> { b.SessionId })), ["not for b"]);
        await pub.PublishAckAsync("com.u", Retain(("eligible", new List<object?> { a.SessionId })), ["only a"]);
        await pub.PublishAckAsync("com.v", Retain(("eligible_authrole", new List<object?> { "blue" })), ["blue only"]);
        await pub.PublishAckAsync("com.w", Retain(("exclude_authid", new List<object?> { a.AuthId })), ["not a's authid"]);

        Assert.Equal("not for b", Assert.Single((await SubscribeRetainedAsync(a, "com.t", GetRetained)).Events).Arguments![0]);
        Assert.Equal("general", Assert.Single((await SubscribeRetainedAsync(b, "com.t", GetRetained)).Events).Arguments![0]);
        Assert.Single((await SubscribeRetainedAsync(a, "com.u", GetRetained)).Events);
        Assert.Empty((await SubscribeRetainedAsync(b, "com.u", GetRetained)).Events);
        Assert.Empty((await SubscribeRetainedAsync(a, "com.v", GetRetained)).Events);
        Assert.Single((await SubscribeRetainedAsync(b, "com.v", GetRetained)).Events);
        if (a.AuthId != b.AuthId)
        {
            Assert.Empty((await SubscribeRetainedAsync(a, "com.w", GetRetained)).Events);
            Assert.Single((await SubscribeRetainedAsync(b, "com.w", GetRetained)).Events);
        }

        // a new general retained event supersedes the restricted ones
        await pub.PublishAckAsync("com.t", Retain(), ["new general"]);
        var late = await JoinAsync(auth: Role("red"));
        Assert.Equal("new general", Assert.Single((await SubscribeRetainedAsync(late, "com.t", GetRetained)).Events).Arguments![0]);
    }

    [Fact]
    public async Task Restricted_retained_events_are_bounded_per_topic_and_keep_the_general_one()
    {
        var pub = await JoinAsync();
        var sub = await JoinAsync();
        await pub.PublishAckAsync("com.t", Retain(), ["general"]);
        for (int i = 0; i < Retention.MaxRestrictedPerTopic + 5; i++)
            await pub.PublishAckAsync("com.t", Retain(("eligible", new List<object?> { pub.SessionId })), [i]);
        // none of the restricted ones is for sub: it still gets the general one
        Assert.Equal("general", Assert.Single((await SubscribeRetainedAsync(sub, "com.t", GetRetained)).Events).Arguments![0]);
    }

    [Fact]
    public async Task Publisher_gets_its_own_retained_event_and_disclosure_is_kept()
    {
        var pub = await JoinAsync();
        await pub.PublishAckAsync("com.state", Retain(("disclose_me", true)), ["mine"]);
        var ev = Assert.Single((await SubscribeRetainedAsync(pub, "com.state", GetRetained)).Events);
        Assert.Equal("mine", ev.Arguments![0]);
        Assert.Equal(pub.SessionId, ev.Details["publisher"]);
        Assert.Equal(pub.AuthRole, ev.Details["publisher_authrole"]);
    }

    [Fact]
    public async Task Unauthorized_publications_are_not_retained_and_unauthorized_subscribers_get_nothing()
    {
        var reader = await JoinAsync("guarded", Role("reader"));
        var id = reader.NextRequestId();
        await reader.SendAsync(new PublishMessage(id, Retain(("acknowledge", true)), "com.open.t", ["denied"]));
        await reader.ExpectErrorAsync(WampMessageType.Publish, id, WampErrors.NotAuthorized);
        Assert.Empty((await SubscribeRetainedAsync(reader, "com.open.t", GetRetained)).Events);

        var pub = await JoinAsync("guarded", Role("pub"));
        await pub.PublishAckAsync("com.secret.t", Retain(), ["secret"]);
        id = reader.NextRequestId();
        await reader.SendAsync(new SubscribeMessage(id, GetRetained, "com.secret.t"));
        await reader.ExpectErrorAsync(WampMessageType.Subscribe, id, WampErrors.NotAuthorized);
        await reader.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Non_boolean_retain_or_get_retained_is_invalid_argument()
    {
        var c = await JoinAsync();
        var id = c.NextRequestId();
        await c.SendAsync(new PublishMessage(id, Dict(("retain", "yes"), ("acknowledge", true)), "com.t", ["x"]));
        await c.ExpectErrorAsync(WampMessageType.Publish, id, WampErrors.InvalidArgument);
        id = c.NextRequestId();
        await c.SendAsync(new SubscribeMessage(id, Dict(("get_retained", 1L)), "com.t"));
        await c.ExpectErrorAsync(WampMessageType.Subscribe, id, WampErrors.InvalidArgument);
        // nothing was retained by the rejected publish
        Assert.Empty((await SubscribeRetainedAsync(c, "com.t", GetRetained)).Events);
    }
}
