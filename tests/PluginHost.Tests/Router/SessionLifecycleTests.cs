using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using PluginHost.Wamp.Transport;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Router;

public sealed class SessionLifecycleTests : RouterTestBase
{
    protected override RouterOptions Options => new() { HelloTimeout = TimeSpan.FromMilliseconds(200) };

    protected override IEnumerable<RealmConfig> Realms =>
    [
        new RealmConfig { Name = "realm1" },
        new RealmConfig
        {
            Name = "secured",
            Roles = [new RoleConfig { Name = "frontend", AllowByDefault = true }],
        },
    ];

    [Fact]
    public async Task Welcome_carries_identity_and_announced_features()
    {
        var c = await JoinAsync();
        Assert.True(WampIds.IsValid(c.SessionId));
        var d = c.WelcomeDetails;
        Assert.Equal("realm1", d["realm"]);
        Assert.Equal("anonymous", d["authrole"]);
        Assert.Equal("anonymous", d["authmethod"]);
        Assert.Equal("static", d["authprovider"]);
        Assert.False(string.IsNullOrEmpty((string)d["authid"]!));
        var roles = (IReadOnlyDictionary<string, object?>)d["roles"]!;
        var broker = (IReadOnlyDictionary<string, object?>)((IReadOnlyDictionary<string, object?>)roles["broker"]!)["features"]!;
        var dealer = (IReadOnlyDictionary<string, object?>)((IReadOnlyDictionary<string, object?>)roles["dealer"]!)["features"]!;
        foreach (var f in new[] { "publisher_identification", "publisher_exclusion", "subscriber_blackwhite_listing", "pattern_based_subscription", "session_meta_api", "subscription_meta_api" })
            Assert.Equal(true, broker[f]);
        foreach (var f in new[] { "caller_identification", "pattern_based_registration", "shared_registration", "progressive_call_results", "call_canceling", "call_timeout", "registration_revocation", "session_meta_api", "registration_meta_api" })
            Assert.Equal(true, dealer[f]);
    }

    [Fact]
    public async Task Session_ids_and_authids_are_distinct()
    {
        var a = await JoinAsync();
        var b = await JoinAsync();
        Assert.NotEqual(a.SessionId, b.SessionId);
        Assert.NotEqual(a.AuthId, b.AuthId);
    }

    [Fact]
    public async Task Unknown_realm_is_aborted_with_no_such_realm()
    {
        var c = new WampTestClient(Router.ConnectInProcess());
        await c.SendAsync(new HelloMessage("nope", HelloDetails()));
        var abort = await c.ExpectAsync<AbortMessage>();
        Assert.Equal(WampErrors.NoSuchRealm, abort.Reason);
        await c.ExpectClosedAsync();
    }

    [Fact]
    public async Task Unknown_role_is_aborted_with_no_such_role_and_known_role_joins()
    {
        var c = new WampTestClient(Router.ConnectInProcess(Role("backend")));
        await c.SendAsync(new HelloMessage("secured", HelloDetails()));
        Assert.Equal(WampErrors.NoSuchRole, (await c.ExpectAsync<AbortMessage>()).Reason);
        await c.ExpectClosedAsync();

        var ok = await JoinAsync("secured", Role("frontend"));
        Assert.Equal("frontend", ok.AuthRole);
    }

    [Fact]
    public async Task Realm_without_roles_accepts_any_role()
    {
        var c = await JoinAsync("realm1", Role("whatever"));
        Assert.Equal("whatever", c.AuthRole);
    }

    [Fact]
    public async Task First_message_other_than_hello_is_a_protocol_violation()
    {
        var c = new WampTestClient(Router.ConnectInProcess());
        await c.SendAsync(new SubscribeMessage(1, Dict(), "a.b"));
        var abort = await c.ExpectAsync<AbortMessage>();
        Assert.Equal(WampErrors.ProtocolViolation, abort.Reason);
        Assert.Contains("HELLO", (string)abort.Details["message"]!);
        await c.ExpectClosedAsync();
    }

    [Fact]
    public async Task Second_hello_is_a_protocol_violation()
    {
        var c = await JoinAsync();
        await c.SendAsync(new HelloMessage("realm1", HelloDetails()));
        Assert.Equal(WampErrors.ProtocolViolation, (await c.ExpectAsync<AbortMessage>()).Reason);
        await c.ExpectClosedAsync();
    }

