using System.Collections.Concurrent;
using System.Text.Json;
using NSec.Cryptography;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Router;

/// <summary>
/// Dynamic authenticators (Crossbar type "dynamic"): the router CALLs a procedure registered by a component on the
/// realm, with Crossbar's (realm, authid, details), and maps its answer or error as Crossbar does.
/// </summary>
public sealed class DynamicAuthenticationTests : RouterTestBase
{
    private const string Authenticate = "com.example.authenticate";
    private static readonly SignatureAlgorithm Ed25519 = SignatureAlgorithm.Ed25519;
    private static readonly Key AliceKey = Key.Create(Ed25519);
    private static readonly Key MalloryKey = Key.Create(Ed25519);
    private static string Hex(Key key) => Convert.ToHexStringLower(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));

    private readonly ConcurrentQueue<IReadOnlyList<object?>> _calls = new();

    protected override RouterOptions Options => new() { DynamicAuthTimeout = TimeSpan.FromSeconds(2) };

    protected override IEnumerable<RealmConfig> Realms =>
    [
        new RealmConfig { Name = "realm1", Roles = [Allow("frontend"), Allow("backend")] },
        new RealmConfig { Name = "realm2", Roles = [Allow("frontend"), Allow("backend")] },
    ];

    private static RoleConfig Allow(string name) => new() { Name = name, AllowByDefault = true };

    private static TransportAuthConfig Dynamic(string method, string? realm = null) => new()
    {
        AnonymousRole = null,
        Dynamic = new Dictionary<string, DynamicAuthenticatorConfig> { [method] = new(Authenticate, realm) },
    };

    /// <summary>A component in role backend that registers the authenticator on <paramref name="realm"/>.</summary>
    private async Task<WampSession> AuthenticatorAsync(Func<IReadOnlyList<object?>, CancellationToken, Task<object?>> answer, string realm = "realm1")
    {
        var session = await WampSession.JoinAsync(Router.ConnectInProcess(Role("backend")), realm);
        await session.RegisterAsync(Authenticate, async (inv, ct) =>
        {
            _calls.Enqueue(inv.Args);
            return new WampResult([await answer(inv.Args, ct)]);
        });
        return session;
    }

    private async Task<WampTestClient> HelloAsync(TransportAuthConfig auth, string? authid, string method,
        Dictionary<string, object?>? authextra = null)
    {
        var c = new WampTestClient(Router.ConnectInProcess(auth));
        var details = HelloDetails();
        if (authid is not null) details["authid"] = authid;
        details["authmethods"] = new List<object?> { method };
        if (authextra is not null) details["authextra"] = authextra;
        await c.SendAsync(new HelloMessage("realm1", details));
        return c;
    }

    private static async Task<AbortMessage> ExpectAbortAsync(WampTestClient c, string reason)
    {
        var abort = await c.ExpectAsync<AbortMessage>();
        Assert.Equal(reason, abort.Reason);
        await c.ExpectClosedAsync();
        return abort;
    }

    private static IReadOnlyDictionary<string, object?> Details(IReadOnlyList<object?> args) => (IReadOnlyDictionary<string, object?>)args[2]!;

    // ----- ticket -----

    [Fact]
    public async Task DynamicTicket_calls_the_authenticator_after_AUTHENTICATE_and_joins_its_principal()
    {
        await using var component = await AuthenticatorAsync((args, _) => Task.FromResult<object?>(
            Details(args)["ticket"] as string == "good" ? Dict(("role", "frontend"), ("extra", Dict(("tier", "gold")))) : "nosuchrole"));
        var c = await HelloAsync(Dynamic("ticket"), "joe", "ticket");
        Assert.Empty((await c.ExpectAsync<ChallengeMessage>()).Extra);
        Assert.Empty(_calls); // Crossbar: the ticket is only checked once AUTHENTICATE brings it
        await c.SendAsync(new AuthenticateMessage("good", Dict()));
        var welcome = await c.ExpectAsync<WelcomeMessage>();
        Assert.Equal("joe", welcome.Details["authid"]);
        Assert.Equal("frontend", welcome.Details["authrole"]);
        Assert.Equal("dynamic", welcome.Details["authprovider"]);
        Assert.Equal("gold", ((IReadOnlyDictionary<string, object?>)welcome.Details["authextra"]!)["tier"]);

        Assert.True(_calls.TryDequeue(out var call));
        Assert.Equal("realm1", call[0]);
        Assert.Equal("joe", call[1]);
        Assert.Equal("ticket", Details(call)["authmethod"]);
        Assert.Equal(welcome.Session, Convert.ToInt64(Details(call)["session"]));
        Assert.NotNull(Details(call)["transport"]);

        // A role the realm does not have is Crossbar's no_such_role.
        var bad = await HelloAsync(Dynamic("ticket"), "joe", "ticket");
        await bad.ExpectAsync<ChallengeMessage>();
        await bad.SendAsync(new AuthenticateMessage("bad", Dict()));
        await ExpectAbortAsync(bad, WampErrors.NoSuchRole);
    }

    [Fact]
    public async Task DynamicTicket_principal_may_override_authid_and_realm_and_a_role_string_is_accepted()
    {
        await using var component = await AuthenticatorAsync((args, _) => Task.FromResult<object?>(
            args[1] as string == "joe" ? Dict(("role", "frontend"), ("authid", "joseph"), ("realm", "realm2")) : "frontend"));
        var c = await HelloAsync(Dynamic("ticket"), "joe", "ticket");
        await c.ExpectAsync<ChallengeMessage>();
        await c.SendAsync(new AuthenticateMessage("t", Dict()));
        var welcome = await c.ExpectAsync<WelcomeMessage>();
        Assert.Equal(("joseph", "realm2"), (welcome.Details["authid"], welcome.Details["realm"]));

        var plain = await HelloAsync(Dynamic("ticket"), "ann", "ticket");
        await plain.ExpectAsync<ChallengeMessage>();
        await plain.SendAsync(new AuthenticateMessage("t", Dict()));
        Assert.Equal("ann", (await plain.ExpectAsync<WelcomeMessage>()).Details["authid"]);
    }

    [Fact]
    public async Task DynamicTicket_ApplicationError_is_the_ABORT_reason_and_message()
    {
        await using var component = await AuthenticatorAsync((_, _) =>
            throw new WampException("com.example.invalid_ticket", ["ticket expired"]));
        var c = await HelloAsync(Dynamic("ticket"), "joe", "ticket");
        await c.ExpectAsync<ChallengeMessage>();
        await c.SendAsync(new AuthenticateMessage("t", Dict()));
        var abort = await ExpectAbortAsync(c, "com.example.invalid_ticket");
        Assert.Equal("ticket expired", abort.Details["message"]);
    }

    [Fact]
    public async Task DynamicTicket_without_a_registered_authenticator_aborts_with_the_dealers_error()
    {
        var c = await HelloAsync(Dynamic("ticket"), "joe", "ticket");
        await c.ExpectAsync<ChallengeMessage>();
        await c.SendAsync(new AuthenticateMessage("t", Dict()));
        await ExpectAbortAsync(c, WampErrors.NoSuchProcedure); // Crossbar forwards the call's ApplicationError

        var noRealm = await HelloAsync(Dynamic("ticket", realm: "nowhere"), "joe", "ticket");
        await ExpectAbortAsync(noRealm, WampErrors.NoSuchRealm);
    }

    [Fact]
    public async Task DynamicTicket_authenticator_that_does_not_answer_times_out_as_authentication_failed()
    {
        await using var component = await AuthenticatorAsync(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct); // until the router cancels the call
            return null;
        });
        var c = await HelloAsync(Dynamic("ticket"), "joe", "ticket");
        await c.ExpectAsync<ChallengeMessage>();
        await c.SendAsync(new AuthenticateMessage("t", Dict()));
        var abort = await ExpectAbortAsync(c, WampErrors.AuthenticationFailed);
        Assert.Contains("did not answer within", (string)abort.Details["message"]!);
    }

    [Fact]
    public async Task DynamicTicket_invalid_answer_is_authentication_failed()
    {
        await using var component = await AuthenticatorAsync((_, _) => Task.FromResult<object?>(42L));
        var c = await HelloAsync(Dynamic("ticket"), "joe", "ticket");
        await c.ExpectAsync<ChallengeMessage>();
        await c.SendAsync(new AuthenticateMessage("t", Dict()));
        await ExpectAbortAsync(c, WampErrors.AuthenticationFailed);
    }

    [Fact]
    public async Task Authenticator_realm_is_where_the_authenticator_is_called()
    {
        await using var component = await AuthenticatorAsync((_, _) => Task.FromResult<object?>("frontend"), realm: "realm2");
        var c = await HelloAsync(Dynamic("ticket", realm: "realm2"), "joe", "ticket");
        await c.ExpectAsync<ChallengeMessage>();
        await c.SendAsync(new AuthenticateMessage("t", Dict()));
        Assert.Equal("realm1", (await c.ExpectAsync<WelcomeMessage>()).Details["realm"]);
    }

    // ----- wampcra -----

    [Fact]
    public async Task DynamicWampCra_salted_secret_from_the_authenticator_is_challenged_before_AUTHENTICATE()
    {
        var key = WampCraAuthenticator.DeriveKey("password", "salt123", 100, 16);
        await using var component = await AuthenticatorAsync((_, _) => Task.FromResult<object?>(
            Dict(("secret", key), ("role", "frontend"), ("salt", "salt123"), ("iterations", 100L), ("keylen", 16L))));
        var c = await HelloAsync(Dynamic("wampcra"), "peter", "wampcra");
        var challenge = await c.ExpectAsync<ChallengeMessage>();
        Assert.Single(_calls); // Crossbar: called at HELLO, the secret is needed for the challenge
        Assert.Equal(("salt123", 100L, 16L), (challenge.Extra["salt"], challenge.Extra["iterations"], challenge.Extra["keylen"]));
        var text = (string)challenge.Extra["challenge"]!;
        Assert.Equal("dynamic", JsonDocument.Parse(text).RootElement.GetProperty("authprovider").GetString());

        await c.SendAsync(new AuthenticateMessage(WampCraAuthenticator.ComputeSignature(WampCraAuthenticator.DeriveKey("password", "salt123", 100, 16), text), Dict()));
        var welcome = await c.ExpectAsync<WelcomeMessage>();
        Assert.Equal(("peter", "wampcra", "dynamic"), (welcome.Details["authid"], welcome.Details["authmethod"], welcome.Details["authprovider"]));

        var wrong = await HelloAsync(Dynamic("wampcra"), "peter", "wampcra");
        var c2 = await wrong.ExpectAsync<ChallengeMessage>();
        await wrong.SendAsync(new AuthenticateMessage(WampCraAuthenticator.ComputeSignature("nope", (string)c2.Extra["challenge"]!), Dict()));
        await ExpectAbortAsync(wrong, WampErrors.NotAuthorized);
    }

    [Fact]
    public async Task DynamicWampCra_end_to_end_with_our_client()
    {
        await using var component = await AuthenticatorAsync((_, _) => Task.FromResult<object?>(Dict(("secret", "s3cret"), ("role", "frontend"))));
        await using var session = await WampSession.JoinAsync(Router.ConnectInProcess(Dynamic("wampcra")), "realm1",
            new WampJoinOptions { AuthId = "peter", Authenticator = new WampCraAuthenticator("s3cret") });
        Assert.Equal(("peter", "frontend"), (session.AuthId, session.AuthRole));
    }

    // ----- cryptosign -----

    private static string Sign(Key key, ChallengeMessage challenge)
    {
        var bytes = Convert.FromHexString((string)challenge.Extra["challenge"]!);
        return Convert.ToHexStringLower(Ed25519.Sign(key, bytes)) + Convert.ToHexStringLower(bytes);
    }

    [Fact]
    public async Task DynamicCryptosign_pubkey_from_the_authenticator_verifies_the_signature()
    {
        await using var component = await AuthenticatorAsync((args, _) => Task.FromResult<object?>(
            Dict(("pubkey", Hex(AliceKey)), ("role", "frontend"))));
        var c = await HelloAsync(Dynamic("cryptosign"), "alice", "cryptosign", Dict(("pubkey", Hex(AliceKey))));
        await c.SendAsync(new AuthenticateMessage(Sign(AliceKey, await c.ExpectAsync<ChallengeMessage>()), Dict()));
        var welcome = await c.ExpectAsync<WelcomeMessage>();
        Assert.Equal(("alice", "cryptosign", "dynamic"), (welcome.Details["authid"], welcome.Details["authmethod"], welcome.Details["authprovider"]));
        Assert.True(_calls.TryDequeue(out var call));
        Assert.Equal("alice", Details(call)["authid"]);
        Assert.Equal(Hex(AliceKey), ((IReadOnlyDictionary<string, object?>)Details(call)["authextra"]!)["pubkey"]);

        var forged = await HelloAsync(Dynamic("cryptosign"), "alice", "cryptosign");
        await forged.SendAsync(new AuthenticateMessage(Sign(MalloryKey, await forged.ExpectAsync<ChallengeMessage>()), Dict()));
        await ExpectAbortAsync(forged, WampErrors.NotAuthorized);
    }

    // ----- anonymous -----

    [Fact]
    public async Task DynamicAnonymous_is_decided_at_HELLO()
    {
        await using var component = await AuthenticatorAsync((_, _) => Task.FromResult<object?>("frontend"));
        var c = await HelloAsync(Dynamic("anonymous"), null, "anonymous");
        var welcome = await c.ExpectAsync<WelcomeMessage>();
        Assert.Equal(("frontend", "dynamic"), (welcome.Details["authrole"], welcome.Details["authprovider"]));
        Assert.True(_calls.TryDequeue(out var call));
        Assert.Equal(welcome.Details["authid"], call[1]); // the generated authid is the one passed
    }
}
