using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Router;

/// <summary>Progressive call invocations (advanced/rpc_progressive_call_invocations.md).</summary>
public sealed class ProgressiveCallInvocationTests : RouterTestBase
{
    private static readonly (string, string) CallerFeature = ("caller", "progressive_call_invocations");
    private static readonly (string, string) CalleeFeature = ("callee", "progressive_call_invocations");

    private Task<WampTestClient> CallerAsync() => JoinAsync(features: CallerFeature);
    private Task<WampTestClient> CalleeAsync(bool callCanceling = true) => JoinAsync(callCanceling: callCanceling, features: CalleeFeature);

    /// <summary>A callee of com.upload and a caller that has sent the first chunk (1) of a progressive call, as the callee received it.</summary>
    private async Task<(WampTestClient Callee, WampTestClient Caller, long Id, InvocationMessage First)> StartStreamAsync()
    {
        var callee = await CalleeAsync();
        await callee.RegisterAsync("com.upload");
        var caller = await CallerAsync();
        var id = caller.NextRequestId();
        await caller.SendAsync(new CallMessage(id, Progress(), "com.upload", [1L]));
        return (callee, caller, id, await callee.ExpectAsync<InvocationMessage>());
    }

    private static Dictionary<string, object?> Progress(params (string Key, object? Value)[] more)
    {
        var d = Dict(more);
        d["progress"] = true;
        return d;
    }

    [Fact]
    public async Task Dealer_announces_progressive_call_invocations()
    {
        var c = await JoinAsync();
        var dealer = (IReadOnlyDictionary<string, object?>)((IReadOnlyDictionary<string, object?>)c.WelcomeDetails["roles"]!)["dealer"]!;
        Assert.Equal(true, ((IReadOnlyDictionary<string, object?>)dealer["features"]!)["progressive_call_invocations"]);
    }

    [Fact]
    public async Task Chunks_become_invocations_with_the_same_request_id_the_last_without_progress()
    {
        var callee = await CalleeAsync();
        var reg = await callee.RegisterAsync("com.upload");
        var caller = await CallerAsync();
        var id = caller.NextRequestId();

        await caller.SendAsync(new CallMessage(id, Progress(), "com.upload", ["chunk 1"]));
        var first = await callee.ExpectAsync<InvocationMessage>();
        Assert.Equal(reg, first.Registration);
        Assert.Equal(true, first.Details["progress"]);
        Assert.Equal("chunk 1", first.Arguments![0]);

        await caller.SendAsync(new CallMessage(id, Progress(), "com.upload", ["chunk 2"]));
        var second = await callee.ExpectAsync<InvocationMessage>();
        Assert.Equal(first.RequestId, second.RequestId);
        Assert.Equal(true, second.Details["progress"]);

        await caller.SendAsync(new CallMessage(id, Dict(("progress", false)), "com.upload", ["last"], Dict(("k", "v"))));
        var last = await callee.ExpectAsync<InvocationMessage>();
        Assert.Equal(first.RequestId, last.RequestId);
        Assert.False(last.Details.ContainsKey("progress"));
        Assert.Equal("v", last.ArgumentsKw!["k"]);
        await caller.AssertNothingPendingAsync(); // no result before the callee answers

        await callee.SendAsync(new YieldMessage(first.RequestId, Dict(), ["stored"]));
        var result = await caller.ExpectAsync<ResultMessage>();
        Assert.Equal(id, result.RequestId);
        Assert.Equal("stored", result.Arguments![0]);

        // the request id is free again: a CALL with the next id is a new call
        var next = await caller.CallAsync("com.upload", ["again"]);
        var inv = await callee.ExpectAsync<InvocationMessage>();
        Assert.NotEqual(first.RequestId, inv.RequestId);
        await callee.SendAsync(new YieldMessage(inv.RequestId, Dict()));
        Assert.Equal(next, (await caller.ExpectAsync<ResultMessage>()).RequestId);
    }

