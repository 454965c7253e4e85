using PluginHost.Wamp.Client;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using PluginHost.Wamp.Security;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Router;

/// <summary>
/// WAMP-SCRAM on the router and in our client (both dialects: Crossbar/Autobahn "scram" and the spec's "wamp-scram"),
/// static and dynamic; TLS-only methods refused on a plain transport. Refusals first. Autobahn|Python's side is in
/// Interop/AutobahnScramTlsTests.cs.
/// </summary>
public sealed class ScramAuthenticationTests : RouterTestBase
{
    private const string Authenticate = "com.example.authenticate";
    private static readonly byte[] Salt = Convert.FromHexString("000102030405060708090a0b0c0d0e0f");

    protected override IEnumerable<RealmConfig> Realms =>
        [new RealmConfig { Name = "realm1", Roles = [new RoleConfig { Name = "frontend", AllowByDefault = true }, new RoleConfig { Name = "backend", AllowByDefault = true }] }];

    /// <summary>A principal for <paramref name="password"/> (cheap KDF costs: these tests are about the protocol).</summary>
    private static ScramPrincipal Principal(string kdf, string password)
    {
        int iterations = kdf == ScramProtocol.Pbkdf2 ? 1000 : 2;
        int? memory = kdf == ScramProtocol.Pbkdf2 ? null : 64;
        var (stored, server) = ScramProtocol.Credential(ScramProtocol.SaltedPassword(kdf, password, Salt, iterations, memory ?? 0));
        return new ScramPrincipal(kdf, iterations, memory, Salt, stored, server, "frontend");
    }

    private static readonly TransportAuthConfig Auth = new()
    {
        AnonymousRole = null,
        Scram = new Dictionary<string, ScramPrincipal>
        {
            ["paul"] = Principal(ScramProtocol.Pbkdf2, "pbkdf2pass"),
            ["anna"] = Principal(ScramProtocol.Argon2idCrossbar, "argon-pass"),
            ["sam"] = Principal(ScramProtocol.Argon2idSpec, "spec-pass"),
            // The router holds a server-key that does not belong to the password: a client must refuse it.
            ["evil"] = Principal(ScramProtocol.Pbkdf2, "pbkdf2pass") with { ServerKey = new byte[32] },
        },
    };

    private Task<WampSession> JoinAsync(TransportAuthConfig auth, string authid, string password, string method = "scram")
        => WampSession.JoinAsync(Router.ConnectInProcess(auth), "realm1",
            new WampJoinOptions { AuthId = authid, Authenticator = new ScramAuthenticator(authid, password, method) }).WaitAsync(ReceiveTimeout);

    private async Task<WampTestClient> HelloAsync(string method, string authid, Dictionary<string, object?> authextra)
    {
        var c = new WampTestClient(Router.ConnectInProcess(Auth));
        var details = HelloDetails();
        details["authid"] = authid;
        details["authmethods"] = new List<object?> { method };
        details["authextra"] = authextra;
        await c.SendAsync(new HelloMessage("realm1", details));
        return c;
    }

    private static async Task<string> ExpectAbortAsync(WampTestClient c, string reason)
    {
        var abort = await c.ExpectAsync<AbortMessage>();
        Assert.Equal(reason, abort.Reason);
        await c.ExpectClosedAsync();
        return (string)abort.Details["message"]!;
    }

