using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Router;

/// <summary>wamp.subscription.remove_subscriber and wamp.registration.remove_callee: router-side revocation.</summary>
public sealed class RevocationTests : RouterTestBase
{
    private static readonly (string Role, string Feature) SubscriptionRevocation = ("subscriber", "subscription_revocation");

    private static List<object?> Args(params object?[] args) => [.. args];

    /// <summary>A HELLO whose callee does not announce registration_revocation.</summary>
    private static Dictionary<string, object?> HelloWithoutRegistrationRevocation()
    {
        var details = HelloDetails();
        var callee = (Dictionary<string, object?>)((Dictionary<string, object?>)details["roles"]!)["callee"]!;
        ((Dictionary<string, object?>)callee["features"]!).Remove("registration_revocation");
        return details;
    }

    /// <summary>The meta events queued for <paramref name="watcher"/>, as "topic(arg, arg)".</summary>
    private static async Task<List<string>> MetaEvents(WampTestClient watcher, Dictionary<long, string> topics)
        => (await watcher.DrainAsync()).OfType<EventMessage>().Select(e => $"{topics[e.Subscription]}({string.Join(", ", e.Arguments!)})").ToList();

    private static async Task<Dictionary<long, string>> WatchAsync(WampTestClient watcher, params string[] topics)
    {
        var ids = new Dictionary<long, string>();
        foreach (var t in topics) ids[await watcher.SubscribeAsync(t)] = t;
        return ids;
    }

    [Fact]
    public async Task Welcome_announces_subscription_revocation_and_no_event_history_without_store()
    {
        var a = await JoinAsync();
        var broker = (IReadOnlyDictionary<string, object?>)((IReadOnlyDictionary<string, object?>)((IReadOnlyDictionary<string, object?>)a.WelcomeDetails["roles"]!)["broker"]!)["features"]!;
        Assert.Equal(true, broker["subscription_revocation"]);
        Assert.False(broker.ContainsKey("event_history"));
    }

