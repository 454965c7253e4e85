using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Router;

public sealed class MetaApiTests : RouterTestBase
{
    protected override IEnumerable<RealmConfig> Realms =>
    [
        new RealmConfig { Name = "realm1" },
        new RealmConfig { Name = "nometa", EnableMetaApi = false },
    ];

    private static IReadOnlyDictionary<string, object?> AsDict(object? o) => Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(o);
    private static List<long> Ids(object? o) => Assert.IsAssignableFrom<IEnumerable<object?>>(o).Select(x => (long)x!).ToList();

    [Fact]
    public async Task Session_count_list_get()
    {
        var a = await JoinAsync(auth: Role("red"));
        var b = await JoinAsync(auth: Role("blue"));
        Assert.Equal(2L, (await a.CallResultAsync("wamp.session.count")).Arguments![0]);
        Assert.Equal(1L, (await a.CallResultAsync("wamp.session.count", [new List<object?> { "blue" }])).Arguments![0]);
        Assert.Equal(new[] { a.SessionId, b.SessionId }.Order(), Ids((await a.CallResultAsync("wamp.session.list")).Arguments![0]).Order());
        Assert.Equal(new[] { a.SessionId }, Ids((await a.CallResultAsync("wamp.session.list", [new List<object?> { "red" }])).Arguments![0]));

        var details = AsDict((await a.CallResultAsync("wamp.session.get", [b.SessionId])).Arguments![0]);
        Assert.Equal(b.SessionId, details["session"]);
        Assert.Equal(b.AuthId, details["authid"]);
        Assert.Equal("blue", details["authrole"]);
        Assert.Equal("anonymous", details["authmethod"]);
        Assert.Equal("static", details["authprovider"]);
        Assert.Equal("inprocess", AsDict(details["transport"])["type"]);

        var req = await a.CallAsync("wamp.session.get", [12345L]);
        await a.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.NoSuchSession);
        req = await a.CallAsync("wamp.session.get");
        await a.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.InvalidArgument);
    }

    [Fact]
    public async Task Session_kill_sends_goodbye_to_the_target()
    {
        var a = await JoinAsync();
        var b = await JoinAsync();
        var req = await a.CallAsync("wamp.session.kill", [b.SessionId], kwargs: Dict(("reason", "com.app.kicked"), ("message", "bye")));
        Assert.Equal(req, (await a.ExpectAsync<ResultMessage>()).RequestId);
        var goodbye = await b.ExpectAsync<GoodbyeMessage>();
        Assert.Equal("com.app.kicked", goodbye.Reason);
        Assert.Equal("bye", goodbye.Details["message"]);
        await b.ExpectClosedAsync();

        // own session: no such (other) session; bad reason: invalid_uri
        req = await a.CallAsync("wamp.session.kill", [a.SessionId]);
        await a.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.NoSuchSession);
        var c = await JoinAsync();
        req = await a.CallAsync("wamp.session.kill", [c.SessionId], kwargs: Dict(("reason", "not a uri")));
        await a.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.InvalidUri);
    }

    [Fact]
    public async Task Kill_defaults_to_close_normal()
    {
        var a = await JoinAsync();
        var b = await JoinAsync();
        await a.CallResultAsync("wamp.session.kill", [b.SessionId]);
        Assert.Equal(WampCloseReasons.Normal, (await b.ExpectAsync<GoodbyeMessage>()).Reason);
    }

    [Fact]
    public async Task Kill_by_authrole_and_authid_exclude_the_caller()
    {
        var a = await JoinAsync(auth: Role("red"));
        var b = await JoinAsync(auth: Role("red"));
        var c = await JoinAsync(auth: Role("blue"));
        Assert.Equal(1L, (await a.CallResultAsync("wamp.session.kill_by_authrole", ["red"])).Arguments![0]);
        await b.ExpectAsync<GoodbyeMessage>();
        await b.ExpectClosedAsync();
        Assert.Equal(1L, (await a.CallResultAsync("wamp.session.kill_by_authid", [c.AuthId])).Arguments![0]);
        await c.ExpectAsync<GoodbyeMessage>();
        Assert.Equal(0L, (await a.CallResultAsync("wamp.session.kill_by_authid", [a.AuthId])).Arguments![0]);
        Assert.Equal(1L, (await a.CallResultAsync("wamp.session.count")).Arguments![0]);
    }

    [Fact]
    public async Task Session_join_and_leave_events()
    {
        var watcher = await JoinAsync();
        var joinSub = await watcher.SubscribeAsync("wamp.session.on_join");
        var leaveSub = await watcher.SubscribeAsync("wamp.session.on_leave");
        var other = await JoinAsync(auth: Role("red"));
        var join = await watcher.ExpectAsync<EventMessage>();
        Assert.Equal(joinSub, join.Subscription);
        var details = AsDict(join.Arguments![0]);
        Assert.Equal(other.SessionId, details["session"]);
        Assert.Equal(other.AuthId, details["authid"]);
        Assert.Equal("red", details["authrole"]);
        Assert.Equal("anonymous", details["authmethod"]);

        await other.Connection.CloseAsync();
        var leave = await watcher.ExpectAsync<EventMessage>();
        Assert.Equal(leaveSub, leave.Subscription);
        Assert.Equal(new object?[] { other.SessionId, other.AuthId, "red" }, leave.Arguments!);
    }

    [Fact]
    public async Task Registration_events_and_procedures()
    {
        var watcher = await JoinAsync();
        var onCreate = await watcher.SubscribeAsync("wamp.registration.on_create");
        var onRegister = await watcher.SubscribeAsync("wamp.registration.on_register");
        var onUnregister = await watcher.SubscribeAsync("wamp.registration.on_unregister");
        var onDelete = await watcher.SubscribeAsync("wamp.registration.on_delete");

        var a = await JoinAsync();
        var b = await JoinAsync();
        var reg = await a.RegisterAsync("com.app.p", Dict(("invoke", "roundrobin")));
        var created = await watcher.ExpectAsync<EventMessage>();
        Assert.Equal(onCreate, created.Subscription);
        Assert.Equal(a.SessionId, created.Arguments![0]);
        var details = AsDict(created.Arguments[1]);
        Assert.Equal(reg, details["id"]);
        Assert.Equal("com.app.p", details["uri"]);
        Assert.Equal("exact", details["match"]);
        Assert.Equal("roundrobin", details["invoke"]);
        Assert.True(DateTime.TryParse((string)details["created"]!, out _));
        var registered = await watcher.ExpectAsync<EventMessage>();
        Assert.Equal(onRegister, registered.Subscription);
        Assert.Equal(new object?[] { a.SessionId, reg }, registered.Arguments!);

        await b.RegisterAsync("com.app.p", Dict(("invoke", "roundrobin")));
        Assert.Equal(new object?[] { b.SessionId, reg }, (await watcher.ExpectAsync<EventMessage>()).Arguments!); // on_register only
        var prefixReg = await b.RegisterAsync("com.app", Dict(("match", "prefix")));
        await watcher.ExpectAsync<EventMessage>(); // on_create
        await watcher.ExpectAsync<EventMessage>(); // on_register

        // procedures
        var lists = AsDict((await watcher.CallResultAsync("wamp.registration.list")).Arguments![0]);
        Assert.Equal(new[] { reg }, Ids(lists["exact"]));
        Assert.Equal(new[] { prefixReg }, Ids(lists["prefix"]));
        Assert.Empty(Ids(lists["wildcard"]));
        Assert.Equal(reg, (await watcher.CallResultAsync("wamp.registration.lookup", ["com.app.p"])).Arguments![0]);
        Assert.Equal(prefixReg, (await watcher.CallResultAsync("wamp.registration.lookup", ["com.app", Dict(("match", "prefix"))])).Arguments![0]);
        Assert.Null((await watcher.CallResultAsync("wamp.registration.lookup", ["com.app"])).Arguments![0]);
        Assert.Equal(prefixReg, (await watcher.CallResultAsync("wamp.registration.match", ["com.app.q"])).Arguments![0]);
        Assert.Null((await watcher.CallResultAsync("wamp.registration.match", ["org.x"])).Arguments![0]);
        Assert.Equal("com.app.p", AsDict((await watcher.CallResultAsync("wamp.registration.get", [reg])).Arguments![0])["uri"]);
        Assert.Equal(new[] { a.SessionId, b.SessionId }.Order(), Ids((await watcher.CallResultAsync("wamp.registration.list_callees", [reg])).Arguments![0]).Order());
        Assert.Equal(2L, (await watcher.CallResultAsync("wamp.registration.count_callees", [reg])).Arguments![0]);
        var req = await watcher.CallAsync("wamp.registration.get", [42L]);
        await watcher.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.NoSuchRegistration);
        req = await watcher.CallAsync("wamp.registration.count_callees", [42L]);
        await watcher.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.NoSuchRegistration);

        // unregister: a -> on_unregister; b leaves -> on_unregister + on_delete (for each of its registrations)
        var unreq = a.NextRequestId();
        await a.SendAsync(new UnregisterMessage(unreq, reg));
        await a.ExpectAsync<UnregisteredMessage>();
        var unregistered = await watcher.ExpectAsync<EventMessage>();
        Assert.Equal(onUnregister, unregistered.Subscription);
        Assert.Equal(new object?[] { a.SessionId, reg }, unregistered.Arguments!);

        await b.SendAsync(new GoodbyeMessage(Dict(), WampCloseReasons.CloseRealm));
        var events = new List<EventMessage>();
        for (int i = 0; i < 4; i++) events.Add(await watcher.ExpectAsync<EventMessage>());
        Assert.Equal(2, events.Count(e => e.Subscription == onUnregister));
        var deletes = events.Where(e => e.Subscription == onDelete).ToList();
        Assert.Equal(new[] { reg, prefixReg }.Order(), deletes.Select(e => (long)e.Arguments![1]!).Order());
        Assert.All(deletes, e => Assert.Equal(b.SessionId, e.Arguments![0]));
        // an on_delete always follows its on_unregister
        foreach (var d in deletes)
            Assert.True(events.FindIndex(e => e.Subscription == onUnregister && Equals(e.Arguments![1], d.Arguments![1])) < events.IndexOf(d));
    }

    [Fact]
    public async Task Meta_procedures_are_callable_but_not_listed()
    {
        var c = await JoinAsync();
        var lists = AsDict((await c.CallResultAsync("wamp.registration.list")).Arguments![0]);
        Assert.Empty(Ids(lists["exact"]));
    }

    [Fact]
    public async Task Subscription_events_and_procedures()
    {
        var watcher = await JoinAsync();
        var onCreate = await watcher.SubscribeAsync("wamp.subscription.on_create");
        var onSubscribe = await watcher.SubscribeAsync("wamp.subscription.on_subscribe");
        var onUnsubscribe = await watcher.SubscribeAsync("wamp.subscription.on_unsubscribe");
        var onDelete = await watcher.SubscribeAsync("wamp.subscription.on_delete");

        var a = await JoinAsync();
        var b = await JoinAsync();
        var sub = await a.SubscribeAsync("com.app.t");
        var created = await watcher.ExpectAsync<EventMessage>();
        Assert.Equal(onCreate, created.Subscription);
        Assert.Equal(a.SessionId, created.Arguments![0]);
        var details = AsDict(created.Arguments[1]);
        Assert.Equal(sub, details["id"]);
        Assert.Equal("com.app.t", details["uri"]);
        Assert.Equal("exact", details["match"]);
        Assert.Equal(new object?[] { a.SessionId, sub }, (await watcher.ExpectAsync<EventMessage>()).Arguments!);

        await b.SubscribeAsync("com.app.t");
        var subscribed = await watcher.ExpectAsync<EventMessage>();
        Assert.Equal(onSubscribe, subscribed.Subscription);
        Assert.Equal(new object?[] { b.SessionId, sub }, subscribed.Arguments!);
        var wild = await b.SubscribeAsync("com..t", Dict(("match", "wildcard")));
        await watcher.ExpectAsync<EventMessage>();
        await watcher.ExpectAsync<EventMessage>();

        var lists = AsDict((await watcher.CallResultAsync("wamp.subscription.list")).Arguments![0]);
        Assert.Contains(sub, Ids(lists["exact"]));
        Assert.Equal(new[] { wild }, Ids(lists["wildcard"]));
        Assert.Equal(sub, (await watcher.CallResultAsync("wamp.subscription.lookup", ["com.app.t"])).Arguments![0]);
        Assert.Equal(wild, (await watcher.CallResultAsync("wamp.subscription.lookup", ["com..t", Dict(("match", "wildcard"))])).Arguments![0]);
        Assert.Equal(new[] { sub, wild }.Order(), Ids((await watcher.CallResultAsync("wamp.subscription.match", ["com.app.t"])).Arguments![0]).Order());
        Assert.Null((await watcher.CallResultAsync("wamp.subscription.match", ["org.x"])).Arguments![0]);
        Assert.Equal("com.app.t", AsDict((await watcher.CallResultAsync("wamp.subscription.get", [sub])).Arguments![0])["uri"]);
        Assert.Equal(new[] { a.SessionId, b.SessionId }.Order(), Ids((await watcher.CallResultAsync("wamp.subscription.list_subscribers", [sub])).Arguments![0]).Order());
        Assert.Equal(2L, (await watcher.CallResultAsync("wamp.subscription.count_subscribers", [sub])).Arguments![0]);
        var req = await watcher.CallAsync("wamp.subscription.list_subscribers", [42L]);
        await watcher.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.NoSuchSubscription);

        var unreq = a.NextRequestId();
        await a.SendAsync(new UnsubscribeMessage(unreq, sub));
        await a.ExpectAsync<UnsubscribedMessage>();
        var unsubscribed = await watcher.ExpectAsync<EventMessage>();
        Assert.Equal(onUnsubscribe, unsubscribed.Subscription);
        Assert.Equal(new object?[] { a.SessionId, sub }, unsubscribed.Arguments!);

        unreq = b.NextRequestId();
        await b.SendAsync(new UnsubscribeMessage(unreq, sub));
        await b.ExpectAsync<UnsubscribedMessage>();
        Assert.Equal(onUnsubscribe, (await watcher.ExpectAsync<EventMessage>()).Subscription);
        var deleted = await watcher.ExpectAsync<EventMessage>();
        Assert.Equal(onDelete, deleted.Subscription);
        Assert.Equal(new object?[] { b.SessionId, sub }, deleted.Arguments!);
    }

    [Fact]
    public async Task Meta_api_can_be_disabled()
    {
        var c = await JoinAsync("nometa");
        var roles = AsDict(c.WelcomeDetails["roles"]);
        Assert.False(AsDict(AsDict(roles["dealer"])["features"]).ContainsKey("session_meta_api"));
        var req = await c.CallAsync("wamp.session.count");
        await c.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.NoSuchProcedure);
        await c.SubscribeAsync("wamp.session.on_join");
        await JoinAsync("nometa");
        await c.AssertNothingPendingAsync();
    }
}