    [Fact]
    public void Credentials_match_what_Autobahn_derive_scram_credential_prints()
    {
        // derive_scram_credential("alice@example.com", "secret123"): Argon2id, 4096 passes, 512 KiB, keyed by the base64 text.
        var argon = ScramProtocol.Credential(ScramProtocol.SaltedPassword("argon2id-13", "secret123",
            Convert.FromHexString("ff8d9819fc0e12bf0d24892e45987e24"), 4096, 512));
        Assert.Equal("a7f4f4b9458b859252ba0a0b0c10cdf24b68d6ab257704b65049cfa92e9428a1", Convert.ToHexStringLower(argon.StoredKey));
        Assert.Equal("dd13f08d5bd56df06d8306d18fbb576296e0595910fc7afc2aaaa28138448d0a", Convert.ToHexStringLower(argon.ServerKey));
        // PBKDF2-SHA256 per the spec (hashlib.pbkdf2_hmac + hmac in Python gave these).
        var pbkdf2 = ScramProtocol.Credential(ScramProtocol.SaltedPassword("pbkdf2", "pbkdf2pass", Salt, 1000, 0));
        Assert.Equal("0bbde4c62df7dbb27d9cfba5d9ffa07e6b2d42afc532fdd66fdc1517426f4244", Convert.ToHexStringLower(pbkdf2.StoredKey));
        Assert.Equal("97fa8857f8fe9707b30478fbd0447bf893ea7f9283fec65c91912dc7b1ce2436", Convert.ToHexStringLower(pbkdf2.ServerKey));
    }

    [Theory]
    [InlineData("paul", "scram")]
    [InlineData("anna", "scram")]
    [InlineData("sam", "wamp-scram")]
    public async Task Wrong_password_is_not_authorized(string authid, string method)
    {
        var e = await Assert.ThrowsAsync<WampException>(() => JoinAsync(Auth, authid, "guess", method));
        Assert.Equal(WampErrors.NotAuthorized, e.Error);
    }

    [Fact]
    public async Task Our_client_refuses_a_router_that_cannot_prove_the_server_key()
    {
        var e = await Assert.ThrowsAsync<WampException>(() => JoinAsync(Auth, "evil", "pbkdf2pass"));
        Assert.Equal(WampErrors.AuthenticationFailed, e.Error);
        Assert.Contains("server signature", e.Message);
    }

    [Fact]
    public async Task Hello_without_a_base64_nonce_or_with_channel_binding_on_a_plain_transport_is_refused()
    {
        Assert.Contains("nonce", await ExpectAbortAsync(await HelloAsync("scram", "paul", Dict()), WampErrors.NotAuthorized));
        Assert.Contains("nonce", await ExpectAbortAsync(await HelloAsync("scram", "paul", Dict(("nonce", "not base64!"))), WampErrors.NotAuthorized));
        var nonce = Convert.ToBase64String(new byte[16]);
        Assert.Contains("TLS", await ExpectAbortAsync(
            await HelloAsync("wamp-scram", "paul", Dict(("nonce", nonce), ("channel_binding", "tls-unique"))), WampErrors.NotAuthorized));
    }

    [Fact]
    public async Task Spec_dialect_refuses_an_echoed_nonce_that_is_not_the_challenges()
    {
        var clientNonce = Convert.ToBase64String(new byte[16]);
        var c = await HelloAsync("wamp-scram", "paul", Dict(("nonce", clientNonce)));
        var challenge = await c.ExpectAsync<ChallengeMessage>();
        Assert.Equal("wamp-scram", challenge.AuthMethod);
        var serverNonce = (string)challenge.Extra["nonce"]!;
        // The client nonce's bytes, then 16 of the router's.
        Assert.Equal(new byte[16], Convert.FromBase64String(serverNonce)[..16]);
        Assert.Equal(32, Convert.FromBase64String(serverNonce).Length);
        // A correct proof for the real nonce, but the echoed nonce was tampered with.
        var salted = ScramProtocol.SaltedPassword("pbkdf2", "pbkdf2pass", Salt, 1000, 0);
        var authMessage = ScramProtocol.AuthMessage("wamp-scram", "paul", clientNonce, serverNonce, (string)challenge.Extra["salt"]!, 1000, null, null);
        var proof = Convert.ToBase64String(ScramProtocol.ClientProof(salted, authMessage));
        await c.SendAsync(new AuthenticateMessage(proof, Dict(("nonce", Convert.ToBase64String(new byte[32])))));
        Assert.Contains("nonce", await ExpectAbortAsync(c, WampErrors.NotAuthorized));
    }

