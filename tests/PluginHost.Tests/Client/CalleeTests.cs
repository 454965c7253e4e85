using PluginHost.Wamp.Client;
using PluginHost.Wamp.Messages;
using static PluginHost.Tests.Client.TestExtensions;

namespace PluginHost.Tests.Client;

public class CalleeTests
{
    private static async Task<(WampSession, FakeRouter, WampRegistration)> RegisteredAsync(
        Func<WampInvocation, CancellationToken, ValueTask<WampResult?>> handler, RegisterOptions? options = null,
        long registrationId = 900)
    {
        var (session, router) = await FakeRouter.JoinAsync();
        var register = session.RegisterAsync("com.proc", handler, options);
        var sent = await router.ExpectAsync<RegisterMessage>();
        await router.SendAsync(new RegisteredMessage(sent.RequestId, registrationId));
        var registration = await register.Within();
        Assert.Equal(registrationId, registration.Id);
        return (session, router, registration);
    }

    [Fact]
    public async Task Register_options_are_mapped()
    {
        var (session, router) = await FakeRouter.JoinAsync();
        await using var scope = router;
        _ = session.RegisterAsync("com.", (_, _) => default, new RegisterOptions
        {
            Match = UriMatch.Prefix, Invoke = InvokePolicy.RoundRobin, DiscloseCaller = true, ForceReregister = true,
        });
        var sent = await router.ExpectAsync<RegisterMessage>();
        Assert.Equal("com.", sent.Procedure);
        Assert.Equal("prefix", sent.Options["match"]);
        Assert.Equal("roundrobin", sent.Options["invoke"]);
        Assert.Equal(true, sent.Options["disclose_caller"]);
        Assert.Equal(true, sent.Options["force_reregister"]);
    }

    [Fact]
    public async Task Register_error_throws()
    {
        var (session, router) = await FakeRouter.JoinAsync();
        await using var scope = router;
        var register = session.RegisterAsync("com.taken", (_, _) => default);
        var sent = await router.ExpectAsync<RegisterMessage>();
        await router.SendAsync(new ErrorMessage(WampMessageType.Register, sent.RequestId, WampValue.EmptyDict(),
            WampErrors.ProcedureAlreadyExists));
        Assert.Equal(WampErrors.ProcedureAlreadyExists, (await Assert.ThrowsAsync<WampException>(() => register.Within())).Error);
    }

    [Fact]
    public async Task Invocation_runs_the_handler_and_yields_its_result_with_caller_details()
    {
        WampInvocation? seen = null;
        var (session, router, _) = await RegisteredAsync((inv, _) =>
        {
            seen = inv;
            return ValueTask.FromResult<WampResult?>(new WampResult([(long)inv.Args[0]! * 2], Dict(("ok", true))));
        }, new RegisterOptions { Match = UriMatch.Prefix });
        await using var scope = router;

        await router.SendAsync(new InvocationMessage(17, 900,
            Dict(("caller", 5L), ("caller_authid", "bob"), ("caller_authrole", "user"), ("procedure", "com.proc.x")), [21L]));
        var yield = await router.ExpectAsync<YieldMessage>();
        Assert.Equal(17, yield.RequestId);
        Assert.Equal([42L], yield.Arguments!);
        Assert.Equal(true, yield.ArgumentsKw!["ok"]);
        Assert.False(yield.Options.ContainsKey("progress"));
        Assert.Equal(5L, seen!.Caller);
        Assert.Equal("bob", seen.CallerAuthId);
        Assert.Equal("user", seen.CallerAuthRole);
        Assert.Equal("com.proc.x", seen.Procedure);
    }

    [Fact]
    public async Task WampException_from_the_handler_becomes_error_with_its_uri_and_payload()
    {
        var (session, router, _) = await RegisteredAsync((_, _) =>
            throw new WampException("com.error.nope", ["denied"], Dict(("code", 7L))));
        await using var scope = router;
        await router.SendAsync(new InvocationMessage(1, 900, WampValue.EmptyDict()));

        var error = await router.ExpectAsync<ErrorMessage>();
        Assert.Equal(WampMessageType.Invocation, error.RequestType);
        Assert.Equal(1, error.RequestId);
        Assert.Equal("com.error.nope", error.Error);
        Assert.Equal("denied", error.Arguments![0]);
        Assert.Equal(7L, error.ArgumentsKw!["code"]);
    }

