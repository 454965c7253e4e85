using PluginHost.Node.Config;
using PluginHost.Listeners;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Node.ConfigTestData;

namespace PluginHost.Tests.Node;

/// <summary>Transport <c>auth</c> in Crossbar's form: static anonymous, ticket, wampcra, cryptosign.</summary>
public class AuthConfigTests
{
    private const string AliceKey = "545efb0a2192db8d43f118e9bf9aee081466e1ef36c708b96ee6f62dddad9122";

    private static TransportAuthConfig ParseAuth(string auth, IDictionary<string, string>? env = null)
    {
        var config = Parse(RouterWorker(WebSocket(extra: $$""", "auth": {{auth}}""")), env);
        return Assert.IsType<WebSocketTransportConfig>(config.FirstRouter().Transports[0]).WebSocket.Auth;
    }

    private static ConfigException FailAuth(string auth, IDictionary<string, string>? env = null)
        => Fail(RouterWorker(WebSocket(extra: $$""", "auth": {{auth}}""")), env);

    [Fact]
    public void NoAuthSectionMeansAnonymous()
    {
        var config = Parse(RouterWorker(WebSocket()));
        var auth = Assert.IsType<WebSocketTransportConfig>(config.FirstRouter().Transports[0]).WebSocket.Auth;
        Assert.Equal("anonymous", auth.AnonymousRole);
        Assert.Null(auth.Ticket);
    }

    [Fact]
    public void AllStaticMethodsAreRead()
    {
        var auth = ParseAuth("""
            {"anonymous": {"type": "static", "role": "public", "authid": "guest"},
             "ticket": {"type": "static", "principals": {"joe": {"ticket": "secret!!!", "role": "frontend", "realm": "realm1"}}},
             "wampcra": {"type": "static", "users": {
                 "peter": {"secret": "prq7+YkJ1/KlW1X0YczMHw==", "role": "frontend", "salt": "salt123", "iterations": 100, "keylen": 16},
                 "joe": {"secret": "secret2", "role": "frontend"}}},
             "cryptosign": {"type": "static", "principals": {"alice": {"authorized_keys": ["ALICE_KEY"], "role": "frontend"}}}}
            """.Replace("ALICE_KEY", AliceKey.ToUpperInvariant()));
        Assert.Equal("public", auth.AnonymousRole);
        Assert.Equal("guest", auth.AnonymousAuthId);
        Assert.Equal(new TicketPrincipal("secret!!!", "frontend", "realm1"), auth.Ticket!["joe"]);
        var peter = auth.WampCra!["peter"];
        Assert.Equal(("prq7+YkJ1/KlW1X0YczMHw==", "salt123", 100, 16), (peter.Secret, peter.Salt, peter.Iterations, peter.KeyLength));
        var joe = auth.WampCra["joe"];
        Assert.Equal((null, 1000, 32), (joe.Salt, joe.Iterations, joe.KeyLength));
        Assert.Equal([AliceKey], auth.Cryptosign!["alice"].AuthorizedKeys); // normalised to lowercase
    }

    [Fact]
    public void ScramAndTlsPrincipalsAreRead()
    {
        // alice is what autobahn.wamp.auth.derive_scram_credential printed, pasted as is.
        var auth = ParseAuth("""
            {"scram": {"type": "static", "principals": {
                "alice": {"kdf": "argon2id-13", "memory": 512, "iterations": 4096, "salt": "ff8d9819fc0e12bf0d24892e45987e24",
                          "stored-key": "a7f4f4b9458b859252ba0a0b0c10cdf24b68d6ab257704b65049cfa92e9428a1",
                          "server-key": "dd13f08d5bd56df06d8306d18fbb576296e0595910fc7afc2aaaa28138448d0a", "role": "frontend"},
                "paul": {"kdf": "pbkdf2", "iterations": 1000, "salt": "000102030405060708090a0b0c0d0e0f",
                          "stored-key": "0bbde4c62df7dbb27d9cfba5d9ffa07e6b2d42afc532fdd66fdc1517426f4244",
                          "server-key": "97fa8857f8fe9707b30478fbd0447bf893ea7f9283fec65c91912dc7b1ce2436", "role": "frontend", "realm": "realm1"}}},
             "tls": {"type": "static", "principals": {"client-a": {"certificate-sha1": "b6:e5:e6:f2:2a:86:db:3c:c5:9a:c2:7b:3b:98:8f:1c:2d:51:0e:91", "role": "device"}}}}
            """);
        var alice = auth.Scram!["alice"];
        Assert.Equal(("argon2id-13", 4096, (int?)512, "frontend"), (alice.Kdf, alice.Iterations, alice.Memory, alice.Role));
        Assert.Equal("ff8d9819fc0e12bf0d24892e45987e24", Convert.ToHexStringLower(alice.Salt));
        Assert.Equal("a7f4f4b9458b859252ba0a0b0c10cdf24b68d6ab257704b65049cfa92e9428a1", Convert.ToHexStringLower(alice.StoredKey));
        var paul = auth.Scram["paul"];
        Assert.Equal(("pbkdf2", (int?)null, "realm1"), (paul.Kdf, paul.Memory, paul.Realm));
        Assert.Equal(new TlsPrincipal("B6E5E6F22A86DB3CC59AC27B3B988F1C2D510E91", "device"), auth.Tls!["client-a"]);
    }

