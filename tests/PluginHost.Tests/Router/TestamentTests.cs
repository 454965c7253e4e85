using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Router;

/// <summary>Testament meta API (advanced/pubsub_testament.md): wamp.session.add_testament / flush_testaments.</summary>
public sealed class TestamentTests : RouterTestBase
{
    protected override IEnumerable<RealmConfig> Realms =>
    [
        new RealmConfig { Name = "realm1" },
        new RealmConfig { Name = "nometa", EnableMetaApi = false },
        new RealmConfig
        {
            Name = "guarded",
            Roles =
            [
                new RoleConfig
                {
                    Name = "member",
                    Permissions =
                    [
                        new PermissionConfig { Uri = "wamp.session.", Match = UriMatch.Prefix, Call = true },
                        new PermissionConfig { Uri = "com.", Match = UriMatch.Prefix, Subscribe = true },
                        new PermissionConfig { Uri = "com.status.", Match = UriMatch.Prefix, Publish = true, Subscribe = true, DisclosePublisher = true },
                    ],
                },
            ],
        },
    ];

    private static Task AddTestamentAsync(WampTestClient c, string topic, IReadOnlyList<object?>? args = null,
        IReadOnlyDictionary<string, object?>? kwargs = null, Dictionary<string, object?>? publishOptions = null, string? scope = null)
    {
        var kw = Dict();
        if (publishOptions is not null) kw["publish_options"] = publishOptions;
        if (scope is not null) kw["scope"] = scope;
        return AddAsync(c, [topic, args ?? new List<object?>(), kwargs ?? Dict()], kw);
    }

    private static async Task AddAsync(WampTestClient c, IReadOnlyList<object?> args, Dictionary<string, object?>? kw = null)
    {
        var result = await c.CallResultAsync("wamp.session.add_testament", args, kwargs: kw);
        Assert.True(result.Arguments is null or { Count: 0 }, "add_testament returns no value"); // spec: "does not return a value"
    }

    private static async Task GoodbyeAsync(WampTestClient c)
    {
        await c.SendAsync(new GoodbyeMessage(Dict(), WampCloseReasons.CloseRealm));
        await c.ExpectAsync<GoodbyeMessage>();
    }

    [Fact]
    public async Task Dealer_announces_testament_meta_api_only_with_the_meta_api()
    {
        static object? Feature(WampTestClient c) =>
            ((IReadOnlyDictionary<string, object?>)((IReadOnlyDictionary<string, object?>)((IReadOnlyDictionary<string, object?>)c.WelcomeDetails["roles"]!)["dealer"]!)["features"]!)
            .GetValueOrDefault("testament_meta_api");
        Assert.Equal(true, Feature(await JoinAsync()));
        Assert.Null(Feature(await JoinAsync("nometa")));
    }

    [Fact]
    public async Task Destroyed_testament_is_published_when_the_session_says_goodbye()
    {
        var observer = await JoinAsync();
        var sub = await observer.SubscribeAsync("com.status.gone");
        var s = await JoinAsync();
        await AddTestamentAsync(s, "com.status.gone", ["bye", 1L], Dict(("who", "s")));
        await observer.AssertNothingPendingAsync(); // nothing yet

        await GoodbyeAsync(s);
        var ev = await observer.ExpectAsync<EventMessage>();
        Assert.Equal(sub, ev.Subscription);
        Assert.Equal(new object?[] { "bye", 1L }, ev.Arguments!);
        Assert.Equal("s", ev.ArgumentsKw!["who"]);
        await observer.AssertNothingPendingAsync(); // once only
    }

