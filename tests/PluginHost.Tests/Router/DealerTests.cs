using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Router;

public sealed class DealerTests : RouterTestBase
{
    private static readonly int[] RoundRobinOrder = [0, 1, 2, 0, 1, 2];

    protected override IEnumerable<RealmConfig> Realms =>
    [
        new RealmConfig { Name = "realm1" },
        new RealmConfig
        {
            Name = "disclosing",
            Roles =
            [
                new RoleConfig
                {
                    Name = "anonymous",
                    Permissions = [new PermissionConfig { Uri = "", Match = UriMatch.Prefix, Call = true, Register = true, DiscloseCaller = true }],
                },
            ],
        },
    ];

    private static async Task<InvocationMessage> Invocation(WampTestClient callee) => await callee.ExpectAsync<InvocationMessage>();

    private static async Task<ResultMessage> Result(WampTestClient caller, long request)
    {
        var r = await caller.ExpectAsync<ResultMessage>();
        Assert.Equal(request, r.RequestId);
        return r;
    }

    [Fact]
    public async Task Call_is_routed_to_callee_and_result_returned()
    {
        var callee = await JoinAsync();
        var caller = await JoinAsync();
        var reg = await callee.RegisterAsync("com.math.add");
        var req = await caller.CallAsync("com.math.add", [2L, 3L], kwargs: Dict(("k", 1L)));
        var inv = await Invocation(callee);
        Assert.Equal(reg, inv.Registration);
        Assert.Equal(new object?[] { 2L, 3L }, inv.Arguments!);
        Assert.Equal(1L, inv.ArgumentsKw!["k"]);
        Assert.Empty(inv.Details); // exact registration, no disclosure, no options
        await callee.SendAsync(new YieldMessage(inv.RequestId, Dict(), [5L], Dict(("done", true))));
        var result = await Result(caller, req);
        Assert.Equal(5L, result.Arguments![0]);
        Assert.Equal(true, result.ArgumentsKw!["done"]);
        Assert.Empty(result.Details);
    }

    [Fact]
    public async Task Invocation_ids_are_sequential_per_callee()
    {
        var callee = await JoinAsync();
        var caller = await JoinAsync();
        await callee.RegisterAsync("p");
        await caller.CallAsync("p");
        await caller.CallAsync("p");
        Assert.Equal(1L, (await Invocation(callee)).RequestId);
        Assert.Equal(2L, (await Invocation(callee)).RequestId);
    }