    [Fact]
    public async Task Router_to_client_message_from_client_is_a_protocol_violation()
    {
        var c = await JoinAsync();
        await c.SendAsync(new EventMessage(1, 2, Dict()));
        Assert.Equal(WampErrors.ProtocolViolation, (await c.ExpectAsync<AbortMessage>()).Reason);
        await c.ExpectClosedAsync();
    }

    [Fact]
    public async Task Goodbye_is_answered_with_goodbye_and_out_then_closed()
    {
        var c = await JoinAsync();
        await c.SendAsync(new GoodbyeMessage(Dict(), WampCloseReasons.CloseRealm));
        var goodbye = await c.ExpectAsync<GoodbyeMessage>();
        Assert.Equal(WampCloseReasons.GoodbyeAndOut, goodbye.Reason);
        await c.ExpectClosedAsync();
    }

    [Fact]
    public async Task Malformed_message_aborts_with_protocol_violation_and_text()
    {
        var conn = new ScriptedConnection();
        var serve = Router.ServeAsync(conn);
        conn.Deliver(new HelloMessage("realm1", HelloDetails()));
        Assert.IsType<WelcomeMessage>(await conn.NextSentAsync());
        conn.DeliverMalformed("PUBLISH must have 4 to 6 elements, got 2");
        var abort = Assert.IsType<AbortMessage>(await conn.NextSentAsync());
        Assert.Equal(WampErrors.ProtocolViolation, abort.Reason);
        Assert.Equal("PUBLISH must have 4 to 6 elements, got 2", abort.Details["message"]);
        await conn.Closed.WaitAsync(ReceiveTimeout);
        await serve.WaitAsync(ReceiveTimeout);
    }

    [Fact]
    public async Task Malformed_hello_aborts_with_protocol_violation()
    {
        var conn = new ScriptedConnection();
        var serve = Router.ServeAsync(conn);
        conn.DeliverMalformed("HELLO must have 3 elements, got 2");
        var abort = Assert.IsType<AbortMessage>(await conn.NextSentAsync());
        Assert.Equal(WampErrors.ProtocolViolation, abort.Reason);
        Assert.Equal("HELLO must have 3 elements, got 2", abort.Details["message"]);
        await serve.WaitAsync(ReceiveTimeout);
    }

    [Fact]
    public async Task Missing_hello_times_out_and_closes_the_transport()
    {
        var conn = new ScriptedConnection();
        var serve = Router.ServeAsync(conn);
        await conn.Closed.WaitAsync(ReceiveTimeout);
        await serve.WaitAsync(ReceiveTimeout);
    }

    [Fact]
    public async Task Router_shutdown_sends_system_shutdown_goodbye()
    {
        var a = await JoinAsync();
        var b = await JoinAsync();
        await Router.DisposeAsync();
        foreach (var c in new[] { a, b })
        {
            var goodbye = await c.ExpectAsync<GoodbyeMessage>();
            Assert.Equal(WampCloseReasons.SystemShutdown, goodbye.Reason);
            await c.ExpectClosedAsync();
        }
    }

    [Fact]
    public async Task Serve_completes_when_peer_closes()
    {
        var (client, routerEnd) = InProcessConnection.CreatePair();
        var serve = Router.ServeAsync(routerEnd);
        await client.SendAsync(new HelloMessage("realm1", HelloDetails()));
        Assert.IsType<WelcomeMessage>(await client.ReceiveAsync());
        await client.CloseAsync();
        await serve.WaitAsync(ReceiveTimeout);
    }

    [Fact]
    public void Adding_a_realm_twice_throws()
    {
        Assert.True(Router.HasRealm("realm1"));
        Assert.False(Router.HasRealm("realm2"));
        Assert.Throws<InvalidOperationException>(() => Router.AddRealm(new RealmConfig { Name = "realm1" }));
    }

    [Fact]
    public async Task Leaving_session_drops_its_subscriptions()
    {
        var a = await JoinAsync();
        var b = await JoinAsync();
        var sub = await a.SubscribeAsync("x.y");
        await a.SendAsync(new GoodbyeMessage(Dict(), WampCloseReasons.CloseRealm));
        await a.ExpectAsync<GoodbyeMessage>();
        var r = await b.CallResultAsync("wamp.subscription.lookup", ["x.y"]);
        Assert.Null(r.Arguments![0]);
        // a fresh subscription gets a new id: the old one was deleted
        Assert.NotEqual(sub, await b.SubscribeAsync("x.y"));
    }
}
