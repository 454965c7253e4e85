using PluginHost.Wamp.Client;
using PluginHost.Wamp.Messages;
using static PluginHost.Tests.Client.TestExtensions;

namespace PluginHost.Tests.Client;

public class LifecycleTests
{
    [Fact]
    public async Task Leave_performs_the_goodbye_handshake()
    {
        var (session, router) = await FakeRouter.JoinAsync();
        await using var scope = router;
        var leave = session.LeaveAsync(message: "bye now");
        var goodbye = await router.ExpectAsync<GoodbyeMessage>();
        Assert.Equal(WampCloseReasons.Normal, goodbye.Reason);
        Assert.Equal("bye now", goodbye.Details["message"]);
        Assert.False(session.IsOpen);

        await router.SendAsync(new GoodbyeMessage(WampValue.EmptyDict(), WampCloseReasons.GoodbyeAndOut));
        var info = await leave.Within();
        Assert.Equal(WampCloseReasons.GoodbyeAndOut, info.Reason);
        Assert.Equal(WampCloseInitiator.Local, info.Initiator);
        Assert.Same(info, await session.Closed.Within());
        await router.ExpectClosedAsync();

        // After the session ended requests fail at once instead of hanging.
        await Assert.ThrowsAsync<WampException>(() => session.CallAsync("com.p").Within());
    }

    [Fact]
    public async Task Router_goodbye_is_answered_and_fails_pending_requests_with_its_reason()
    {
        var (session, router) = await FakeRouter.JoinAsync();
        await using var scope = router;
        var call = session.CallAsync("com.p");
        var subscribe = session.SubscribeAsync("com.t", _ => default);
        await router.ExpectAsync<CallMessage>();
        await router.ExpectAsync<SubscribeMessage>();
        await router.SendAsync(new GoodbyeMessage(Dict(("message", "shutting down")), WampCloseReasons.SystemShutdown));

        var reply = await router.ExpectAsync<GoodbyeMessage>();
        Assert.Equal(WampCloseReasons.GoodbyeAndOut, reply.Reason);
        await router.ExpectClosedAsync();
        var e = await Assert.ThrowsAsync<WampException>(() => call.Within());
        Assert.Equal(WampCloseReasons.SystemShutdown, e.Error);
        Assert.Equal(WampCloseReasons.SystemShutdown, (await Assert.ThrowsAsync<WampException>(() => subscribe.Within())).Error);
        var info = await session.Closed.Within();
        Assert.Equal(WampCloseInitiator.Router, info.Initiator);
        Assert.Equal("shutting down", info.Message);
    }

    [Fact]
    public async Task Router_abort_ends_the_session()
    {
        var (session, router) = await FakeRouter.JoinAsync();
        await using var scope = router;
        var call = session.CallAsync("com.p");
        await router.ExpectAsync<CallMessage>();
        await router.SendAsync(new AbortMessage(Dict(("message", "kicked")), WampCloseReasons.Killed));

        var e = await Assert.ThrowsAsync<WampException>(() => call.Within());
        Assert.Equal(WampCloseReasons.Killed, e.Error);
        Assert.Equal("kicked", e.Args[0]);
        Assert.Equal(WampCloseReasons.Killed, (await session.Closed.Within()).Reason);
        await router.ExpectClosedAsync();
    }

    [Fact]
    public async Task Transport_loss_fails_pending_requests_and_cancels_running_invocations()
    {
        var (session, router) = await FakeRouter.JoinAsync();
        var register = session.RegisterAsync("com.proc", async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return null;
        });
        var reg = await router.ExpectAsync<RegisterMessage>();
        await router.SendAsync(new RegisteredMessage(reg.RequestId, 1));
        await register.Within();
        var call = session.CallAsync("com.p");
        var publish = session.PublishAsync("com.t", options: new PublishOptions { Acknowledge = true });
        await router.ExpectAsync<CallMessage>();
        await router.ExpectAsync<PublishMessage>();

        await router.DisposeAsync(); // the transport drops without GOODBYE

        Assert.Equal(WampErrors.NetworkFailure, (await Assert.ThrowsAsync<WampException>(() => call.Within())).Error);
        Assert.Equal(WampErrors.NetworkFailure, (await Assert.ThrowsAsync<WampException>(() => publish.Within())).Error);
        var info = await session.Closed.Within();
        Assert.Equal(WampCloseInitiator.Transport, info.Initiator);
        await session.DisposeAsync().AsTask().Within();
    }

    [Fact]
    public async Task Unexpected_router_message_aborts_with_protocol_violation()
    {
        var (session, router) = await FakeRouter.JoinAsync();
        await using var scope = router;
        await router.SendAsync(new WelcomeMessage(1, WampValue.EmptyDict()));
        var abort = await router.ExpectAsync<AbortMessage>();
        Assert.Equal(WampErrors.ProtocolViolation, abort.Reason);
        Assert.Equal(WampErrors.ProtocolViolation, (await session.Closed.Within()).Reason);
    }

    [Fact]
    public async Task Dispose_leaves_and_tolerates_a_router_that_never_answers()
    {
        var (session, router) = await FakeRouter.JoinAsync(options: null);
        await using var scope = router;
        // The caller gives up once GOODBYE is out (cancelled then, not by a timer that a loaded machine may fire first).
        using var giveUp = new CancellationTokenSource();
        var leave = session.LeaveAsync(cancellationToken: giveUp.Token);
        await router.ExpectAsync<GoodbyeMessage>();
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leave.Within());
        await router.ExpectClosedAsync();
        await session.DisposeAsync().AsTask().Within();
    }
}

public class LeaveTimeoutTests
{
    [Fact]
    public async Task Leave_gives_up_after_the_leave_timeout_and_closes_the_transport()
    {
        var (session, router) = await FakeRouter.JoinAsync(options: new WampJoinOptions { LeaveTimeout = TimeSpan.FromMilliseconds(50) });
        await using var scope = router;
        var leave = session.LeaveAsync(WampCloseReasons.SystemShutdown);
        Assert.Equal(WampCloseReasons.SystemShutdown, (await router.ExpectAsync<GoodbyeMessage>()).Reason);

        var info = await leave.Within();
        Assert.Equal(WampCloseReasons.SystemShutdown, info.Reason);
        Assert.Equal(WampCloseInitiator.Local, info.Initiator);
        await router.ExpectClosedAsync();
    }
}