    [Fact]
    public async Task Unknown_procedure_and_invalid_uri()
    {
        var caller = await JoinAsync();
        var req = await caller.CallAsync("com.nothing");
        await caller.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.NoSuchProcedure);
        req = await caller.CallAsync("com..nothing");
        await caller.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.InvalidUri);
    }

    [Fact]
    public async Task Callee_error_is_forwarded_with_payload()
    {
        var callee = await JoinAsync();
        var caller = await JoinAsync();
        await callee.RegisterAsync("p");
        var req = await caller.CallAsync("p");
        var inv = await Invocation(callee);
        await callee.SendAsync(new ErrorMessage(WampMessageType.Invocation, inv.RequestId, Dict(("x", 1L)), "com.app.error.bad", ["why"], Dict(("code", 42L))));
        var e = await caller.ExpectErrorAsync(WampMessageType.Call, req, "com.app.error.bad");
        Assert.Equal("why", e.Arguments![0]);
        Assert.Equal(42L, e.ArgumentsKw!["code"]);
        Assert.Equal(1L, e.Details["x"]);
    }

    [Fact]
    public async Task Yield_and_error_for_unknown_invocations_are_ignored()
    {
        var callee = await JoinAsync();
        await callee.RegisterAsync("p");
        await callee.SendAsync(new YieldMessage(999, Dict()));
        await callee.SendAsync(new ErrorMessage(WampMessageType.Invocation, 998, Dict(), "x.y"));
        await callee.AssertNothingPendingAsync(); // still connected, nothing sent
    }

    [Fact]
    public async Task Progressive_results_when_requested()
    {
        var callee = await JoinAsync();
        var caller = await JoinAsync();
        await callee.RegisterAsync("p");
        var req = await caller.CallAsync("p", options: Dict(("receive_progress", true)));
        var inv = await Invocation(callee);
        Assert.Equal(true, inv.Details["receive_progress"]);
        await callee.SendAsync(new YieldMessage(inv.RequestId, Dict(("progress", true)), [1L]));
        await callee.SendAsync(new YieldMessage(inv.RequestId, Dict(("progress", true)), [2L]));
        await callee.SendAsync(new YieldMessage(inv.RequestId, Dict(), [3L]));
        var r1 = await Result(caller, req);
        Assert.Equal(true, r1.Details["progress"]);
        Assert.Equal(1L, r1.Arguments![0]);
        Assert.Equal(2L, (await Result(caller, req)).Arguments![0]);
        var final = await Result(caller, req);
        Assert.False(final.Details.ContainsKey("progress"));
        Assert.Equal(3L, final.Arguments![0]);
    }

    [Fact]
    public async Task Progressive_yields_are_dropped_for_callers_that_did_not_ask()
    {
        var callee = await JoinAsync();
        var caller = await JoinAsync();
        await callee.RegisterAsync("p");
        var req = await caller.CallAsync("p");
        var inv = await Invocation(callee);
        await callee.SendAsync(new YieldMessage(inv.RequestId, Dict(("progress", true)), [1L]));
        await callee.SendAsync(new YieldMessage(inv.RequestId, Dict(), [2L]));
        Assert.Equal(2L, (await Result(caller, req)).Arguments![0]);
    }

    [Fact]
    public async Task Cancel_skip_replies_at_once_without_interrupt()
    {
        var callee = await JoinAsync();
        var caller = await JoinAsync();
        await callee.RegisterAsync("p");
        var req = await caller.CallAsync("p");
        var inv = await Invocation(callee);
        await caller.SendAsync(new CancelMessage(req, Dict(("mode", "skip"))));
        await caller.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.Canceled);
        await callee.SendAsync(new YieldMessage(inv.RequestId, Dict(), ["late"])); // discarded
        await callee.AssertNothingPendingAsync(); // no INTERRUPT was sent
        await caller.AssertNothingPendingAsync(); // late result not forwarded
    }

    [Fact]
    public async Task Cancel_killnowait_interrupts_and_replies_at_once()
    {
        var callee = await JoinAsync();
        var caller = await JoinAsync();
        await callee.RegisterAsync("p");
        var req = await caller.CallAsync("p");
        var inv = await Invocation(callee);
        await caller.SendAsync(new CancelMessage(req, Dict(("mode", "killnowait"))));
        await caller.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.Canceled);
        var interrupt = await callee.ExpectAsync<InterruptMessage>();
        Assert.Equal(inv.RequestId, interrupt.RequestId);
        Assert.Equal("killnowait", interrupt.Options["mode"]);
        await callee.SendAsync(new ErrorMessage(WampMessageType.Invocation, inv.RequestId, Dict(), WampErrors.Canceled)); // discarded
        await caller.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Cancel_kill_waits_for_the_callee()
    {
        var callee = await JoinAsync();
        var caller = await JoinAsync();
        await callee.RegisterAsync("p");
        var req = await caller.CallAsync("p");
        var inv = await Invocation(callee);
        await caller.SendAsync(new CancelMessage(req, Dict(("mode", "kill"))));
        var interrupt = await callee.ExpectAsync<InterruptMessage>();
        Assert.Equal("kill", interrupt.Options["mode"]);
        await caller.AssertNothingPendingAsync(); // no ERROR until the callee answers
        await callee.SendAsync(new ErrorMessage(WampMessageType.Invocation, inv.RequestId, Dict(), WampErrors.Canceled, ["interrupted"]));
        var e = await caller.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.Canceled);
        Assert.Equal("interrupted", e.Arguments![0]);
    }

    [Fact]
    public async Task Cancel_on_callee_without_call_canceling_behaves_as_skip()
    {
        var callee = await JoinAsync(callCanceling: false);
        var caller = await JoinAsync();
        await callee.RegisterAsync("p");
        var req = await caller.CallAsync("p");
        await Invocation(callee);
        await caller.SendAsync(new CancelMessage(req, Dict(("mode", "kill"))));
        await caller.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.Canceled);
        await callee.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Caller_disclosure_by_request_by_permission_and_by_registration_option()
    {
        var callee = await JoinAsync();
        var caller = await JoinAsync();
        await callee.RegisterAsync("p");
        await caller.CallAsync("p", options: Dict(("disclose_me", true)));
        var inv = await Invocation(callee);
        Assert.Equal(caller.SessionId, inv.Details["caller"]);
        Assert.Equal(caller.AuthId, inv.Details["caller_authid"]);
        Assert.Equal(caller.AuthRole, inv.Details["caller_authrole"]);

        await callee.RegisterAsync("q", Dict(("disclose_caller", true)));
        await caller.CallAsync("q");
        Assert.Equal(caller.SessionId, (await Invocation(callee)).Details["caller"]);

        var callee2 = await JoinAsync("disclosing");
        var caller2 = await JoinAsync("disclosing");
        await callee2.RegisterAsync("p");
        await caller2.CallAsync("p");
        Assert.Equal(caller2.SessionId, (await Invocation(callee2)).Details["caller"]);
    }

    [Fact]
    public async Task Single_registration_rejects_a_second_callee()
    {
        var a = await JoinAsync();
        var b = await JoinAsync();
        await a.RegisterAsync("p");
        var req = b.NextRequestId();
        await b.SendAsync(new RegisterMessage(req, Dict(), "p"));
        await b.ExpectErrorAsync(WampMessageType.Register, req, WampErrors.ProcedureAlreadyExists);
        req = a.NextRequestId();
        await a.SendAsync(new RegisterMessage(req, Dict(), "p"));
        await a.ExpectErrorAsync(WampMessageType.Register, req, WampErrors.ProcedureAlreadyExists);
    }

    [Fact]
    public async Task Shared_registration_with_mismatched_policy_is_rejected()
    {
        var a = await JoinAsync();
        var b = await JoinAsync();
        var id = await a.RegisterAsync("p", Dict(("invoke", "roundrobin")));
        var req = b.NextRequestId();
        await b.SendAsync(new RegisterMessage(req, Dict(("invoke", "random")), "p"));
        await b.ExpectErrorAsync(WampMessageType.Register, req, WampErrors.ProcedureAlreadyExists);
        Assert.Equal(id, await b.RegisterAsync("p", Dict(("invoke", "roundrobin"))));

        req = b.NextRequestId();
        await b.SendAsync(new RegisterMessage(req, Dict(("invoke", "sometimes")), "q"));
        await b.ExpectErrorAsync(WampMessageType.Register, req, WampErrors.InvalidArgument);
    }

    private async Task<(WampTestClient[] Callees, WampTestClient Caller)> Shared(string policy, int n)
    {
        var callees = new WampTestClient[n];
        long? id = null;
        for (int i = 0; i < n; i++)
        {
            callees[i] = await JoinAsync();
            var reg = await callees[i].RegisterAsync("shared", Dict(("invoke", policy)));
            Assert.Equal(id ?? reg, reg);
            id = reg;
        }
        return (callees, await JoinAsync());
    }

    /// <summary>Calls once and returns the index of the callee that got the invocation (and answers it).</summary>
    private static async Task<int> CallOnce(WampTestClient[] callees, WampTestClient caller)
    {
        var req = await caller.CallAsync("shared");
        var tasks = callees.Select(c => c.Connection.ReceiveAsync().AsTask()).ToArray();
        var done = await Task.WhenAny(tasks).WaitAsync(ReceiveTimeout);
        int index = Array.IndexOf(tasks, done);
        var inv = Assert.IsType<InvocationMessage>(await done);
        await callees[index].SendAsync(new YieldMessage(inv.RequestId, Dict()));
        await Result(caller, req);
        // the other callees must not have been invoked: their pending receives stay open; close them out with a barrier
        for (int i = 0; i < callees.Length; i++)
        {
            if (i == index) continue;
            var id = callees[i].NextRequestId();
            await callees[i].SendAsync(new UnsubscribeMessage(id, 1));
            var next = Assert.IsType<ErrorMessage>(await tasks[i].WaitAsync(ReceiveTimeout));
            Assert.Equal(id, next.RequestId);
        }
        return index;
    }

    [Fact]
    public async Task Roundrobin_rotates()
    {
        var (callees, caller) = await Shared("roundrobin", 3);
        var order = new List<int>();
        for (int i = 0; i < 6; i++) order.Add(await CallOnce(callees, caller));
        Assert.Equal(RoundRobinOrder, order);
    }

    [Fact]
    public async Task First_and_last_pick_by_registration_order()
    {
        var (firsts, caller1) = await Shared("first", 3);
        Assert.Equal(0, await CallOnce(firsts, caller1));
        Assert.Equal(0, await CallOnce(firsts, caller1));
        // the first callee leaves: the next one becomes first
        await firsts[0].SendAsync(new GoodbyeMessage(Dict(), WampCloseReasons.CloseRealm));
        await firsts[0].ExpectAsync<GoodbyeMessage>();
        Assert.Equal(0, await CallOnce(firsts[1..], caller1));
    }

    [Fact]
    public async Task Last_picks_the_newest_callee()
    {
        var (callees, caller) = await Shared("last", 3);
        Assert.Equal(2, await CallOnce(callees, caller));
        Assert.Equal(2, await CallOnce(callees, caller));
    }

    [Fact]
    public async Task Random_picks_some_callee()
    {
        var (callees, caller) = await Shared("random", 2);
        for (int i = 0; i < 4; i++) Assert.InRange(await CallOnce(callees, caller), 0, 1);
    }

    [Fact]
    public async Task Force_reregister_kicks_existing_callees()
    {
        var old = await JoinAsync();
        var fresh = await JoinAsync();
        var caller = await JoinAsync();
        var oldId = await old.RegisterAsync("p");
        var newId = await fresh.RegisterAsync("p", Dict(("force_reregister", true)));
        Assert.NotEqual(oldId, newId);
        var kicked = await old.ExpectAsync<UnregisteredMessage>();
        Assert.Equal(0L, kicked.RequestId);
        Assert.Equal(oldId, kicked.Details!["registration"]);
        Assert.Equal("wamp.error.unregistered", kicked.Details["reason"]);

        await caller.CallAsync("p");
        await Invocation(fresh);
        await old.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Pattern_registrations_exact_then_longest_prefix_then_wildcard()
    {
        var exact = await JoinAsync();
        var shortPrefix = await JoinAsync();
        var longPrefix = await JoinAsync();
        var wildcard = await JoinAsync();
        var caller = await JoinAsync();
        var exactId = await exact.RegisterAsync("a1.b2.c3.d4.e55");
        await shortPrefix.RegisterAsync("a1.b2", Dict(("match", "prefix")));
        var longId = await longPrefix.RegisterAsync("a1.b2.c3", Dict(("match", "prefix")));
        var wildId = await wildcard.RegisterAsync("x1..z3", Dict(("match", "wildcard")));

        await caller.CallAsync("a1.b2.c3.d4.e55");
        var inv = await Invocation(exact);
        Assert.Equal(exactId, inv.Registration);
        Assert.False(inv.Details.ContainsKey("procedure"));

        await caller.CallAsync("a1.b2.c3.d98");
        inv = await Invocation(longPrefix);
        Assert.Equal(longId, inv.Registration);
        Assert.Equal("a1.b2.c3.d98", inv.Details["procedure"]);

        await caller.CallAsync("a1.b2.c9");
        Assert.Equal("a1.b2.c9", (await Invocation(shortPrefix)).Details["procedure"]);

        await caller.CallAsync("x1.y2.z3");
        inv = await Invocation(wildcard);
        Assert.Equal(wildId, inv.Registration);
        Assert.Equal("x1.y2.z3", inv.Details["procedure"]);

        var req = await caller.CallAsync("x1.y2.z3.w4");
        await caller.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.NoSuchProcedure);
    }

    [Fact]
    public async Task Most_specific_wildcard_wins()
    {
        var four = await JoinAsync();
        var five = await JoinAsync();
        var caller = await JoinAsync();
        await four.RegisterAsync("a1.b2..d4.e5", Dict(("match", "wildcard")));
        var fiveId = await five.RegisterAsync("a1.b2.c3..e5", Dict(("match", "wildcard")));
        await caller.CallAsync("a1.b2.c3.d4.e5");
        Assert.Equal(fiveId, (await Invocation(five)).Registration);
        await caller.CallAsync("a1.b2.c55.d4.e5");
        await Invocation(four);
    }

    [Fact]
    public async Task Callee_leaving_mid_call_fails_the_call_at_once()
    {
        var callee = await JoinAsync();
        var caller = await JoinAsync();
        await callee.RegisterAsync("p");
        var req = await caller.CallAsync("p");
        await Invocation(callee);
        await callee.Connection.CloseAsync(); // transport lost, no GOODBYE
        var e = await caller.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.Canceled);
        Assert.Contains("callee", (string)e.Arguments![0]!);
        // and the registration is gone
        req = await caller.CallAsync("p");
        await caller.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.NoSuchProcedure);
    }

    [Fact]
    public async Task Caller_leaving_interrupts_its_invocations()
    {
        var callee = await JoinAsync();
        var caller = await JoinAsync();
        await callee.RegisterAsync("p");
        await caller.CallAsync("p");
        var inv = await Invocation(callee);
        await caller.Connection.CloseAsync();
        var interrupt = await callee.ExpectAsync<InterruptMessage>();
        Assert.Equal(inv.RequestId, interrupt.RequestId);
        Assert.Equal("killnowait", interrupt.Options["mode"]);
        await callee.SendAsync(new YieldMessage(inv.RequestId, Dict())); // ignored
        await callee.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Unregister_and_reserved_or_invalid_procedures()
    {
        var c = await JoinAsync();
        var id = await c.RegisterAsync("p");
        var req = c.NextRequestId();
        await c.SendAsync(new UnregisterMessage(req, id));
        Assert.Equal(req, (await c.ExpectAsync<UnregisteredMessage>()).RequestId);
        req = c.NextRequestId();
        await c.SendAsync(new UnregisterMessage(req, id));
        await c.ExpectErrorAsync(WampMessageType.Unregister, req, WampErrors.NoSuchRegistration);

        req = c.NextRequestId();
        await c.SendAsync(new RegisterMessage(req, Dict(), "wamp.session.count"));
        await c.ExpectErrorAsync(WampMessageType.Register, req, WampErrors.InvalidUri);
        req = c.NextRequestId();
        await c.SendAsync(new RegisterMessage(req, Dict(), "a..b"));
        await c.ExpectErrorAsync(WampMessageType.Register, req, WampErrors.InvalidUri);
    }
}
