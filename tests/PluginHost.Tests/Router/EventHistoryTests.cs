using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Router;

/// <summary>Event history: the realm store's event-history entries and wamp.subscription.get_events.</summary>
public sealed class EventHistoryTests : RouterTestBase
{
    private static readonly RealmStoreConfig Store = new()
    {
        EventHistory =
        [
            new EventHistoryConfig("com.h.exact", UriMatch.Exact, 3),
            new EventHistoryConfig("com.h.", UriMatch.Prefix, 100),
            new EventHistoryConfig("com..w", UriMatch.Wildcard, 100),
        ],
    };

    protected override IEnumerable<RealmConfig> Realms =>
    [
        new RealmConfig { Name = "realm1", Store = Store },
        new RealmConfig { Name = "nostore" },
        // role "reader" may call everything but subscribe only under com.h.exact (not the prefix entry)
        new RealmConfig
        {
            Name = "guarded", Store = Store,
            Roles =
            [
                new RoleConfig
                {
                    Name = "reader",
                    Permissions =
                    [
                        new PermissionConfig { Uri = "", Match = UriMatch.Prefix, Call = true, Publish = true },
                        new PermissionConfig { Uri = "com.h.exact", Match = UriMatch.Exact, Call = true, Publish = true, Subscribe = true },
                    ],
                },
            ],
        },
    ];

    private static List<object?> Args(params object?[] args) => [.. args];

    private static async Task<long> HistoryId(WampTestClient c, string uri, string match = "exact")
        => (long)(await c.CallResultAsync("wamp.subscription.lookup", Args(uri, Dict(("match", match))))).Arguments![0]!;

    private static async Task<List<IReadOnlyDictionary<string, object?>>> Events(WampTestClient c, long sub, Dictionary<string, object?>? kwargs = null,
        params object?[] extraArgs)
    {
        var result = await c.CallResultAsync("wamp.subscription.get_events", Args([sub, .. extraArgs]), kwargs: kwargs);
        return Assert.IsAssignableFrom<IEnumerable<object?>>(result.Arguments![0]).Cast<IReadOnlyDictionary<string, object?>>().ToList();
    }

    private static List<object?> FirstArgs(IEnumerable<IReadOnlyDictionary<string, object?>> events)
        => events.Select(e => Assert.IsAssignableFrom<IEnumerable<object?>>(e["args"]).First()).ToList();

    [Fact]
    public async Task Welcome_announces_event_history_only_with_a_store()
    {
        static IReadOnlyDictionary<string, object?> Broker(WampTestClient c)
            => (IReadOnlyDictionary<string, object?>)((IReadOnlyDictionary<string, object?>)((IReadOnlyDictionary<string, object?>)c.WelcomeDetails["roles"]!)["broker"]!)["features"]!;
        Assert.Equal(true, Broker(await JoinAsync())["event_history"]);
        Assert.False(Broker(await JoinAsync("nostore")).ContainsKey("event_history"));
    }

    [Fact]
    public async Task Publications_are_kept_before_anybody_subscribes_in_order_of_occurrence()
    {
        var pub = await JoinAsync();
        var reader = await JoinAsync();
        var sub = await HistoryId(reader, "com.h.exact"); // the entry is a subscription from the start
        var p1 = await pub.PublishAckAsync("com.h.exact", args: ["one"], kwargs: Dict(("n", 1L)));
        var p2 = await pub.PublishAckAsync("com.h.exact");

        var events = await Events(reader, sub);
        Assert.Equal(2, events.Count);
        var e = events[0];
        Assert.Equal(sub, e["subscription"]);
        Assert.Equal(p1, e["publication"]);
        Assert.Equal("com.h.exact", e["topic"]);
        Assert.Equal(Args("one"), e["args"]);
        Assert.Equal(1L, Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(e["kwargs"])["n"]);
        Assert.Empty(Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(e["details"])); // publisher not disclosed: not revealed
        Assert.False(e.ContainsKey("publisher"));
        var ts = Assert.IsType<string>(e["timestamp"]);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", ts);
        Assert.Equal(p2, events[1]["publication"]);
        Assert.Empty(Assert.IsAssignableFrom<IEnumerable<object?>>(events[1]["args"])); // always present
        Assert.Empty(Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(events[1]["kwargs"]));
    }

