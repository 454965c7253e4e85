using PluginHost.Wamp.Client;
using PluginHost.Wamp.Messages;
using static PluginHost.Tests.Client.TestExtensions;

namespace PluginHost.Tests.Client;

public class CallerTests
{
    [Fact]
    public async Task Call_returns_the_result_payload()
    {
        var (session, router) = await FakeRouter.JoinAsync();
        await using var scope = router;
        var call = session.CallAsync("com.add", [2L, 3L], Dict(("round", true)));
        var sent = await router.ExpectAsync<CallMessage>();
        Assert.Equal("com.add", sent.Procedure);
        Assert.Equal([2L, 3L], sent.Arguments!);
        Assert.Equal(true, sent.ArgumentsKw!["round"]);
        Assert.Empty(sent.Options);

        await router.SendAsync(new ResultMessage(sent.RequestId, WampValue.EmptyDict(), [5L], Dict(("exact", true))));
        var result = await call.Within();
        Assert.Equal([5L], result.Args);
        Assert.Equal(true, result.ArgsKw["exact"]);
    }

    [Fact]
    public async Task Request_ids_are_sequential_from_one_across_request_kinds()
    {
        var (session, router) = await FakeRouter.JoinAsync();
        await using var scope = router;
        _ = session.CallAsync("p");
        _ = session.RegisterAsync("q", (_, _) => ValueTask.FromResult<WampResult?>(null));
        _ = session.SubscribeAsync("t", _ => ValueTask.CompletedTask);
        await session.PublishAsync("t");

        Assert.Equal(1, (await router.ExpectAsync<CallMessage>()).RequestId);
        Assert.Equal(2, (await router.ExpectAsync<RegisterMessage>()).RequestId);
        Assert.Equal(3, (await router.ExpectAsync<SubscribeMessage>()).RequestId);
        Assert.Equal(4, (await router.ExpectAsync<PublishMessage>()).RequestId);
    }

    [Fact]
    public async Task Concurrent_calls_reach_the_wire_with_ids_in_order()
    {
        var (session, router) = await FakeRouter.JoinAsync();
        await using var scope = router;
        const int N = 200;
        var calls = Enumerable.Range(0, N).Select(i => Task.Run(() => session.CallAsync("p", [(long)i]))).ToList();
        for (long expected = 1; expected <= N; expected++)
        {
            var call = await router.ExpectAsync<CallMessage>();
            Assert.Equal(expected, call.RequestId);
            await router.SendAsync(new ResultMessage(call.RequestId, WampValue.EmptyDict(), call.Arguments));
        }
        var results = await Task.WhenAll(calls).Within();
        Assert.Equal(Enumerable.Range(0, N).Select(i => (object?)(long)i), results.Select(r => r.Args[0]));
    }

    [Fact]
    public async Task Error_reply_throws_WampException_with_uri_and_payload()
    {
        var (session, router) = await FakeRouter.JoinAsync();
        await using var scope = router;
        var call = session.CallAsync("com.fail");
        var sent = await router.ExpectAsync<CallMessage>();
        await router.SendAsync(new ErrorMessage(WampMessageType.Call, sent.RequestId, WampValue.EmptyDict(),
            "com.error.bad", ["it broke", 42L], Dict(("why", "because"))));

        var e = await Assert.ThrowsAsync<WampException>(() => call.Within());
        Assert.Equal("com.error.bad", e.Error);
        Assert.Equal(42L, e.Args[1]);
        Assert.Equal("because", e.ArgsKw["why"]);
        Assert.Equal("com.error.bad: it broke", e.Message);
    }