    [Theory]
    [InlineData("paul", "pbkdf2pass", "scram")]
    [InlineData("anna", "argon-pass", "scram")]
    [InlineData("sam", "spec-pass", "wamp-scram")]
    [InlineData("paul", "pbkdf2pass", "wamp-scram")]
    public async Task Our_client_joins_in_either_dialect_and_checks_the_server_signature(string authid, string password, string method)
    {
        await using var session = await JoinAsync(Auth, authid, password, method);
        Assert.Equal((authid, "frontend", method, "static"), (session.AuthId, session.AuthRole, session.AuthMethod, session.AuthProvider));
    }

    [Fact]
    public async Task Dynamic_scram_takes_the_stored_credential_from_the_authenticator()
    {
        var dynamic = new TransportAuthConfig
        {
            AnonymousRole = null,
            Dynamic = new Dictionary<string, DynamicAuthenticatorConfig> { ["scram"] = new(Authenticate) },
        };
        var paul = Principal(ScramProtocol.Pbkdf2, "pbkdf2pass");
        await using var authenticator = await WampSession.JoinAsync(Router.ConnectInProcess(Role("backend")), "realm1");
        await authenticator.RegisterAsync(Authenticate, (inv, _) =>
        {
            var authid = (string?)inv.Args[1];
            object? principal = authid == "paul"
                ? new Dictionary<string, object?>
                {
                    ["role"] = "frontend", ["kdf"] = "pbkdf2", ["iterations"] = 1000L,
                    ["salt"] = Convert.ToHexStringLower(paul.Salt), ["stored-key"] = Convert.ToHexStringLower(paul.StoredKey),
                    ["server-key"] = Convert.ToHexStringLower(paul.ServerKey),
                }
                : new Dictionary<string, object?> { ["role"] = "frontend", ["kdf"] = "pbkdf2", ["iterations"] = 1000L }; // no keys
            return ValueTask.FromResult<WampResult?>(new WampResult([principal]));
        });

        var broken = await Assert.ThrowsAsync<WampException>(() => JoinAsync(dynamic, "nokeys", "x"));
        Assert.Equal(WampErrors.AuthenticationFailed, broken.Error);
        var wrong = await Assert.ThrowsAsync<WampException>(() => JoinAsync(dynamic, "paul", "guess"));
        Assert.Equal(WampErrors.NotAuthorized, wrong.Error);
        await using var session = await JoinAsync(dynamic, "paul", "pbkdf2pass");
        Assert.Equal(("paul", "frontend", "scram", "dynamic"), (session.AuthId, session.AuthRole, session.AuthMethod, session.AuthProvider));
    }

    [Fact]
    public async Task Tls_method_and_cryptosign_channel_binding_need_a_tls_connection()
    {
        var auth = new TransportAuthConfig
        {
            AnonymousRole = null,
            Tls = new Dictionary<string, TlsPrincipal> { ["device"] = new(new string('A', 40), "frontend") },
            Cryptosign = new Dictionary<string, CryptosignPrincipal> { ["alice"] = new([new string('a', 64)], "frontend") },
        };
        var c = new WampTestClient(Router.ConnectInProcess(auth));
        await c.SendAsync(new HelloMessage("realm1", Dict(("roles", HelloDetails()["roles"]), ("authmethods", new List<object?> { "tls" }))));
        Assert.Contains("certificate", await ExpectAbortAsync(c, WampErrors.NotAuthorized));

        c = new WampTestClient(Router.ConnectInProcess(auth));
        await c.SendAsync(new HelloMessage("realm1", Dict(("roles", HelloDetails()["roles"]), ("authmethods", new List<object?> { "cryptosign" }),
            ("authid", "alice"), ("authextra", Dict(("channel_binding", "tls-unique"))))));
        Assert.Contains("TLS", await ExpectAbortAsync(c, WampErrors.NotAuthorized));
    }
}
