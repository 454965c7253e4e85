using System.Text.Json;
using NSec.Cryptography;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Router;

/// <summary>
/// Router-side authentication (advanced/authentication) driven with raw HELLO/CHALLENGE/AUTHENTICATE, and end to end
/// with our client's authenticators. Outcomes follow Crossbar: wrong credentials are wamp.error.not_authorized.
/// </summary>
public sealed class AuthenticationTests : RouterTestBase
{
    private static readonly SignatureAlgorithm Ed25519 = SignatureAlgorithm.Ed25519;
    private static readonly Key AliceKey = Key.Create(Ed25519);
    private static readonly Key MalloryKey = Key.Create(Ed25519);
    private static string Hex(Key key) => Convert.ToHexStringLower(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));

    private static readonly TransportAuthConfig Auth = new()
    {
        AnonymousRole = null,
        Ticket = new Dictionary<string, TicketPrincipal>
        {
            ["joe"] = new("secret!!!", "frontend"),
            ["ghost"] = new("boo", "nosuchrole"),
            ["moved"] = new("t", "frontend", Realm: "realm2"),
        },
        WampCra = new Dictionary<string, WampCraUser>
        {
            ["peter"] = new("secret1", "frontend"),
            // As in Crossbar the configured secret of a salted user is the derived key.
            ["salty"] = new(WampCraAuthenticator.DeriveKey("password", "salt123", 100, 16), "frontend")
                { Salt = "salt123", Iterations = 100, KeyLength = 16 },
        },
        Cryptosign = new Dictionary<string, CryptosignPrincipal> { ["alice"] = new([Hex(AliceKey)], "frontend") },
    };

    protected override IEnumerable<RealmConfig> Realms =>
    [
        new RealmConfig { Name = "realm1", Roles = [new RoleConfig { Name = "frontend", AllowByDefault = true }] },
        new RealmConfig { Name = "realm2", Roles = [new RoleConfig { Name = "frontend", AllowByDefault = true }] },
    ];

    private async Task<WampTestClient> HelloAsync(TransportAuthConfig auth, string? authid, object?[]? methods,
        Dictionary<string, object?>? authextra = null, string realm = "realm1")
    {
        var c = new WampTestClient(Router.ConnectInProcess(auth));
        var details = HelloDetails();
        if (authid is not null) details["authid"] = authid;
        if (methods is not null) details["authmethods"] = methods.ToList();
        if (authextra is not null) details["authextra"] = authextra;
        await c.SendAsync(new HelloMessage(realm, details));
        return c;
    }

    private static async Task ExpectAbortAsync(WampTestClient c, string reason)
    {
        Assert.Equal(reason, (await c.ExpectAsync<AbortMessage>()).Reason);
        await c.ExpectClosedAsync();
    }

    private static async Task<WelcomeMessage> ExpectWelcomeAsync(WampTestClient c, string authid, string method)
    {
        var welcome = await c.ExpectAsync<WelcomeMessage>();
        Assert.Equal(authid, welcome.Details["authid"]);
        Assert.Equal("frontend", welcome.Details["authrole"]);
        Assert.Equal(method, welcome.Details["authmethod"]);
        Assert.Equal("static", welcome.Details["authprovider"]);
        return welcome;
    }

    [Fact]
    public void Anonymous_authids_are_six_random_groups_of_four_as_Crossbar_makes_them()
    {
        var ids = Enumerable.Range(0, 200).Select(_ => PluginHost.Wamp.Router.Authentication.StaticAnonymousAuthenticator.GenerateAuthId()).ToList();
        Assert.All(ids, id => Assert.Matches("^[A-Z0-9]{4}(-[A-Z0-9]{4}){5}$", id));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        // Every character of the alphabet turns up somewhere in 200 × 24 draws (a constant or a narrow range would not).
        Assert.Equal(36, ids.SelectMany(id => id.Where(c => c != '-')).Distinct().Count());
    }

    // ----- ticket -----

    [Fact]
    public async Task Ticket_right_ticket_joins_with_the_principals_identity()
    {
        var c = await HelloAsync(Auth, "joe", ["ticket"]);
        var challenge = await c.ExpectAsync<ChallengeMessage>();
        Assert.Equal("ticket", challenge.AuthMethod);
        Assert.Empty(challenge.Extra);
        await c.SendAsync(new AuthenticateMessage("secret!!!", Dict()));
        await ExpectWelcomeAsync(c, "joe", "ticket");
    }

    [Fact]
    public async Task Ticket_wrong_ticket_or_unknown_authid_is_not_authorized()
    {
        var wrong = await HelloAsync(Auth, "joe", ["ticket"]);
        await wrong.ExpectAsync<ChallengeMessage>();
        await wrong.SendAsync(new AuthenticateMessage("secret!!", Dict()));
        await ExpectAbortAsync(wrong, WampErrors.NotAuthorized);

        await ExpectAbortAsync(await HelloAsync(Auth, "nobody", ["ticket"]), WampErrors.NotAuthorized);
        await ExpectAbortAsync(await HelloAsync(Auth, null, ["ticket"]), WampErrors.NotAuthorized);
    }

    [Fact]
    public async Task Principal_role_must_exist_in_the_realm()
        => await ExpectAbortAsync(await HelloAsync(Auth, "ghost", ["ticket"]), WampErrors.NoSuchRole);

    [Fact]
    public async Task Principal_realm_is_the_realm_joined_as_in_Crossbar()
    {
        var c = await HelloAsync(Auth, "moved", ["ticket"]);
        await c.ExpectAsync<ChallengeMessage>();
        await c.SendAsync(new AuthenticateMessage("t", Dict()));
        Assert.Equal("realm2", (await ExpectWelcomeAsync(c, "moved", "ticket")).Details["realm"]);
    }

    // ----- method selection -----

    [Fact]
    public async Task No_authmethods_means_anonymous_which_this_transport_does_not_allow()
    {
        await ExpectAbortAsync(await HelloAsync(Auth, "joe", null), WampErrors.NoAuthMethod);
        await ExpectAbortAsync(await HelloAsync(Auth, "joe", ["anonymous", "tls"]), WampErrors.NoAuthMethod);
    }

    [Fact]
    public async Task First_offered_method_that_is_configured_wins()
    {
        var ticketOnly = Auth with { WampCra = null, Cryptosign = null };
        var c = await HelloAsync(ticketOnly, "joe", ["wampcra", "cryptosign", "ticket"]);
        Assert.Equal("ticket", (await c.ExpectAsync<ChallengeMessage>()).AuthMethod);

        var both = await HelloAsync(Auth, "peter", ["wampcra", "ticket"]);
        Assert.Equal("wampcra", (await both.ExpectAsync<ChallengeMessage>()).AuthMethod);
    }

    [Fact]
    public async Task Unknown_authmethod_name_is_refused_like_Crossbar()
        => await ExpectAbortAsync(await HelloAsync(Auth, "joe", ["password", "ticket"]), WampErrors.NotAuthorized);

    [Fact]
    public async Task Anonymous_keeps_a_fixed_authid_and_forwards_authextra()
    {
        var auth = TransportAuthConfig.Anonymous with { AnonymousRole = "frontend", AnonymousAuthId = "guest" };
        var c = await HelloAsync(auth, "ignored", null, Dict(("x_app", "demo")));
        var welcome = await ExpectWelcomeAsync(c, "guest", "anonymous");
        Assert.Equal("demo", ((IReadOnlyDictionary<string, object?>)welcome.Details["authextra"]!)["x_app"]);
    }

    // ----- wampcra -----

    private static Dictionary<string, JsonElement> ParseChallenge(ChallengeMessage challenge)
        => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>((string)challenge.Extra["challenge"]!)!;

    [Fact]
    public async Task WampCra_challenge_names_the_pending_session_and_the_hmac_joins()
    {
        var c = await HelloAsync(Auth, "peter", ["wampcra"]);
        var challenge = await c.ExpectAsync<ChallengeMessage>();
        Assert.Equal("wampcra", challenge.AuthMethod);
        Assert.False(challenge.Extra.ContainsKey("salt"));
        var fields = ParseChallenge(challenge);
        Assert.Equal("peter", fields["authid"].GetString());
        Assert.Equal("frontend", fields["authrole"].GetString());
        Assert.Equal("wampcra", fields["authmethod"].GetString());
        Assert.Equal("static", fields["authprovider"].GetString());
        Assert.False(string.IsNullOrEmpty(fields["nonce"].GetString()));
        Assert.EndsWith("Z", fields["timestamp"].GetString());

        var text = (string)challenge.Extra["challenge"]!;
        await c.SendAsync(new AuthenticateMessage(WampCraAuthenticator.ComputeSignature("secret1", text), Dict()));
        var welcome = await ExpectWelcomeAsync(c, "peter", "wampcra");
        Assert.Equal(welcome.Session, fields["session"].GetInt64());
    }

    [Fact]
    public async Task WampCra_salted_user_gets_the_pbkdf2_parameters_and_the_derived_key_signs()
    {
        var c = await HelloAsync(Auth, "salty", ["wampcra"]);
        var challenge = await c.ExpectAsync<ChallengeMessage>();
        Assert.Equal("salt123", challenge.Extra["salt"]);
        Assert.Equal(100L, challenge.Extra.GetInt64("iterations"));
        Assert.Equal(16L, challenge.Extra.GetInt64("keylen"));
        var key = WampCraAuthenticator.DeriveKey("password", "salt123", 100, 16);
        await c.SendAsync(new AuthenticateMessage(WampCraAuthenticator.ComputeSignature(key, (string)challenge.Extra["challenge"]!), Dict()));
        await ExpectWelcomeAsync(c, "salty", "wampcra");
    }

    [Fact]
    public void WampCra_derived_key_matches_Autobahn_derive_key()
        // autobahn.wamp.auth.derive_key("secret2", "salt123", 100, 16) in Autobahn|Python 22.7.
        => Assert.Equal("LG5/FwnS5WvgmlEyLPk/pQ==", WampCraAuthenticator.DeriveKey("secret2", "salt123", 100, 16));

    [Fact]
    public async Task WampCra_wrong_secret_is_not_authorized()
    {
        var c = await HelloAsync(Auth, "peter", ["wampcra"]);
        var challenge = await c.ExpectAsync<ChallengeMessage>();
        await c.SendAsync(new AuthenticateMessage(WampCraAuthenticator.ComputeSignature("secret2", (string)challenge.Extra["challenge"]!), Dict()));
        await ExpectAbortAsync(c, WampErrors.NotAuthorized);
    }

    // ----- cryptosign -----

    private static string Sign(Key key, ChallengeMessage challenge)
    {
        var bytes = Convert.FromHexString((string)challenge.Extra["challenge"]!);
        return Convert.ToHexStringLower(Ed25519.Sign(key, bytes)) + Convert.ToHexStringLower(bytes);
    }

    [Theory]
    [InlineData("alice")]
    [InlineData(null)] // Crossbar infers the authid from the public key
    public async Task Cryptosign_signed_challenge_joins(string? authid)
    {
        var c = await HelloAsync(Auth, authid, ["cryptosign"], Dict(("pubkey", Hex(AliceKey))));
        var challenge = await c.ExpectAsync<ChallengeMessage>();
        Assert.Equal("cryptosign", challenge.AuthMethod);
        Assert.Equal(64, ((string)challenge.Extra["challenge"]!).Length);
        Assert.True(challenge.Extra.ContainsKey("channel_binding"));
        Assert.Null(challenge.Extra["channel_binding"]);
        await c.SendAsync(new AuthenticateMessage(Sign(AliceKey, challenge), Dict()));
        await ExpectWelcomeAsync(c, "alice", "cryptosign");
    }

    [Fact]
    public async Task Cryptosign_wrong_key_or_bad_signature_is_not_authorized()
    {
        // Claims alice's key but signs with another.
        var forged = await HelloAsync(Auth, "alice", ["cryptosign"], Dict(("pubkey", Hex(AliceKey))));
        await forged.SendAsync(new AuthenticateMessage(Sign(MalloryKey, await forged.ExpectAsync<ChallengeMessage>()), Dict()));
        await ExpectAbortAsync(forged, WampErrors.NotAuthorized);

        // Signs something other than the challenge.
        var other = await HelloAsync(Auth, "alice", ["cryptosign"], Dict(("pubkey", Hex(AliceKey))));
        await other.ExpectAsync<ChallengeMessage>();
        var junk = new byte[32];
        await other.SendAsync(new AuthenticateMessage(Convert.ToHexStringLower(Ed25519.Sign(AliceKey, junk)) + Convert.ToHexStringLower(junk), Dict()));
        await ExpectAbortAsync(other, WampErrors.NotAuthorized);

        // A key no principal has.
        await ExpectAbortAsync(await HelloAsync(Auth, "alice", ["cryptosign"], Dict(("pubkey", Hex(MalloryKey)))), WampErrors.NotAuthorized);
        await ExpectAbortAsync(await HelloAsync(Auth, null, ["cryptosign"], Dict(("pubkey", Hex(MalloryKey)))), WampErrors.NotAuthorized);
    }

    // ----- protocol -----

    [Fact]
    public async Task Authenticate_without_a_pending_challenge_is_a_protocol_violation()
    {
        var first = new WampTestClient(Router.ConnectInProcess(Auth));
        await first.SendAsync(new AuthenticateMessage("secret!!!", Dict()));
        await ExpectAbortAsync(first, WampErrors.ProtocolViolation);

        var joined = await JoinAsync("realm1", Role("frontend"));
        await joined.SendAsync(new AuthenticateMessage("secret!!!", Dict()));
        await ExpectAbortAsync(joined, WampErrors.ProtocolViolation);
    }

    [Fact]
    public async Task Anything_but_authenticate_after_a_challenge_is_a_protocol_violation()
    {
        var c = await HelloAsync(Auth, "joe", ["ticket"]);
        await c.ExpectAsync<ChallengeMessage>();
        await c.SendAsync(new HelloMessage("realm1", HelloDetails()));
        await ExpectAbortAsync(c, WampErrors.ProtocolViolation);
    }

    [Fact]
    public async Task Unanswered_challenge_closes_the_transport_after_the_hello_timeout()
    {
        // A router of its own: a short HELLO timeout here would race the other tests' handshakes on a busy machine.
        await using var router = new WampRouter(new RouterOptions { HelloTimeout = TimeSpan.FromMilliseconds(200) });
        router.AddRealm(Realms.First());
        var c = new WampTestClient(router.ConnectInProcess(Auth));
        await c.SendAsync(new HelloMessage("realm1", Dict(("authid", "joe"), ("authmethods", new List<object?> { "ticket" }))));
        await c.ExpectAsync<ChallengeMessage>();
        await c.ExpectClosedAsync();
    }

    [Fact]
    public async Task Session_meta_api_reports_the_authmethod()
    {
        var c = await HelloAsync(Auth, "joe", ["ticket"]);
        await c.ExpectAsync<ChallengeMessage>();
        await c.SendAsync(new AuthenticateMessage("secret!!!", Dict()));
        var welcome = await ExpectWelcomeAsync(c, "joe", "ticket");
        var details = (IReadOnlyDictionary<string, object?>)(await c.CallResultAsync("wamp.session.get", [welcome.Session])).Arguments![0]!;
        Assert.Equal("ticket", details["authmethod"]);
        Assert.Equal("joe", details["authid"]);
    }

    // ----- our client, end to end -----

    [Theory]
    [InlineData("joe", "ticket")]
    [InlineData("peter", "wampcra")]
    [InlineData("salty", "wampcra")]
    public async Task Our_client_authenticates(string authid, string method)
    {
        IWampAuthenticator authenticator = (authid, method) switch
        {
            ("joe", _) => new TicketAuthenticator("secret!!!"),
            ("peter", _) => new WampCraAuthenticator("secret1"),
            _ => new WampCraAuthenticator("password"),
        };
        var session = await WampSession.JoinAsync(Router.ConnectInProcess(Auth), "realm1",
            new WampJoinOptions { AuthId = authid, Authenticator = authenticator }).WaitAsync(ReceiveTimeout);
        try
        {
            Assert.Equal(authid, session.AuthId);
            Assert.Equal("frontend", session.AuthRole);
            Assert.Equal(method, session.AuthMethod);
            Assert.Equal("static", session.AuthProvider);
        }
        finally
        {
            await session.DisposeAsync();
        }
    }

    [Fact]
    public async Task Our_client_with_a_wrong_secret_is_refused()
    {
        var e = await Assert.ThrowsAsync<WampException>(() => WampSession.JoinAsync(Router.ConnectInProcess(Auth), "realm1",
            new WampJoinOptions { AuthId = "peter", Authenticator = new WampCraAuthenticator("nope") }).WaitAsync(ReceiveTimeout));
        Assert.Equal(WampErrors.NotAuthorized, e.Error);
    }
}