    [Fact]
    public async Task Remove_subscriber_sends_unsubscribed_to_a_subscriber_that_announced_it()
    {
        var admin = await JoinAsync();
        var watcher = await JoinAsync();
        var sub = await JoinAsync(features: SubscriptionRevocation);
        var pub = await JoinAsync();
        var topics = await WatchAsync(watcher, "wamp.subscription.on_unsubscribe", "wamp.subscription.on_delete");
        var subId = await sub.SubscribeAsync("com.t");

        var result = await admin.CallResultAsync("wamp.subscription.remove_subscriber", Args(subId, sub.SessionId, "com.app.revoked"));
        Assert.Empty(result.Arguments ?? []);
        var revoked = await sub.ExpectAsync<UnsubscribedMessage>();
        Assert.Equal(0L, revoked.RequestId);
        Assert.Equal(subId, revoked.Details!["subscription"]);
        Assert.Equal("com.app.revoked", revoked.Details["reason"]);
        // as for a normal unsubscribe of the last subscriber: on_unsubscribe, then on_delete
        Assert.Equal([$"wamp.subscription.on_unsubscribe({sub.SessionId}, {subId})", $"wamp.subscription.on_delete({sub.SessionId}, {subId})"],
            await MetaEvents(watcher, topics));

        await pub.PublishAckAsync("com.t", args: ["after"]);
        await sub.AssertNothingPendingAsync();
        var req = await admin.CallAsync("wamp.subscription.get", Args(subId));
        await admin.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.NoSuchSubscription);
        // its own UNSUBSCRIBE afterwards: no such subscription
        var unsub = sub.NextRequestId();
        await sub.SendAsync(new UnsubscribeMessage(unsub, subId));
        await sub.ExpectErrorAsync(WampMessageType.Unsubscribe, unsub, WampErrors.NoSuchSubscription);
    }

    [Fact]
    public async Task Remove_subscriber_without_the_feature_removes_silently()
    {
        var admin = await JoinAsync();
        var watcher = await JoinAsync();
        var sub = await JoinAsync(); // announces no subscription_revocation
        var other = await JoinAsync();
        var pub = await JoinAsync();
        var topics = await WatchAsync(watcher, "wamp.subscription.on_unsubscribe", "wamp.subscription.on_delete");
        var subId = await sub.SubscribeAsync("com.t");
        Assert.Equal(subId, await other.SubscribeAsync("com.t"));

        // keyword arguments (Crossbar's parameter names), no reason
        await admin.CallResultAsync("wamp.subscription.remove_subscriber", kwargs: Dict(("subscription_id", subId), ("subscriber_id", sub.SessionId)));
        // spec: "the Broker MUST NOT send an UNSUBSCRIBED message" to a subscriber that did not announce the feature
        await sub.AssertNothingPendingAsync();
        // a shared subscription: on_unsubscribe only, the subscription lives on for the other subscriber
        Assert.Equal([$"wamp.subscription.on_unsubscribe({sub.SessionId}, {subId})"], await MetaEvents(watcher, topics));
        Assert.Equal(Args(other.SessionId), (await admin.CallResultAsync("wamp.subscription.list_subscribers", Args(subId))).Arguments![0]);

        await pub.PublishAckAsync("com.t", args: ["x"]);
        Assert.Equal("x", (await other.ExpectAsync<EventMessage>()).Arguments![0]);
        await sub.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Revocation_without_reason_has_no_reason_detail()
    {
        var admin = await JoinAsync();
        var sub = await JoinAsync(features: SubscriptionRevocation);
        var subId = await sub.SubscribeAsync("com.t");
        await admin.CallResultAsync("wamp.subscription.remove_subscriber", Args(subId, sub.SessionId));
        var revoked = await sub.ExpectAsync<UnsubscribedMessage>();
        Assert.Equal(new Dictionary<string, object?> { ["subscription"] = subId }, revoked.Details);
    }

    [Fact]
    public async Task Remove_subscriber_errors()
    {
        var admin = await JoinAsync();
        var sub = await JoinAsync(features: SubscriptionRevocation);
        var stranger = await JoinAsync();
        var subId = await sub.SubscribeAsync("com.t");

        async Task Expect(string error, List<object?>? args = null, Dictionary<string, object?>? kwargs = null)
        {
            var req = await admin.CallAsync("wamp.subscription.remove_subscriber", args, kwargs: kwargs);
            await admin.ExpectErrorAsync(WampMessageType.Call, req, error);
        }

        // Crossbar's order: the session first, then the subscription, then the session's membership
        await Expect(WampErrors.NoSuchSession, Args(12345L, 999L));
        await Expect(WampErrors.NoSuchSession, Args(subId, 999L));
        await Expect(WampErrors.NoSuchSubscription, Args(12345L, sub.SessionId));
        await Expect(WampErrors.NoSuchSubscription, Args(subId, stranger.SessionId));
        await Expect(WampErrors.InvalidArgument);
        await Expect(WampErrors.InvalidArgument, Args(subId));
        await Expect(WampErrors.InvalidArgument, Args("x", sub.SessionId));
        await Expect(WampErrors.InvalidArgument, Args(true, sub.SessionId));
        await Expect(WampErrors.InvalidUri, Args(subId, sub.SessionId, "not a uri"));
        await Expect(WampErrors.InvalidUri, Args(subId, sub.SessionId, 5L));
        // nothing happened to the subscriber
        await sub.AssertNothingPendingAsync();
        Assert.Equal(Args(sub.SessionId), (await admin.CallResultAsync("wamp.subscription.list_subscribers", Args(subId))).Arguments![0]);
    }

    [Fact]
    public async Task Remove_callee_revokes_with_unregistered_and_meta_events()
    {
        var admin = await JoinAsync();
        var watcher = await JoinAsync();
        var callee = await JoinAsync(); // the test HELLO announces callee registration_revocation
        var caller = await JoinAsync();
        var topics = await WatchAsync(watcher, "wamp.registration.on_unregister", "wamp.registration.on_delete");
        var regId = await callee.RegisterAsync("com.p");

        await admin.CallResultAsync("wamp.registration.remove_callee", Args(regId, callee.SessionId, "wamp.error.kicked"));
        var revoked = await callee.ExpectAsync<UnregisteredMessage>();
        Assert.Equal(0L, revoked.RequestId);
        Assert.Equal(regId, revoked.Details!["registration"]);
        Assert.Equal("wamp.error.kicked", revoked.Details["reason"]);
        Assert.Equal([$"wamp.registration.on_unregister({callee.SessionId}, {regId})", $"wamp.registration.on_delete({callee.SessionId}, {regId})"],
            await MetaEvents(watcher, topics));

        var req = await caller.CallAsync("com.p");
        await caller.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.NoSuchProcedure);
        // the callee may register again
        Assert.NotEqual(regId, await callee.RegisterAsync("com.p"));
    }

    [Fact]
    public async Task Remove_callee_without_the_feature_removes_silently_and_keeps_the_other_callee()
    {
        var admin = await JoinAsync();
        var quiet = await JoinWithHelloAsync(HelloWithoutRegistrationRevocation());
        var other = await JoinAsync();
        var caller = await JoinAsync();
        var regId = await quiet.RegisterAsync("com.p", Dict(("invoke", "roundrobin")));
        Assert.Equal(regId, await other.RegisterAsync("com.p", Dict(("invoke", "roundrobin"))));

        await admin.CallResultAsync("wamp.registration.remove_callee", kwargs: Dict(("registration_id", regId), ("callee_id", quiet.SessionId)));
        await quiet.AssertNothingPendingAsync();
        Assert.Equal(Args(other.SessionId), (await admin.CallResultAsync("wamp.registration.list_callees", Args(regId))).Arguments![0]);
        for (int i = 0; i < 2; i++)
        {
            await caller.CallAsync("com.p");
            var inv = await other.ExpectAsync<InvocationMessage>();
            await other.SendAsync(new YieldMessage(inv.RequestId, Dict()));
            await caller.ExpectAsync<ResultMessage>();
        }
        await quiet.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task A_call_in_flight_still_completes_after_remove_callee()
    {
        var admin = await JoinAsync();
        var callee = await JoinAsync();
        var caller = await JoinAsync();
        var regId = await callee.RegisterAsync("com.p");
        var call = await caller.CallAsync("com.p");
        var inv = await callee.ExpectAsync<InvocationMessage>();
        await admin.CallResultAsync("wamp.registration.remove_callee", Args(regId, callee.SessionId));
        var revoked = await callee.ExpectAsync<UnregisteredMessage>();
        Assert.False(revoked.Details!.ContainsKey("reason"));
        await callee.SendAsync(new YieldMessage(inv.RequestId, Dict(), ["late"]));
        var result = await caller.ExpectAsync<ResultMessage>();
        Assert.Equal(call, result.RequestId);
        Assert.Equal("late", result.Arguments![0]);
    }

    [Fact]
    public async Task Remove_callee_errors()
    {
        var admin = await JoinAsync();
        var callee = await JoinAsync();
        var stranger = await JoinAsync();
        var regId = await callee.RegisterAsync("com.p");

        async Task Expect(string error, List<object?>? args)
        {
            var req = await admin.CallAsync("wamp.registration.remove_callee", args);
            await admin.ExpectErrorAsync(WampMessageType.Call, req, error);
        }

        await Expect(WampErrors.NoSuchSession, Args(12345L, 999L));
        await Expect(WampErrors.NoSuchRegistration, Args(12345L, callee.SessionId));
        await Expect(WampErrors.NoSuchRegistration, Args(regId, stranger.SessionId));
        await Expect(WampErrors.InvalidArgument, null);
        await Expect(WampErrors.InvalidArgument, Args(regId, "me"));
        await Expect(WampErrors.InvalidUri, Args(regId, callee.SessionId, "has space"));
        await callee.AssertNothingPendingAsync();
        Assert.Equal(Args(callee.SessionId), (await admin.CallResultAsync("wamp.registration.list_callees", Args(regId))).Arguments![0]);
    }

    [Fact]
    public async Task Revocation_procedures_need_the_meta_api()
    {
        var router = Router;
        router.AddRealm(new RealmConfig { Name = "nometa", EnableMetaApi = false });
        var a = await JoinAsync("nometa");
        var req = await a.CallAsync("wamp.subscription.remove_subscriber", Args(1L, a.SessionId));
        await a.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.NoSuchProcedure);
        var broker = (IReadOnlyDictionary<string, object?>)((IReadOnlyDictionary<string, object?>)((IReadOnlyDictionary<string, object?>)a.WelcomeDetails["roles"]!)["broker"]!)["features"]!;
        Assert.False(broker.ContainsKey("subscription_revocation"));
    }
}
