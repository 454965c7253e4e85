using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Router;

/// <summary>Payload passthru mode (advanced/payload_passthru_mode.md): ppt_* options forwarded, feature checks, scheme validation.</summary>
public sealed class PayloadPassthruTests : RouterTestBase
{
    private static readonly (string, string)[] AllPpt =
        [("publisher", "payload_passthru_mode"), ("subscriber", "payload_passthru_mode"), ("caller", "payload_passthru_mode"), ("callee", "payload_passthru_mode")];

    private Task<WampTestClient> PptAsync() => JoinAsync(features: AllPpt);

    private static readonly byte[] Payload = [0x01, 0x02, 0xff, 0x00];

    private static Dictionary<string, object?> Ppt(string scheme = "x_custom", params (string Key, object? Value)[] more)
    {
        var d = Dict(("ppt_scheme", scheme), ("ppt_serializer", "cbor"), ("ppt_cipher", "xsalsa20poly1305"), ("ppt_keyid", "key-1"));
        foreach (var (k, v) in more) d[k] = v;
        return d;
    }

    private static void AssertPpt(IReadOnlyDictionary<string, object?> details, string scheme = "x_custom")
    {
        Assert.Equal(scheme, details["ppt_scheme"]);
        Assert.Equal("cbor", details["ppt_serializer"]);
        Assert.Equal("xsalsa20poly1305", details["ppt_cipher"]);
        Assert.Equal("key-1", details["ppt_keyid"]);
    }

    [Fact]
    public async Task Broker_and_dealer_announce_payload_passthru_mode()
    {
        var c = await JoinAsync();
        var roles = (IReadOnlyDictionary<string, object?>)c.WelcomeDetails["roles"]!;
        foreach (var role in new[] { "broker", "dealer" })
            Assert.Equal(true, ((IReadOnlyDictionary<string, object?>)((IReadOnlyDictionary<string, object?>)roles[role]!)["features"]!)["payload_passthru_mode"]);
    }

    [Fact]
    public async Task Publish_ppt_options_are_forwarded_in_event_details_with_the_payload_untouched()
    {
        var sub = await PptAsync();
        await sub.SubscribeAsync("com.enc.", Dict(("match", "prefix")));
        var pub = await PptAsync();
        await pub.PublishAckAsync("com.enc.t", Ppt(), [Payload]);
        var ev = await sub.ExpectAsync<EventMessage>();
        AssertPpt(ev.Details);
        Assert.Equal("com.enc.t", ev.Details["topic"]);
        Assert.Equal(Payload, Assert.IsType<byte[]>(ev.Arguments![0]));

        // only the given ppt_* keys are forwarded
        await pub.PublishAckAsync("com.enc.t", Dict(("ppt_scheme", "mqtt")), [Payload]);
        var ev2 = await sub.ExpectAsync<EventMessage>();
        Assert.Equal("mqtt", ev2.Details["ppt_scheme"]);
        Assert.False(ev2.Details.ContainsKey("ppt_serializer"));
    }

    [Fact]
    public async Task Retained_event_keeps_its_ppt_details()
    {
        var pub = await PptAsync();
        await pub.PublishAckAsync("com.enc.state", Ppt(more: ("retain", true)), [Payload]);
        var sub = await PptAsync();
        await sub.SubscribeAsync("com.enc.state", Dict(("get_retained", true)));
        var ev = await sub.ExpectAsync<EventMessage>();
        AssertPpt(ev.Details);
        Assert.Equal(true, ev.Details["retained"]);
    }

    [Theory]
    [InlineData("mqtt")]
    [InlineData("wamp")]
    [InlineData("wamp.eth")]
    [InlineData("x_my_ppt")]
    public async Task Predefined_and_custom_schemes_are_accepted(string scheme)
    {
        var sub = await PptAsync();
        await sub.SubscribeAsync("com.t");
        var pub = await PptAsync();
        await pub.PublishAckAsync("com.t", Ppt(scheme), [Payload]);
        AssertPpt((await sub.ExpectAsync<EventMessage>()).Details, scheme);
    }

    public static TheoryData<Dictionary<string, object?>> BadPpt => new()
    {
        Dict(("ppt_scheme", "custom")),          // neither predefined nor x_
        Dict(("ppt_scheme", "x_")),              // x_ needs a name
        Dict(("ppt_scheme", "wamp.")),
        Dict(("ppt_scheme", "")),
        Dict(("ppt_scheme", 7L)),
        Dict(("ppt_scheme", null)),
        Dict(("ppt_scheme", "mqtt"), ("ppt_serializer", 1L)),
        Dict(("ppt_scheme", "mqtt"), ("ppt_keyid", "")),
    };