    [Fact]
    public async Task Other_exceptions_become_runtime_error_with_the_message()
    {
        var (session, router, _) = await RegisteredAsync(async (_, _) =>
        {
            await Task.Yield();
            throw new InvalidOperationException("kaboom");
        });
        await using var scope = router;
        await router.SendAsync(new InvocationMessage(1, 900, WampValue.EmptyDict()));

        var error = await router.ExpectAsync<ErrorMessage>();
        Assert.Equal(WampErrors.RuntimeError, error.Error);
        Assert.Equal("kaboom", error.Arguments![0]);
    }

    [Fact]
    public async Task Handler_can_send_progress_when_the_caller_asked_for_it()
    {
        var (session, router, _) = await RegisteredAsync(async (inv, ct) =>
        {
            Assert.True(inv.ReceiveProgress);
            for (long i = 1; i <= 3; i++) await inv.SendProgressAsync([i], cancellationToken: ct);
            return WampResult.Of("final");
        });
        await using var scope = router;
        await router.SendAsync(new InvocationMessage(8, 900, Dict(("receive_progress", true))));

        for (long i = 1; i <= 3; i++)
        {
            var progress = await router.ExpectAsync<YieldMessage>();
            Assert.Equal(true, progress.Options["progress"]);
            Assert.Equal(i, progress.Arguments![0]);
        }
        var final = await router.ExpectAsync<YieldMessage>();
        Assert.False(final.Options.ContainsKey("progress"));
        Assert.Equal("final", final.Arguments![0]);
    }

    [Fact]
    public async Task Interrupt_cancels_the_handler_token_and_answers_canceled()
    {
        var started = new TaskCompletionSource();
        var tokenFired = new TaskCompletionSource();
        var (session, router, _) = await RegisteredAsync(async (_, ct) =>
        {
            ct.Register(() => tokenFired.TrySetResult());
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return null;
        });
        await using var scope = router;
        await router.SendAsync(new InvocationMessage(3, 900, WampValue.EmptyDict()));
        await started.Task.Within();
        await router.SendAsync(new InterruptMessage(3, Dict(("mode", "kill"))));

        await tokenFired.Task.Within();
        var error = await router.ExpectAsync<ErrorMessage>();
        Assert.Equal(3, error.RequestId);
        Assert.Equal(WampErrors.Canceled, error.Error);

        // Exactly one answer: the next message is the reply to a later invocation, not a second ERROR.
        await router.SendAsync(new InvocationMessage(4, 900, WampValue.EmptyDict()));
        await router.SendAsync(new InterruptMessage(4, WampValue.EmptyDict()));
        Assert.Equal(4, (await router.ExpectAsync<ErrorMessage>()).RequestId);
    }

    [Fact]
    public async Task Forwarded_call_timeout_cancels_the_handler_and_answers_timeout()
    {
        var (session, router, _) = await RegisteredAsync(async (inv, ct) =>
        {
            Assert.Equal(TimeSpan.FromMilliseconds(30), inv.Timeout);
            await Task.Delay(Timeout.Infinite, ct);
            return null;
        });
        await using var scope = router;
        await router.SendAsync(new InvocationMessage(3, 900, Dict(("timeout", 30L))));
        Assert.Equal(WampErrors.Timeout, (await router.ExpectAsync<ErrorMessage>()).Error);
    }

    [Fact]
    public async Task Handlers_do_not_block_the_receive_loop()
    {
        var release = new TaskCompletionSource();
        var (session, router, _) = await RegisteredAsync(async (inv, _) =>
        {
            if (inv.Args[0] is "block") await release.Task;
            return WampResult.Of(inv.Args[0]);
        });
        await using var scope = router;
        await router.SendAsync(new InvocationMessage(1, 900, WampValue.EmptyDict(), ["block"]));
        await router.SendAsync(new InvocationMessage(2, 900, WampValue.EmptyDict(), ["free"]));
        Assert.Equal(2, (await router.ExpectAsync<YieldMessage>()).RequestId);
        release.SetResult();
        Assert.Equal(1, (await router.ExpectAsync<YieldMessage>()).RequestId);
    }

    [Fact]
    public async Task Unregister_sends_unregister_and_completes_on_unregistered()
    {
        var (session, router, registration) = await RegisteredAsync((_, _) => default);
        await using var scope = router;
        var unregister = registration.UnregisterAsync();
        var sent = await router.ExpectAsync<UnregisterMessage>();
        Assert.Equal(900, sent.Registration);
        await router.SendAsync(new UnregisteredMessage(sent.RequestId));
        await unregister.Within();

        // A second UnregisterAsync/DisposeAsync is a no-op; an INVOCATION for it now is a violation.
        await registration.DisposeAsync();
        await router.SendAsync(new InvocationMessage(1, 900, WampValue.EmptyDict()));
        Assert.Equal(WampErrors.ProtocolViolation, (await router.ExpectAsync<AbortMessage>()).Reason);
    }
}