    [Fact]
    public async Task History_is_bounded_by_the_entry_limit_and_reverse_and_limit_work()
    {
        var pub = await JoinAsync();
        var reader = await JoinAsync();
        var sub = await HistoryId(reader, "com.h.exact");
        for (int i = 1; i <= 5; i++) await pub.PublishAckAsync("com.h.exact", args: [(long)i]);

        Assert.Equal(Args(3L, 4L, 5L), FirstArgs(await Events(reader, sub))); // limit 3: the oldest went
        Assert.Equal(Args(5L, 4L), FirstArgs(await Events(reader, sub, Dict(("reverse", true), ("limit", 2L)))));
        Assert.Equal(Args(3L, 4L), FirstArgs(await Events(reader, sub, Dict(("limit", 2L)))));
        Assert.Equal(Args(3L), FirstArgs(await Events(reader, sub, null, 1L))); // Crossbar's positional limit

        foreach (var bad in new object?[] { 0L, -1L, "2", true, 1.5 })
        {
            var req = await reader.CallAsync("wamp.subscription.get_events", Args(sub), kwargs: Dict(("limit", bad)));
            await reader.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.InvalidArgument);
        }
        var r = await reader.CallAsync("wamp.subscription.get_events", Args(sub), kwargs: Dict(("reverse", "yes")));
        await reader.ExpectErrorAsync(WampMessageType.Call, r, WampErrors.InvalidArgument);
    }

    [Fact]
    public async Task Pattern_entries_keep_every_matching_topic_and_filter_by_topic()
    {
        var pub = await JoinAsync();
        var reader = await JoinAsync();
        var prefix = await HistoryId(reader, "com.h.", "prefix");
        var exact = await HistoryId(reader, "com.h.exact");
        var wildcard = await HistoryId(reader, "com..w", "wildcard");
        var p1 = await pub.PublishAckAsync("com.h.exact", args: ["a"]);
        await pub.PublishAckAsync("com.h.other", args: ["b"]);
        await pub.PublishAckAsync("com.x.w", args: ["c"]);
        await pub.PublishAckAsync("org.h.exact", args: ["d"]); // matches nothing

        var all = await Events(reader, prefix);
        Assert.Equal(Args("a", "b"), FirstArgs(all));
        Assert.Equal("com.h.exact", Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(all[0]["details"])["topic"]);
        Assert.Equal(Args("b"), FirstArgs(await Events(reader, prefix, Dict(("topic", "com.h.other")))));
        // the same publication is in each matching subscription's history
        Assert.Equal(p1, (await Events(reader, exact)).Single()["publication"]);
        Assert.Equal(Args("c"), FirstArgs(await Events(reader, wildcard)));
    }

    [Fact]
    public async Task A_history_subscription_is_shared_and_outlives_its_subscribers()
    {
        var watcher = await JoinAsync();
        var meta = new Dictionary<long, string>();
        foreach (var t in new[] { "wamp.subscription.on_create", "wamp.subscription.on_subscribe", "wamp.subscription.on_delete" })
            meta[await watcher.SubscribeAsync(t)] = t;
        var reader = await JoinAsync();
        var sub = await JoinAsync();
        var pub = await JoinAsync();
        var id = await HistoryId(reader, "com.h.exact");

        Assert.Equal(id, await sub.SubscribeAsync("com.h.exact"));
        await pub.PublishAckAsync("com.h.exact", args: ["live"]);
        Assert.Equal(id, (await sub.ExpectAsync<EventMessage>()).Subscription);
        var unsub = sub.NextRequestId();
        await sub.SendAsync(new UnsubscribeMessage(unsub, id));
        await sub.ExpectAsync<UnsubscribedMessage>();

        // on_subscribe only: neither on_create (it existed) nor on_delete (it stays)
        Assert.Equal(["wamp.subscription.on_subscribe"], (await watcher.DrainAsync()).OfType<EventMessage>().Select(e => meta[e.Subscription]).ToList());
        Assert.Equal(Args("live"), FirstArgs(await Events(reader, id)));
        Assert.Equal(id, await HistoryId(reader, "com.h.exact"));
    }

    [Fact]
    public async Task Session_lists_are_not_stored_and_authid_authrole_lists_filter_the_reader()
    {
        var pub = await JoinAsync(auth: Role("pub"));
        var red = await JoinAsync(auth: Role("red"));
        var blue = await JoinAsync(auth: Role("blue"));
        var sub = await HistoryId(red, "com.h.exact");
        await pub.PublishAckAsync("com.h.exact", Dict(("eligible", new List<object?> { red.SessionId })), ["by session"]);
        await pub.PublishAckAsync("com.h.exact", Dict(("exclude", new List<object?> { blue.SessionId })), ["by session 2"]);
        await pub.PublishAckAsync("com.h.exact", Dict(("eligible_authrole", new List<object?> { "red" })), ["red only"]);
        await pub.PublishAckAsync("com.h.exact", Dict(("exclude_authid", new List<object?> { red.AuthId })), ["not red"]);

        Assert.Equal(Args("red only"), FirstArgs(await Events(red, sub)));
        Assert.Equal(Args("not red"), FirstArgs(await Events(blue, sub)));
    }

    [Fact]
    public async Task A_disclosed_publisher_is_in_details_and_at_the_top()
    {
        var pub = await JoinAsync();
        var reader = await JoinAsync();
        var sub = await HistoryId(reader, "com.h.exact");
        await pub.PublishAckAsync("com.h.exact", Dict(("disclose_me", true)), ["x"]);
        var e = (await Events(reader, sub)).Single();
        Assert.Equal(pub.SessionId, e["publisher"]);
        Assert.Equal(pub.AuthId, e["publisher_authid"]);
        Assert.Equal(pub.SessionId, Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(e["details"])["publisher"]);
    }

    [Fact]
    public async Task Publication_and_time_filters()
    {
        var pub = await JoinAsync();
        var reader = await JoinAsync();
        var sub = await HistoryId(reader, "com.h.", "prefix");
        var ids = new List<long>();
        for (int i = 1; i <= 4; i++) ids.Add(await pub.PublishAckAsync("com.h.f", args: [(long)i]));

        Assert.Equal(Args(3L, 4L), FirstArgs(await Events(reader, sub, Dict(("after_publication", ids[1])))));
        Assert.Equal(Args(2L, 3L, 4L), FirstArgs(await Events(reader, sub, Dict(("from_publication", ids[1])))));
        Assert.Equal(Args(1L), FirstArgs(await Events(reader, sub, Dict(("before_publication", ids[1])))));
        Assert.Equal(Args(2L, 1L), FirstArgs(await Events(reader, sub, Dict(("until_publication", ids[1]), ("reverse", true)))));
        Assert.Equal(Args(2L, 3L), FirstArgs(await Events(reader, sub, Dict(("from_publication", ids[1]), ("before_publication", ids[3])))));

        var all = await Events(reader, sub);
        var first = (string)all[0]["timestamp"]!;
        var last = (string)all[^1]["timestamp"]!;
        // the event's own timestamp: from_ and until_ include it, after_ and before_ exclude it
        Assert.Equal(4, (await Events(reader, sub, Dict(("from_time", first), ("until_time", last)))).Count);
        Assert.DoesNotContain(ids[3], (await Events(reader, sub, Dict(("before_time", last)))).Select(e => e["publication"]));
        Assert.DoesNotContain(ids[0], (await Events(reader, sub, Dict(("after_time", first)))).Select(e => e["publication"]));
        Assert.Empty(await Events(reader, sub, Dict(("from_time", DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'")))));
        Assert.Equal(4, (await Events(reader, sub, Dict(("until_time", "2999-01-01T00:00:00+01:00")))).Count);

        foreach (var (key, value) in new (string, object?)[] { ("from_time", "yesterday"), ("until_time", 5L), ("after_publication", 12345L), ("before_publication", "x"), ("topic", 5L) })
        {
            var req = await reader.CallAsync("wamp.subscription.get_events", Args(sub), kwargs: Dict((key, value)));
            await reader.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.InvalidArgument);
        }
    }

    [Fact]
    public async Task Errors_unknown_subscription_no_history_no_store_bad_argument()
    {
        var reader = await JoinAsync();
        var other = await JoinAsync();
        var plain = await other.SubscribeAsync("org.nohistory");

        async Task Expect(WampTestClient c, string error, List<object?>? args)
        {
            var req = await c.CallAsync("wamp.subscription.get_events", args);
            await c.ExpectErrorAsync(WampMessageType.Call, req, error);
        }

        await Expect(reader, WampErrors.NoSuchSubscription, Args(12345L));
        await Expect(reader, EventHistoryUnavailable, Args(plain));
        await Expect(reader, WampErrors.InvalidArgument, null);
        await Expect(reader, WampErrors.InvalidArgument, Args("x"));
        var nostore = await JoinAsync("nostore");
        var sub = await nostore.SubscribeAsync("com.h.exact");
        await Expect(nostore, EventHistoryUnavailable, Args(sub));
        // keyword form of the id (Crossbar's parameter name)
        Assert.Empty((await reader.CallResultAsync("wamp.subscription.get_events", kwargs: Dict(("subscription_id", await HistoryId(reader, "com.h.exact"))))).Arguments![0] as IEnumerable<object?> ?? []);
    }

    private const string EventHistoryUnavailable = "wamp.error.history_unavailable";

    [Fact]
    public async Task The_reader_must_be_allowed_to_subscribe()
    {
        var reader = await JoinAsync("guarded", auth: Role("reader"));
        var exact = await HistoryId(reader, "com.h.exact");
        var prefix = await HistoryId(reader, "com.h.", "prefix");
        await reader.PublishAckAsync("com.h.exact", args: ["ok"]);
        Assert.Equal(Args("ok"), FirstArgs(await Events(reader, exact)));
        var req = await reader.CallAsync("wamp.subscription.get_events", Args(prefix));
        await reader.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.NotAuthorized);
    }

    [Fact]
    public async Task Meta_events_go_into_history_when_configured()
    {
        Router.AddRealm(new RealmConfig { Name = "metahist", Store = new RealmStoreConfig { EventHistory = [new EventHistoryConfig("wamp.session.on_join", UriMatch.Exact, 10)] } });
        var reader = await JoinAsync("metahist");
        var joined = await JoinAsync("metahist");
        var sub = await HistoryId(reader, "wamp.session.on_join");
        var events = await Events(reader, sub);
        Assert.Equal(new[] { reader.SessionId, joined.SessionId },
            events.Select(e => (long)Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(Assert.IsAssignableFrom<IEnumerable<object?>>(e["args"]).First())["session"]!).ToArray());
    }
}