    [Fact]
    public async Task Options_of_the_initiating_call_are_frozen_and_progressive_results_interleave()
    {
        var callee = await CalleeAsync();
        await callee.RegisterAsync("com.stream.", Dict(("match", "prefix")));
        var caller = await CallerAsync();
        var id = caller.NextRequestId();
        await caller.SendAsync(new CallMessage(id, Progress(("disclose_me", true), ("receive_progress", true)), "com.stream.echo", [1L]));
        var first = await callee.ExpectAsync<InvocationMessage>();
        Assert.Equal(caller.SessionId, first.Details["caller"]);
        Assert.Equal(true, first.Details["receive_progress"]);
        Assert.Equal("com.stream.echo", first.Details["procedure"]);

        await callee.SendAsync(new YieldMessage(first.RequestId, Dict(("progress", true)), ["r1"]));
        var r1 = await caller.ExpectAsync<ResultMessage>();
        Assert.Equal(true, r1.Details["progress"]);

        // later CALLs: other options (and even another procedure) are ignored; the details stay those of the first
        await caller.SendAsync(new CallMessage(id, Progress(("disclose_me", false)), "com.other", [2L]));
        var second = await callee.ExpectAsync<InvocationMessage>();
        Assert.Equal(caller.SessionId, second.Details["caller"]);
        Assert.Equal("com.stream.echo", second.Details["procedure"]);
        Assert.Equal(true, second.Details["progress"]);

        await caller.SendAsync(new CallMessage(id, Dict(), "com.stream.echo", [3L]));
        var last = await callee.ExpectAsync<InvocationMessage>();
        Assert.Equal(caller.SessionId, last.Details["caller"]);
        Assert.False(last.Details.ContainsKey("progress"));
        await callee.SendAsync(new YieldMessage(first.RequestId, Dict(), ["done"]));
        var final = await caller.ExpectAsync<ResultMessage>();
        Assert.False(final.Details.ContainsKey("progress"));
    }

