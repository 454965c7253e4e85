using Microsoft.Extensions.Time.Testing;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Router;

/// <summary>Call timeouts (CALL.Options.timeout) on the router's clock, moved by hand: a FakeTimeProvider.</summary>
public sealed class CallTimeoutTests : RouterTestBase
{
    private readonly FakeTimeProvider _clock = new();

    protected override RouterOptions Options => new() { TimeProvider = _clock };

    [Fact]
    public async Task Call_timeout_interrupts_callee_and_fails_caller_with_timeout()
    {
        var callee = await JoinAsync();
        var caller = await JoinAsync();
        await callee.RegisterAsync("p");
        var req = await caller.CallAsync("p", options: Dict(("timeout", 100L)));
        var inv = await callee.ExpectAsync<InvocationMessage>(); // the dealer armed the timer before it sent this
        Assert.Equal(100L, inv.Details["timeout"]);

        _clock.Advance(TimeSpan.FromMilliseconds(99));
        await caller.AssertNothingPendingAsync();
        await callee.AssertNothingPendingAsync();

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        var e = await caller.ExpectErrorAsync(WampMessageType.Call, req, WampErrors.Timeout);
        Assert.Contains("100", (string)e.Arguments![0]!);
        var interrupt = await callee.ExpectAsync<InterruptMessage>();
        Assert.Equal(inv.RequestId, interrupt.RequestId);
        Assert.Equal("killnowait", interrupt.Options["mode"]);
        await callee.SendAsync(new YieldMessage(inv.RequestId, Dict(), ["late"])); // discarded
        await caller.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Answered_call_does_not_time_out_later()
    {
        var callee = await JoinAsync();
        var caller = await JoinAsync();
        await callee.RegisterAsync("p");
        var req = await caller.CallAsync("p", options: Dict(("timeout", 100L)));
        var inv = await callee.ExpectAsync<InvocationMessage>();
        await callee.SendAsync(new YieldMessage(inv.RequestId, Dict(), ["in time"]));
        Assert.Equal(req, (await caller.ExpectAsync<ResultMessage>()).RequestId);

        // Well past the timeout: neither a late ERROR to the caller nor an INTERRUPT to the callee.
        _clock.Advance(TimeSpan.FromSeconds(10));
        await caller.AssertNothingPendingAsync();
        await callee.AssertNothingPendingAsync();
    }
}