    [Theory]
    [MemberData(nameof(BadPpt))]
    public async Task Invalid_ppt_options_are_invalid_argument_for_publish_and_call(Dictionary<string, object?> options)
    {
        var sub = await PptAsync();
        await sub.SubscribeAsync("com.t");
        var callee = await PptAsync();
        await callee.RegisterAsync("com.p");
        var c = await PptAsync();

        var id = c.NextRequestId();
        await c.SendAsync(new PublishMessage(id, new Dictionary<string, object?>(options) { ["acknowledge"] = true }, "com.t", [Payload]));
        await c.ExpectErrorAsync(WampMessageType.Publish, id, WampErrors.InvalidArgument);
        id = await c.CallAsync("com.p", [Payload], new Dictionary<string, object?>(options));
        await c.ExpectErrorAsync(WampMessageType.Call, id, WampErrors.InvalidArgument);
        await sub.AssertNothingPendingAsync();
        await callee.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Publish_with_ppt_from_a_publisher_that_did_not_announce_it_is_a_protocol_violation()
    {
        var pub = await JoinAsync();
        await pub.SendAsync(new PublishMessage(pub.NextRequestId(), Ppt(), "com.t", [Payload]));
        Assert.Equal(WampErrors.ProtocolViolation, (await pub.ExpectAsync<AbortMessage>()).Reason);
        await pub.ExpectClosedAsync();
    }

    [Fact]
    public async Task Call_yield_and_error_forward_ppt_options()
    {
        var callee = await PptAsync();
        await callee.RegisterAsync("com.secret");
        var caller = await PptAsync();

        var id = await caller.CallAsync("com.secret", [Payload], Ppt(more: ("receive_progress", true)));
        var inv = await callee.ExpectAsync<InvocationMessage>();
        AssertPpt(inv.Details);
        Assert.Equal(Payload, Assert.IsType<byte[]>(inv.Arguments![0]));
        await callee.SendAsync(new YieldMessage(inv.RequestId, Ppt("mqtt", ("progress", true)), [Payload]));
        var progress = await caller.ExpectAsync<ResultMessage>();
        Assert.Equal(true, progress.Details["progress"]);
        AssertPpt(progress.Details, "mqtt");
        await callee.SendAsync(new YieldMessage(inv.RequestId, Ppt("mqtt"), [Payload]));
        var result = await caller.ExpectAsync<ResultMessage>();
        Assert.Equal(id, result.RequestId);
        AssertPpt(result.Details, "mqtt");
        Assert.False(result.Details.ContainsKey("progress"));

        id = await caller.CallAsync("com.secret", [Payload], Ppt());
        inv = await callee.ExpectAsync<InvocationMessage>();
        await callee.SendAsync(new ErrorMessage(WampMessageType.Invocation, inv.RequestId, Ppt(), "com.error.denied", [Payload]));
        var error = await caller.ExpectErrorAsync(WampMessageType.Call, id, "com.error.denied");
        AssertPpt(error.Details);
    }

    [Fact]
    public async Task Call_with_ppt_from_a_caller_that_did_not_announce_it_is_a_protocol_violation()
    {
        var callee = await PptAsync();
        await callee.RegisterAsync("com.secret");
        var caller = await JoinAsync();
        await caller.CallAsync("com.secret", [Payload], Ppt());
        Assert.Equal(WampErrors.ProtocolViolation, (await caller.ExpectAsync<AbortMessage>()).Reason);
        await callee.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Call_with_ppt_to_a_callee_without_the_feature_is_feature_not_supported()
    {
        var callee = await JoinAsync();
        await callee.RegisterAsync("com.plain");
        var caller = await PptAsync();
        var id = await caller.CallAsync("com.plain", [Payload], Ppt());
        await caller.ExpectErrorAsync(WampMessageType.Call, id, WampErrors.FeatureNotSupported);
        await callee.AssertNothingPendingAsync();

        id = await caller.CallAsync("wamp.session.count", options: Ppt()); // the router's own procedures do not take ppt either
        await caller.ExpectErrorAsync(WampMessageType.Call, id, WampErrors.FeatureNotSupported);
    }

    [Fact]
    public async Task Yield_with_ppt_from_a_callee_that_did_not_announce_it_is_a_protocol_violation()
    {
        var callee = await JoinAsync();
        await callee.RegisterAsync("com.plain");
        var caller = await PptAsync();
        var id = await caller.CallAsync("com.plain");
        var inv = await callee.ExpectAsync<InvocationMessage>();
        await callee.SendAsync(new YieldMessage(inv.RequestId, Ppt(), [Payload]));
        Assert.Equal(WampErrors.ProtocolViolation, (await callee.ExpectAsync<AbortMessage>()).Reason);
        await caller.ExpectErrorAsync(WampMessageType.Call, id, WampErrors.Canceled); // its callee is gone
    }

    [Fact]
    public async Task Yield_with_ppt_to_a_caller_without_the_feature_fails_for_both()
    {
        var callee = await PptAsync();
        await callee.RegisterAsync("com.secret");
        var caller = await JoinAsync();
        var id = await caller.CallAsync("com.secret");
        var inv = await callee.ExpectAsync<InvocationMessage>();
        await callee.SendAsync(new YieldMessage(inv.RequestId, Ppt(), [Payload]));
        await callee.ExpectErrorAsync(WampMessageType.Yield, inv.RequestId, WampErrors.FeatureNotSupported);
        await caller.ExpectErrorAsync(WampMessageType.Call, id, WampErrors.FeatureNotSupported);
    }
}