    [Fact]
    public async Task Testaments_are_published_on_transport_loss_and_on_kill()
    {
        var observer = await JoinAsync();
        await observer.SubscribeAsync("com.status.gone");
        var lost = await JoinAsync();
        await AddTestamentAsync(lost, "com.status.gone", ["lost"]);
        await lost.Connection.CloseAsync(); // no GOODBYE
        Assert.Equal("lost", (await observer.ExpectAsync<EventMessage>()).Arguments![0]);

        var killed = await JoinAsync();
        await AddTestamentAsync(killed, "com.status.gone", ["killed"], scope: "detached");
        var kill = await observer.CallAsync("wamp.session.kill", [killed.SessionId]);
        // the kill ends the session (publishing its testament) before the meta procedure answers
        var got = await observer.DrainAsync();
        Assert.Equal(2, got.Count);
        Assert.Equal("killed", Assert.IsType<EventMessage>(got[0]).Arguments![0]);
        Assert.Equal(kill, Assert.IsType<ResultMessage>(got[1]).RequestId);
    }

    [Fact]
    public async Task Detached_testaments_come_before_destroyed_ones_each_in_order_and_before_on_leave()
    {
        var observer = await JoinAsync();
        await observer.SubscribeAsync("com.status.", Dict(("match", "prefix")));
        await observer.SubscribeAsync("wamp.session.on_leave");
        var s = await JoinAsync();
        await AddTestamentAsync(s, "com.status.x", ["destroyed 1"]);
        await AddTestamentAsync(s, "com.status.x", ["detached 1"], scope: "detached");
        await AddAsync(s, ["com.status.x", new List<object?> { "destroyed 2" }, Dict()], Dict(("scope", "destroyed")));
        // publish_options and scope may also be given positionally (as Crossbar's Python signature allows)
        await AddAsync(s, ["com.status.x", new List<object?> { "detached 2" }, Dict(), Dict(), "detached"]);
        await GoodbyeAsync(s);

        var events = new List<EventMessage>();
        for (int i = 0; i < 5; i++) events.Add(await observer.ExpectAsync<EventMessage>());
        Assert.Equal(["detached 1", "detached 2", "destroyed 1", "destroyed 2"], events.Take(4).Select(e => (string)e.Arguments![0]!));
        Assert.Equal(s.SessionId, events[4].Arguments![0]); // wamp.session.on_leave last
    }