    [Fact]
    public async Task All_chunks_go_to_the_callee_chosen_for_the_first_one()
    {
        var c1 = await CalleeAsync();
        var c2 = await CalleeAsync();
        await c1.RegisterAsync("com.rr", Dict(("invoke", "roundrobin")));
        await c2.RegisterAsync("com.rr", Dict(("invoke", "roundrobin")));
        var caller = await CallerAsync();
        var id = caller.NextRequestId();
        await caller.SendAsync(new CallMessage(id, Progress(), "com.rr", [1L]));
        await caller.SendAsync(new CallMessage(id, Progress(), "com.rr", [2L]));
        await caller.SendAsync(new CallMessage(id, Dict(), "com.rr", [3L]));
        var invocations = new[] { await c1.ExpectAsync<InvocationMessage>(), await c1.ExpectAsync<InvocationMessage>(), await c1.ExpectAsync<InvocationMessage>() };
        Assert.Equal([1L, 2L, 3L], invocations.Select(i => (long)i.Arguments![0]!));
        await c2.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Progress_from_a_caller_that_did_not_announce_the_feature_is_a_protocol_violation()
    {
        var callee = await CalleeAsync();
        await callee.RegisterAsync("com.upload");
        var caller = await JoinAsync(); // no progressive_call_invocations
        await caller.SendAsync(new CallMessage(caller.NextRequestId(), Progress(), "com.upload", [1L]));
        var abort = await caller.ExpectAsync<AbortMessage>();
        Assert.Equal(WampErrors.ProtocolViolation, abort.Reason);
        await caller.ExpectClosedAsync();
        await callee.AssertNothingPendingAsync();
    }

    [Theory]
    [InlineData(false, true)]  // callee without progressive_call_invocations
    [InlineData(true, false)]  // callee with it but without call canceling: "considered as not supporting"
    public async Task Callee_without_support_gives_feature_not_supported_and_the_rest_of_the_stream_is_dropped(bool calleeFeature, bool callCanceling)
    {
        var callee = calleeFeature ? await CalleeAsync(callCanceling) : await JoinAsync(callCanceling: callCanceling);
        await callee.RegisterAsync("com.upload");
        var caller = await CallerAsync();
        var id = caller.NextRequestId();
        await caller.SendAsync(new CallMessage(id, Progress(), "com.upload", [1L]));
        await caller.ExpectErrorAsync(WampMessageType.Call, id, WampErrors.FeatureNotSupported);
        await caller.SendAsync(new CallMessage(id, Progress(), "com.upload", [2L]));
        await caller.SendAsync(new CallMessage(id, Dict(), "com.upload", [3L]));
        await caller.AssertNothingPendingAsync();
        await callee.AssertNothingPendingAsync(); // the final chunk did not start a call of its own
    }

    [Fact]
    public async Task Refused_first_chunk_drops_the_stream_too()
    {
        var caller = await CallerAsync();
        var id = caller.NextRequestId();
        await caller.SendAsync(new CallMessage(id, Progress(), "com.nobody", [1L]));
        await caller.ExpectErrorAsync(WampMessageType.Call, id, WampErrors.NoSuchProcedure);
        var callee = await CalleeAsync();
        await callee.RegisterAsync("com.nobody");
        await caller.SendAsync(new CallMessage(id, Dict(), "com.nobody", [2L]));
        await caller.AssertNothingPendingAsync();
        await callee.AssertNothingPendingAsync();

        id = caller.NextRequestId();
        await caller.SendAsync(new CallMessage(id, Progress(), "wamp.session.count"));
        await caller.ExpectErrorAsync(WampMessageType.Call, id, WampErrors.FeatureNotSupported);
    }

    [Fact]
    public async Task Callee_error_mid_stream_ends_the_call_and_swallows_the_remaining_chunks()
    {
        var (callee, caller, id, inv) = await StartStreamAsync();
        await callee.SendAsync(new ErrorMessage(WampMessageType.Invocation, inv.RequestId, Dict(), "com.error.too_big"));
        await caller.ExpectErrorAsync(WampMessageType.Call, id, "com.error.too_big");

        await caller.SendAsync(new CallMessage(id, Progress(), "com.upload", [2L]));
        await caller.SendAsync(new CallMessage(id, Dict(), "com.upload", [3L]));
        await caller.AssertNothingPendingAsync();
        await callee.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Caller_leaving_mid_stream_interrupts_the_callee_killnowait()
    {
        var (callee, caller, _, inv) = await StartStreamAsync();
        await caller.Connection.CloseAsync();
        var interrupt = await callee.ExpectAsync<InterruptMessage>();
        Assert.Equal(inv.RequestId, interrupt.RequestId);
        Assert.Equal("killnowait", interrupt.Options["mode"]);
    }

    [Fact]
    public async Task Cancel_mid_stream_interrupts_and_fails_the_call()
    {
        var (callee, caller, id, inv) = await StartStreamAsync();
        await caller.SendAsync(new CancelMessage(id, Dict(("mode", "killnowait"))));
        Assert.Equal(inv.RequestId, (await callee.ExpectAsync<InterruptMessage>()).RequestId);
        await caller.ExpectErrorAsync(WampMessageType.Call, id, WampErrors.Canceled);
        await caller.SendAsync(new CallMessage(id, Dict(), "com.upload", [2L]));
        await caller.AssertNothingPendingAsync();
        await callee.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task A_non_progressive_call_reusing_a_pending_request_id_is_still_a_protocol_violation()
    {
        var (callee, caller, id, _) = await StartStreamAsync();
        await caller.SendAsync(new CallMessage(id, Dict(), "com.upload", [2L])); // final chunk: the stream is closed
        await callee.ExpectAsync<InvocationMessage>();
        await caller.SendAsync(new CallMessage(id, Dict(), "com.upload", [3L])); // the call is still pending
        Assert.Equal(WampErrors.ProtocolViolation, (await caller.ExpectAsync<AbortMessage>()).Reason);
    }
}