    [Fact]
    public async Task Progressive_results_are_reported_in_order_before_the_final_result()
    {
        var (session, router) = await FakeRouter.JoinAsync();
        await using var scope = router;
        var seen = new List<object?>();
        var call = session.CallAsync("com.count", options: new CallOptions { OnProgress = r => seen.Add(r.Args[0]) });
        var sent = await router.ExpectAsync<CallMessage>();
        Assert.Equal(true, sent.Options["receive_progress"]);

        var progress = Dict(("progress", true));
        for (long i = 1; i <= 50; i++) await router.SendAsync(new ResultMessage(sent.RequestId, progress, [i]));
        await router.SendAsync(new ResultMessage(sent.RequestId, WampValue.EmptyDict(), ["done"]));

        Assert.Equal("done", (await call.Within()).Args[0]);
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (object?)(long)i), seen);
    }

    [Theory]
    [InlineData(CancelMode.Skip, "skip")]
    [InlineData(CancelMode.Kill, "kill")]
    [InlineData(CancelMode.KillNoWait, "killnowait")]
    public async Task Cancelling_the_token_sends_cancel_and_ends_the_task_as_canceled(CancelMode mode, string wire)
    {
        var (session, router) = await FakeRouter.JoinAsync();
        await using var scope = router;
        using var cts = new CancellationTokenSource();
        var call = session.CallAsync("com.slow", options: new CallOptions { CancelMode = mode }, cancellationToken: cts.Token);
        var sent = await router.ExpectAsync<CallMessage>();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Within());
        var cancel = await router.ExpectAsync<CancelMessage>();
        Assert.Equal(sent.RequestId, cancel.RequestId);
        Assert.Equal(wire, cancel.Options["mode"]);

        // The router's answer to the CANCEL is consumed quietly: the session stays usable.
        await router.SendAsync(new ErrorMessage(WampMessageType.Call, sent.RequestId, WampValue.EmptyDict(), WampErrors.Canceled));
        var next = session.CallAsync("com.next");
        var nextSent = await router.ExpectAsync<CallMessage>();
        await router.SendAsync(new ResultMessage(nextSent.RequestId, WampValue.EmptyDict()));
        await next.Within();
        Assert.True(session.IsOpen);
    }

    [Fact]
    public async Task Router_canceled_error_without_our_token_is_a_WampException()
    {
        var (session, router) = await FakeRouter.JoinAsync();
        await using var scope = router;
        var call = session.CallAsync("com.p");
        var sent = await router.ExpectAsync<CallMessage>();
        await router.SendAsync(new ErrorMessage(WampMessageType.Call, sent.RequestId, WampValue.EmptyDict(), WampErrors.Canceled));
        Assert.Equal(WampErrors.Canceled, (await Assert.ThrowsAsync<WampException>(() => call.Within())).Error);
    }

    [Fact]
    public async Task Timeout_and_disclose_me_are_passed_as_call_options()
    {
        var (session, router) = await FakeRouter.JoinAsync();
        await using var scope = router;
        var call = session.CallAsync("com.p", options: new CallOptions { Timeout = TimeSpan.FromMilliseconds(1500), DiscloseMe = true });
        var sent = await router.ExpectAsync<CallMessage>();
        Assert.Equal(1500L, sent.Options["timeout"]);
        Assert.Equal(true, sent.Options["disclose_me"]);
        await router.SendAsync(new ErrorMessage(WampMessageType.Call, sent.RequestId, WampValue.EmptyDict(), WampErrors.Timeout));
        Assert.Equal(WampErrors.Timeout, (await Assert.ThrowsAsync<WampException>(() => call.Within())).Error);
    }

    [Fact]
    public async Task Timeout_is_enforced_locally_when_the_dealer_lacks_call_timeout()
    {
        var (session, router) = await FakeRouter.JoinAsync(FakeRouter.Roles("call_canceling"));
        await using var scope = router;
        var call = session.CallAsync("com.p", options: new CallOptions { Timeout = TimeSpan.FromMilliseconds(50) });
        var sent = await router.ExpectAsync<CallMessage>();

        Assert.Equal(WampErrors.Timeout, (await Assert.ThrowsAsync<WampException>(() => call.Within())).Error);
        var cancel = await router.ExpectAsync<CancelMessage>();
        Assert.Equal(sent.RequestId, cancel.RequestId);
        Assert.Equal("killnowait", cancel.Options["mode"]);
    }

    [Fact]
    public async Task Result_for_an_unknown_request_aborts_with_protocol_violation()
    {
        var (session, router) = await FakeRouter.JoinAsync();
        await using var scope = router;
        var pending = session.CallAsync("com.p");
        await router.ExpectAsync<CallMessage>();
        await router.SendAsync(new ResultMessage(999, WampValue.EmptyDict()));

        var abort = await router.ExpectAsync<AbortMessage>();
        Assert.Equal(WampErrors.ProtocolViolation, abort.Reason);
        await router.ExpectClosedAsync();
        Assert.Equal(WampErrors.ProtocolViolation, (await Assert.ThrowsAsync<WampException>(() => pending.Within())).Error);
        var closed = await session.Closed.Within();
        Assert.Equal(WampCloseInitiator.Local, closed.Initiator);
    }
}