    [Fact]
    public async Task Flush_removes_only_the_given_scope_destroyed_by_default()
    {
        var observer = await JoinAsync();
        await observer.SubscribeAsync("com.status.x");
        var s = await JoinAsync();
        await AddTestamentAsync(s, "com.status.x", ["destroyed"]);
        await AddTestamentAsync(s, "com.status.x", ["detached"], scope: "detached");
        var flushed = await s.CallResultAsync("wamp.session.flush_testaments");
        Assert.True(flushed.Arguments is null or { Count: 0 });
        await GoodbyeAsync(s);
        Assert.Equal("detached", (await observer.ExpectAsync<EventMessage>()).Arguments![0]);
        await observer.AssertNothingPendingAsync();

        var t = await JoinAsync();
        await AddTestamentAsync(t, "com.status.x", ["destroyed"]);
        await AddTestamentAsync(t, "com.status.x", ["detached"], scope: "detached");
        await t.CallResultAsync("wamp.session.flush_testaments", kwargs: Dict(("scope", "detached")));
        await t.CallResultAsync("wamp.session.flush_testaments", ["destroyed"]); // positional scope
        await GoodbyeAsync(t);
        await observer.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Publish_options_apply_acknowledge_and_exclude_me_are_ignored_and_retain_works()
    {
        var a = await JoinAsync();
        var b = await JoinAsync();
        await a.SubscribeAsync("com.status.x");
        await b.SubscribeAsync("com.status.x");
        var s = await JoinAsync();
        await AddTestamentAsync(s, "com.status.x", ["for a"], publishOptions: Dict(("eligible", new List<object?> { a.SessionId }),
            ("disclose_me", true), ("acknowledge", true), ("exclude_me", false), ("retain", true)));
        await GoodbyeAsync(s);
        var ev = await a.ExpectAsync<EventMessage>();
        Assert.Equal("for a", ev.Arguments![0]);
        Assert.Equal(s.SessionId, ev.Details["publisher"]);
        await b.AssertNothingPendingAsync();

        // retained (MQTT "last will" with retain): a later eligible subscriber gets it
        var id = a.NextRequestId();
        await a.SendAsync(new SubscribeMessage(id, Dict(("get_retained", true)), "com.status.x"));
        await a.ExpectAsync<SubscribedMessage>();
        Assert.Equal(true, (await a.ExpectAsync<EventMessage>()).Details["retained"]);
    }

    [Fact]
    public async Task Testament_is_published_with_the_sessions_authorization_and_disclosure()
    {
        var observer = await JoinAsync("guarded", Role("member"));
        await observer.SubscribeAsync("com.status.member");
        var s = await JoinAsync("guarded", Role("member"));
        await AddTestamentAsync(s, "com.status.member", ["gone"]);

        var id = await s.CallAsync("wamp.session.add_testament", ["com.other.topic", new List<object?>(), Dict()]);
        await s.ExpectErrorAsync(WampMessageType.Call, id, WampErrors.NotAuthorized);

        await GoodbyeAsync(s);
        var ev = await observer.ExpectAsync<EventMessage>();
        Assert.Equal("gone", ev.Arguments![0]);
        Assert.Equal(s.SessionId, ev.Details["publisher"]); // role permission disclose.publisher
    }

    public static TheoryData<object?[], Dictionary<string, object?>?, string> BadAddTestament => new()
    {
        { [], null, WampErrors.InvalidArgument },                                                           // no topic
        { [42L, new List<object?>(), Dict()], null, WampErrors.InvalidArgument },                            // topic not a string
        { ["com.t", "not a list", Dict()], null, WampErrors.InvalidArgument },                               // args not a list
        { ["com.t", new List<object?>(), "not a dict"], null, WampErrors.InvalidArgument },                  // kwargs not a dict
        { ["com.t", new List<object?>(), Dict()], Dict(("publish_options", "x")), WampErrors.InvalidArgument },
        { ["com.t", new List<object?>(), Dict()], Dict(("scope", "forever")), WampErrors.InvalidArgument },   // unknown scope
        { ["com.t", new List<object?>(), Dict()], Dict(("scope", 1L)), WampErrors.InvalidArgument },
        { ["com.t", new List<object?>(), Dict()], Dict(("publish_options", Dict(("retain", "yes")))), WampErrors.InvalidArgument },
        { ["com.t", new List<object?>(), Dict()], Dict(("publish_options", Dict(("ppt_scheme", "x_custom")))), WampErrors.InvalidArgument }, // ppt not announced
        { ["com.t", new List<object?>(), Dict(), Dict(), "destroyed", "extra"], null, WampErrors.InvalidArgument },
        { ["not a uri!", new List<object?>(), Dict()], null, WampErrors.InvalidUri },
        { ["wamp.session.on_leave", new List<object?>(), Dict()], null, WampErrors.InvalidUri },             // reserved for the router
    };

    [Theory]
    [MemberData(nameof(BadAddTestament))]
    public async Task Add_testament_rejects_bad_arguments(object?[] args, Dictionary<string, object?>? kwargs, string error)
    {
        var observer = await JoinAsync();
        await observer.SubscribeAsync("com.t");
        var s = await JoinAsync();
        var id = await s.CallAsync("wamp.session.add_testament", args, kwargs: kwargs);
        await s.ExpectErrorAsync(WampMessageType.Call, id, error);
        await GoodbyeAsync(s);
        await observer.AssertNothingPendingAsync(); // nothing was stored
    }

    [Fact]
    public async Task Flush_rejects_bad_scope_and_testaments_are_bounded()
    {
        var s = await JoinAsync();
        var id = await s.CallAsync("wamp.session.flush_testaments", kwargs: Dict(("scope", "everything")));
        await s.ExpectErrorAsync(WampMessageType.Call, id, WampErrors.InvalidArgument);

        for (int i = 0; i < Testaments.MaxPerScope; i++) await AddTestamentAsync(s, "com.t", [i]);
        id = await s.CallAsync("wamp.session.add_testament", ["com.t", new List<object?>(), Dict()]);
        await s.ExpectErrorAsync(WampMessageType.Call, id, WampErrors.InvalidArgument);
        await AddTestamentAsync(s, "com.t", ["other scope"], scope: "detached"); // the other bucket has its own bound
    }
}
