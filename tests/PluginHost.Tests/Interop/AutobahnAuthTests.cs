using PluginHost.Tests.Support;

namespace PluginHost.Tests.Interop;

/// <summary>
/// A node whose transports require authentication (ticket, wampcra plain and salted, cryptosign; no anonymous),
/// configured the way a Crossbar config.json does it, with joe's ticket read from the environment ("${VAR}").
/// </summary>
public sealed class AuthNodeFixture : IAsyncLifetime
{
    public const string TicketVariable = "PLUGINHOST_INTEROP_JOE_TICKET";

    // salty's secret is the derived key: autobahn.wamp.auth.derive_key("secret2", "salt123", 100, 16).
    // alice's key is the public key of ab_auth.py's ALICE_SEED.
    private const string Auth = """
        { "ticket": { "type": "static", "principals": { "joe": { "ticket": "${PLUGINHOST_INTEROP_JOE_TICKET}", "role": "frontend" } } },
          "wampcra": { "type": "static", "users": {
              "peter": { "secret": "secret1", "role": "frontend" },
              "salty": { "secret": "LG5/FwnS5WvgmlEyLPk/pQ==", "role": "frontend", "salt": "salt123", "iterations": 100, "keylen": 16 } } },
          "cryptosign": { "type": "static", "principals": {
              "alice": { "authorized_keys": ["79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664"], "role": "frontend" } } } }
        """;

    /// <summary>Realm "auth" whose role "frontend" may do everything: the interop auth scripts' principals all take it.</summary>
    public const string AuthRealm = """
        { "name": "auth",
          "roles": [{ "name": "frontend",
                      "permissions": [{ "uri": "", "match": "prefix",
                                        "allow": { "call": true, "register": true, "publish": true, "subscribe": true } }] }] }
        """;

    public static readonly string Config = $$"""
    {
      "version": 2,
      "workers": [{
        "type": "router",
        "realms": [{{AuthRealm}}],
        "transports": [
          { "id": "web", "type": "web", "endpoint": { "type": "tcp", "port": 0, "interface": "127.0.0.1" },
            "paths": { "ws": { "type": "websocket", "auth": {{Auth}} } } },
          { "id": "raw", "type": "rawsocket", "endpoint": { "type": "tcp", "port": 0, "interface": "127.0.0.1" }, "auth": {{Auth}} }
        ]
      }]
    }
    """;

    public NodeProcess Node { get; private set; } = null!;

    public string WebSocketUrl => $"ws://127.0.0.1:{Node.Port("web")}/ws";
    public string RawSocketUrl => $"rs://127.0.0.1:{Node.Port("raw")}";

    public async Task InitializeAsync()
    {
        // The node inherits this process's environment.
        Environment.SetEnvironmentVariable(TicketVariable, "secret!!!");
        Node = await NodeProcess.StartAsync(Config);
    }

    public async Task DisposeAsync() => await Node.DisposeAsync();
}

/// <summary>
/// Autobahn|Python authenticates against our router: every scenario of tests/interop/python/ab_auth.py
/// (ticket, wampcra plain and salted, cryptosign, and refusals) over WebSocket and RawSocket.
/// </summary>
public sealed class AutobahnAuthTests(AuthNodeFixture fixture) : IClassFixture<AuthNodeFixture>
{
    private const string Python = "/usr/bin/python3"; // Debian's, with python3-autobahn and python3-nacl

    [Theory]
    [InlineData("ws", "json")]
    [InlineData("ws", "cbor")]
    [InlineData("rs", "msgpack")]
    public async Task AllAuthScenariosPass(string transport, string serializer)
    {
        var script = Path.Combine(RepoPaths.InteropDir, "python/ab_auth.py");
        var url = transport == "ws" ? fixture.WebSocketUrl : fixture.RawSocketUrl;
        var outcome = await ExternalProcess.RunAsync(Python, [script, "--url", url, "--serializer", serializer], TimeSpan.FromMinutes(3));
        Assert.False(outcome.TimedOut, $"ab_auth.py timed out:\n{outcome.Output}");
        Assert.True(outcome.ExitCode == 0, $"ab_auth.py failed (exit {outcome.ExitCode}):\n{outcome.Output}\n--- node log ---\n{fixture.Node.Log}");
        foreach (var scenario in new[] { "ticket", "wampcra_salted", "cryptosign_ok", "wampcra_wrong_secret" })
            Assert.Contains("PASS " + scenario, outcome.Output);
    }
}
