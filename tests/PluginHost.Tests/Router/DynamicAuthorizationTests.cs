using System.Collections.Concurrent;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Router;

/// <summary>
/// Dynamic authorizers (Crossbar's RouterRoleDynamicAuth): a role with an authorizer has each call, register,
/// publish and subscribe decided by calling that procedure, asynchronously, in order per session.
/// </summary>
public sealed class DynamicAuthorizationTests : RouterTestBase
{
    private const string Authorize = "com.example.authorize";
    private readonly ConcurrentQueue<IReadOnlyList<object?>> _calls = new();

    protected override RouterOptions Options => new() { DynamicAuthTimeout = TimeSpan.FromSeconds(2) };

    protected override IEnumerable<RealmConfig> Realms =>
    [
        new RealmConfig
        {
            Name = "realm1",
            Roles =
            [
                new RoleConfig { Name = "dyn", Authorizer = Authorize },
                new RoleConfig { Name = "orphan", Authorizer = "com.example.nobody" },
                new RoleConfig { Name = "backend", AllowByDefault = true },
            ],
        },
    ];

    private async Task<WampSession> AuthorizerAsync(Func<IReadOnlyList<object?>, CancellationToken, Task<object?>> answer)
    {
        var session = await WampSession.JoinAsync(Router.ConnectInProcess(Role("backend")), "realm1");
        await session.RegisterAsync(Authorize, async (inv, ct) =>
        {
            _calls.Enqueue(inv.Args);
            return new WampResult([await answer(inv.Args, ct)]);
        });
        return session;
    }

    private static Task<object?> Answer(object? value) => Task.FromResult(value);

    [Fact]
    public async Task Bool_answer_allows_or_denies_with_Crossbars_arguments()
    {
        await using var authorizer = await AuthorizerAsync((args, _) => Answer(((string)args[1]!).StartsWith("com.ok", StringComparison.Ordinal)));
        var c = await JoinAsync(auth: Role("dyn"));
        await c.SubscribeAsync("com.ok.topic");
        var id = c.NextRequestId();
        await c.SendAsync(new SubscribeMessage(id, Dict(), "com.no.topic"));
        await c.ExpectErrorAsync(WampMessageType.Subscribe, id, WampErrors.NotAuthorized);

        Assert.True(_calls.TryDequeue(out var call));
        var details = (IReadOnlyDictionary<string, object?>)call[0]!;
        Assert.Equal(c.SessionId, Convert.ToInt64(details["session"]));
        Assert.Equal("dyn", details["authrole"]);
        Assert.Equal(("com.ok.topic", "subscribe"), (call[1], call[2]));
        Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(call[3]);
    }

    [Fact]
    public async Task Dict_answer_with_disclose_discloses_the_caller()
    {
        await using var authorizer = await AuthorizerAsync((_, _) => Answer(Dict(("allow", true), ("disclose", true), ("cache", true))));
        var callee = await JoinAsync(auth: Role("backend"));
        await callee.RegisterAsync("com.ok.proc");
        var c = await JoinAsync(auth: Role("dyn"));
        await c.CallAsync("com.ok.proc");
        var invocation = await callee.ExpectAsync<InvocationMessage>();
        Assert.Equal(c.SessionId, Convert.ToInt64(invocation.Details["caller"]));
    }

    [Fact]
    public async Task Error_or_invalid_answer_or_missing_authorizer_is_authorization_failed()
    {
        await using var authorizer = await AuthorizerAsync((args, _) => (string)args[1]! == "com.err"
            ? throw new WampException("com.example.oops", ["broken"])
            : Answer(Dict(("allow", true), ("bogus", true))));
        var c = await JoinAsync(auth: Role("dyn"));
        foreach (var topic in new[] { "com.err", "com.bogus" })
        {
            var id = c.NextRequestId();
            await c.SendAsync(new SubscribeMessage(id, Dict(), topic));
            var error = await c.ExpectErrorAsync(WampMessageType.Subscribe, id, WampErrors.AuthorizationFailed);
            Assert.Contains($"failed to authorize session for subscribing to topic '{topic}'", (string)error.Arguments![0]!);
        }

        var orphan = await JoinAsync(auth: Role("orphan"));
        var rid = orphan.NextRequestId();
        await orphan.SendAsync(new RegisterMessage(rid, Dict(), "com.x"));
        var e = await orphan.ExpectErrorAsync(WampMessageType.Register, rid, WampErrors.AuthorizationFailed);
        Assert.Contains(WampErrors.NoSuchProcedure, (string)e.Arguments![0]!);
    }

    [Fact]
    public async Task Authorizer_that_does_not_answer_times_out_as_authorization_failed()
    {
        await using var authorizer = await AuthorizerAsync(async (_, ct) => { await Task.Delay(Timeout.Infinite, ct); return true; });
        var c = await JoinAsync(auth: Role("dyn"));
        var id = c.NextRequestId();
        await c.SendAsync(new PublishMessage(id, Dict(("acknowledge", true)), "com.t", null, null));
        var error = await c.ExpectErrorAsync(WampMessageType.Publish, id, WampErrors.AuthorizationFailed);
        Assert.Contains("did not answer within", (string)error.Arguments![0]!);
    }

    [Fact]
    public async Task Pending_authorization_holds_the_sessions_later_messages_in_order_while_others_are_served()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var authorizer = await AuthorizerAsync(async (args, _) =>
        {
            if ((string)args[1]! == "com.first") { started.TrySetResult(); await release.Task; }
            return true;
        });
        var c = await JoinAsync(auth: Role("dyn"));
        var first = c.NextRequestId();
        var second = c.NextRequestId();
        await c.SendAsync(new SubscribeMessage(first, Dict(), "com.first"));
        await c.SendAsync(new SubscribeMessage(second, Dict(), "com.second"));
        await started.Task;

        // The realm keeps serving other sessions meanwhile.
        var other = await JoinAsync(auth: Role("backend"));
        await other.RegisterAsync("com.other.proc");
        await other.SubscribeAsync("com.other.topic");
        Assert.Single(_calls); // the second SUBSCRIBE is not even being authorized yet

        release.SetResult();
        var replies = await c.DrainAsync(); // the barrier's ERROR comes after both: order kept
        Assert.Equal([first, second], replies.Select(m => Assert.IsType<SubscribedMessage>(m).RequestId));
        Assert.Equal(["com.first", "com.second"], _calls.Select(a => (string)a[1]!));
    }
}
