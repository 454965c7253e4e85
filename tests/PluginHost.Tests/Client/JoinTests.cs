using PluginHost.Wamp.Client;
using PluginHost.Wamp.Messages;
using static PluginHost.Tests.Client.TestExtensions;

namespace PluginHost.Tests.Client;

public class JoinTests
{
    [Fact]
    public async Task Hello_announces_roles_and_features_and_welcome_fills_the_session()
    {
        await using var router = new FakeRouter();
        var join = WampSession.JoinAsync(router.ClientEnd, "realm1", new WampJoinOptions { AuthId = "alice" });
        var hello = await router.ExpectAsync<HelloMessage>();

        Assert.Equal("alice", hello.Details["authid"]);
        var roles = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(hello.Details["roles"]);
        Assert.Equal(["callee", "caller", "publisher", "subscriber"], roles.Keys.Order());
        Assert.True(Feature(roles, "caller", "progressive_call_results"));
        Assert.True(Feature(roles, "caller", "call_canceling"));
        Assert.True(Feature(roles, "caller", "call_timeout"));
        Assert.True(Feature(roles, "callee", "shared_registration"));
        Assert.True(Feature(roles, "callee", "pattern_based_registration"));
        Assert.True(Feature(roles, "publisher", "subscriber_blackwhite_listing"));
        Assert.True(Feature(roles, "publisher", "publisher_exclusion"));
        Assert.True(Feature(roles, "subscriber", "pattern_based_subscription"));

        await router.SendAsync(new WelcomeMessage(77, Dict(("authid", "alice"), ("authrole", "admin"),
            ("authmethod", "ticket"), ("roles", FakeRouter.Roles()))));
        var session = await join.Within(); // closed with the router scope
        Assert.Equal(77, session.SessionId);
        Assert.Equal("realm1", session.Realm);
        Assert.Equal("alice", session.AuthId);
        Assert.Equal("admin", session.AuthRole);
        Assert.Equal("ticket", session.AuthMethod);
        Assert.True(session.RouterSupports("dealer", "call_canceling"));
        Assert.False(session.RouterSupports("broker", "event_history"));
    }

    private static bool Feature(IReadOnlyDictionary<string, object?> roles, string role, string feature)
        => ((IReadOnlyDictionary<string, object?>)((IReadOnlyDictionary<string, object?>)roles[role]!)["features"]!)
            .GetBool(feature);

    [Fact]
    public async Task Abort_throws_with_reason_and_message_and_closes_the_transport()
    {
        await using var router = new FakeRouter();
        var join = WampSession.JoinAsync(router.ClientEnd, "nope", null);
        await router.ExpectAsync<HelloMessage>();
        await router.SendAsync(new AbortMessage(Dict(("message", "no realm 'nope'")), WampErrors.NoSuchRealm));

        var e = await Assert.ThrowsAsync<WampException>(() => join.Within());
        Assert.Equal(WampErrors.NoSuchRealm, e.Error);
        Assert.Equal("no realm 'nope'", e.Args[0]);
        Assert.Contains("no realm 'nope'", e.Message);
        await router.ExpectClosedAsync();
    }

    [Fact]
    public async Task Ticket_challenge_is_answered_with_the_ticket()
    {
        await using var router = new FakeRouter();
        var join = WampSession.JoinAsync(router.ClientEnd, "realm1",
            new WampJoinOptions { AuthId = "bob", Authenticator = new TicketAuthenticator("s3cret") });
        var hello = await router.ExpectAsync<HelloMessage>();
        Assert.Equal(["ticket"], Assert.IsAssignableFrom<IEnumerable<object?>>(hello.Details["authmethods"]));

        await router.SendAsync(new ChallengeMessage("ticket", WampValue.EmptyDict()));
        var auth = await router.ExpectAsync<AuthenticateMessage>();
        Assert.Equal("s3cret", auth.Signature);
        await router.SendAsync(new WelcomeMessage(1, Dict(("authid", "bob"), ("authmethod", "ticket"))));
        var session = await join.Within(); // closed with the router scope
        Assert.Equal("bob", session.AuthId);
    }