    [Fact]
    public void AnAuthSectionWithoutAnonymousAllowsNoAnonymousSessions()
    {
        var auth = ParseAuth("""{"ticket": {"type": "static", "principals": {"joe": {"ticket": "t", "role": "r"}}}}""");
        Assert.Null(auth.AnonymousRole);
    }

    [Fact]
    public void TicketAndSecretMayComeFromTheEnvironment()
    {
        var env = new Dictionary<string, string> { ["JOE_TICKET"] = "from-env", ["PETER_SECRET"] = "s3cret" };
        var auth = ParseAuth("""
            {"ticket": {"type": "static", "principals": {"joe": {"ticket": "${JOE_TICKET}", "role": "r"}}},
             "wampcra": {"type": "static", "users": {"peter": {"secret": "${PETER_SECRET}", "role": "r"}}}}
            """, env);
        Assert.Equal("from-env", auth.Ticket!["joe"].Ticket);
        Assert.Equal("s3cret", auth.WampCra!["peter"].Secret);
    }

    [Fact]
    public void UnsetEnvironmentVariableIsAnErrorNamingThePath()
    {
        var e = FailAuth("""{"ticket": {"type": "static", "principals": {"joe": {"ticket": "${NOPE}", "role": "r"}}}}""");
        Assert.Equal("workers[0].transports[0].auth.ticket.principals.joe.ticket", e.Path);
        Assert.Contains("'NOPE' is not set", e.Message);
    }

    [Fact]
    public void DynamicAuthenticatorNeedsAValidProcedureAndNoPrincipals()
    {
        Assert.Equal("workers[0].transports[0].auth.wampcra.authenticator", FailAuth("""{"wampcra": {"type": "dynamic"}}""").Path);
        Assert.Equal("workers[0].transports[0].auth.ticket.authenticator",
            FailAuth("""{"ticket": {"type": "dynamic", "authenticator": "bad uri"}}""").Path);
        Assert.Equal("workers[0].transports[0].auth.ticket.principals",
            FailAuth("""{"ticket": {"type": "dynamic", "authenticator": "com.a", "principals": {}}}""").Path);
        Assert.Equal("workers[0].transports[0].auth.ticket.authenticator",
            FailAuth("""{"ticket": {"type": "static", "authenticator": "com.a", "principals": {}}}""").Path);
    }

    [Theory]
    [InlineData("""{"ticket": {"type": "static", "principals": {"joe": {"ticket": "t"}}}}""", "auth.ticket.principals.joe.role")]
    [InlineData("""{"ticket": {"type": "static", "principals": {"joe": {"ticket": "t", "role": "r", "pw": 1}}}}""", "auth.ticket.principals.joe.pw")]
    [InlineData("""{"wampcra": {"type": "static", "users": {"joe": {"role": "r"}}}}""", "auth.wampcra.users.joe.secret")]
    [InlineData("""{"wampcra": {"type": "static"}}""", "auth.wampcra.users")]
    [InlineData("""{"cryptosign": {"type": "static", "principals": {"a": {"authorized_keys": ["abc"], "role": "r"}}}}""", "auth.cryptosign.principals.a.authorized_keys[0]")]
    [InlineData("""{"cryptosign": {"type": "static", "principals": {"a": {"authorized_keys": [], "role": "r"}}}}""", "auth.cryptosign.principals.a.authorized_keys")]
    [InlineData("""{"tls": {"type": "static"}}""", "auth.tls.principals")]
    [InlineData("""{"tls": {"type": "static", "principals": {"a": {"certificate-sha1": "AB:CD", "role": "r"}}}}""", "auth.tls.principals.a.certificate-sha1")]
    [InlineData("""{"scram": {"type": "static", "principals": {"a": {"kdf": "sha1", "iterations": 1, "salt": "00", "stored-key": "00", "server-key": "00", "role": "r"}}}}""", "auth.scram.principals.a.kdf")]
    [InlineData("""{"scram": {"type": "static", "principals": {"a": {"kdf": "argon2id-13", "iterations": 1, "salt": "000102030405060708090a0b0c0d0e0f", "stored-key": "00", "server-key": "00", "role": "r"}}}}""", "auth.scram.principals.a.memory")]
    [InlineData("""{"scram": {"type": "static", "principals": {"a": {"kdf": "pbkdf2", "iterations": 1000, "salt": "0001", "stored-key": "00", "server-key": "00", "role": "r"}}}}""", "auth.scram.principals.a.salt")]
    [InlineData("""{"scram": {"type": "static", "principals": {"a": {"kdf": "pbkdf2", "iterations": 1000, "memory": 512, "salt": "000102030405060708090a0b0c0d0e0f", "stored-key": "00", "server-key": "00", "role": "r"}}}}""", "auth.scram.principals.a.memory")]
    [InlineData("""{"scram": {"type": "static", "principals": {"a": {"kdf": "pbkdf2", "iterations": 1000, "salt": "000102030405060708090a0b0c0d0e0f", "stored-key": "zz", "server-key": "00", "role": "r"}}}}""", "auth.scram.principals.a.stored-key")]
    [InlineData("""{"scram": {"type": "dynamic", "authenticator": "com.a", "principals": {}}}""", "auth.scram.principals")]
    [InlineData("""{}""", "auth")]
    public void InvalidAuthNamesThePath(string auth, string path)
        => Assert.Equal("workers[0].transports[0]." + path, FailAuth(auth).Path);
}
