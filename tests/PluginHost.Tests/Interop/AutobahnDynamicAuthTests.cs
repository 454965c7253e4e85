using PluginHost.Tests.Support;

namespace PluginHost.Tests.Interop;

/// <summary>
/// Crossbar-style dynamic authentication and authorization with Autobahn|Python on both sides: its backend session
/// registers the authenticator and the authorizer (tests/interop/python/ab_dynamic_auth.py), its users join with a
/// ticket the router checks by calling the authenticator, and act as the authorizer decides.
/// </summary>
public sealed class AutobahnDynamicAuthTests
{
    private const string Config = """
    {
      "version": 2,
      "workers": [{
        "type": "router",
        "realms": [{ "name": "dyn",
                     "roles": [{ "name": "backend",
                                 "permissions": [{ "uri": "", "match": "prefix",
                                                   "allow": { "call": true, "register": true, "publish": true, "subscribe": true } }] },
                               { "name": "user", "authorizer": "com.example.authorize" }] }],
        "transports": [
          { "id": "web", "type": "web", "endpoint": { "type": "tcp", "port": 0, "interface": "127.0.0.1" },
            "paths": {
              "backend": { "type": "websocket", "auth": { "anonymous": { "type": "static", "role": "backend" } } },
              "ws": { "type": "websocket", "auth": { "ticket": { "type": "dynamic", "authenticator": "com.example.authenticate" } } } } }
        ]
      }]
    }
    """;

    [Fact]
    public async Task AutobahnBackendAuthenticatesAndAuthorizesAutobahnUsers()
    {
        await using var node = await NodeProcess.StartAsync(Config);
        var port = node.Port("web");
        var outcome = await ExternalProcess.RunAsync("/usr/bin/python3",
            [Path.Combine(RepoPaths.InteropDir, "python", "ab_dynamic_auth.py"),
             "--backend-url", $"ws://127.0.0.1:{port}/backend", "--url", $"ws://127.0.0.1:{port}/ws"], TimeSpan.FromMinutes(2));

        Assert.False(outcome.TimedOut, $"ab_dynamic_auth.py timed out:\n{outcome.Output}");
        Assert.True(outcome.ExitCode == 0, $"ab_dynamic_auth.py failed (exit {outcome.ExitCode}):\n{outcome.Output}\n--- node log ---\n{node.Log}");
        foreach (var scenario in new[] { "ticket_joins_with_the_authenticators_role", "wrong_ticket_is_refused_with_the_authenticators_error", "authorizer_decides_each_action" })
            Assert.Contains("PASS " + scenario, outcome.Output);
    }
}