    // Vectors computed independently (Python hashlib/hmac); the salted one is also Crossbar's
    // published example user ("secret1", salt "salt123", 100 iterations, keylen 16).
    [Theory]
    [InlineData(null, "KgM1S8zsWzheLNlOasKUM1Th08uiNvI6lDclS/FM5fk=")]
    [InlineData("salt123", "AaYAfsqtfbNPGTaZYaWT4F5XT0KVqnpecebUR37lhlQ=")]
    public async Task Wampcra_challenge_is_signed_with_hmac_sha256(string? salt, string expected)
    {
        const string challenge = "{\"nonce\":\"abc\"}";
        var extra = Dict(("challenge", challenge));
        if (salt is not null) { extra["salt"] = salt; extra["iterations"] = 100L; extra["keylen"] = 16L; }
        string secret = salt is null ? "secret" : "secret1";

        await using var router = new FakeRouter();
        var join = WampSession.JoinAsync(router.ClientEnd, "realm1",
            new WampJoinOptions { AuthId = "peter", Authenticator = new WampCraAuthenticator(secret) });
        await router.ExpectAsync<HelloMessage>();
        await router.SendAsync(new ChallengeMessage("wampcra", extra));
        var auth = await router.ExpectAsync<AuthenticateMessage>();

        Assert.Equal(expected, auth.Signature);
        if (salt is null)
        {
            var direct = Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(
                System.Text.Encoding.UTF8.GetBytes(secret), System.Text.Encoding.UTF8.GetBytes(challenge)));
            Assert.Equal(direct, auth.Signature);
        }
        else
        {
            Assert.Equal("prq7+YkJ1/KlW1X0YczMHw==", WampCraAuthenticator.DeriveKey(secret, salt, 100, 16));
        }
        await router.SendAsync(new WelcomeMessage(1, WampValue.EmptyDict()));
        var session = await join.Within(); // closed with the router scope
    }

    [Fact]
    public async Task Challenge_without_matching_authenticator_aborts()
    {
        await using var router = new FakeRouter();
        var join = WampSession.JoinAsync(router.ClientEnd, "realm1", new WampJoinOptions { AuthMethods = ["wampcra"] });
        await router.ExpectAsync<HelloMessage>();
        await router.SendAsync(new ChallengeMessage("wampcra", Dict(("challenge", "x"))));

        var abort = await router.ExpectAsync<AbortMessage>();
        Assert.Equal(WampErrors.NoMatchingAuthMethod, abort.Reason);
        var e = await Assert.ThrowsAsync<WampException>(() => join.Within());
        Assert.Equal(WampErrors.NoMatchingAuthMethod, e.Error);
    }

    [Fact]
    public async Task Transport_closing_before_welcome_is_a_network_failure()
    {
        var router = new FakeRouter();
        var join = WampSession.JoinAsync(router.ClientEnd, "realm1", null);
        await router.ExpectAsync<HelloMessage>();
        await router.DisposeAsync();

        var e = await Assert.ThrowsAsync<WampException>(() => join.Within());
        Assert.Equal(WampErrors.NetworkFailure, e.Error);
    }

    [Fact]
    public async Task Unexpected_message_before_welcome_is_a_protocol_violation()
    {
        await using var router = new FakeRouter();
        var join = WampSession.JoinAsync(router.ClientEnd, "realm1", null);
        await router.ExpectAsync<HelloMessage>();
        await router.SendAsync(new ResultMessage(1, WampValue.EmptyDict()));

        Assert.Equal(WampErrors.ProtocolViolation, (await router.ExpectAsync<AbortMessage>()).Reason);
        var e = await Assert.ThrowsAsync<WampException>(() => join.Within());
        Assert.Equal(WampErrors.ProtocolViolation, e.Error);
    }
}
