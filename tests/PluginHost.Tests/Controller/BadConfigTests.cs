using PluginHost.Tests.Support;

namespace PluginHost.Tests.Controller;

/// <summary><c>start</c> on a bad config: exit 1, nothing starts, and the message names the JSON path — one case per error class.</summary>
public class BadConfigTests
{
    public static TheoryData<string, string> Cases => new()
    {
        // unknown key
        { """{"version": 2, "workers": [{"type": "router", "realm": []}]}""", "workers[0].realm: unknown key" },
        // wrong type
        { """{"version": 2, "workers": [{"type": "router", "transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": "80a"}}]}]}""",
            "workers[0].transports[0].endpoint.port: expected an integer, got \"80a\"" },
        // missing required key
        { """{"version": 2, "workers": [{"type": "guest", "arguments": []}]}""", "workers[0].executable: missing required key" },
        // a guest executable that does not exist is a config error, not a crash later
        { """{"version": 2, "workers": [{"type": "guest", "executable": "no-such-program-here"}]}""",
            "workers[0].executable: executable 'no-such-program-here' not found" },
        // contradicting container modes
        { """{"version": 2, "workers": [{"type": "container", "options": {"restart": "restart-always", "shutdown": "shutdown-on-any-component-stopped"}}]}""",
            "workers[0].options.restart: 'restart-always' contradicts shutdown mode" },
        // invalid JSON
        { """{"version": 2, "workers": [}""", "invalid JSON at line 1" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task StartFailsNamingThePath(string config, string expected)
    {
        var dir = Directory.CreateTempSubdirectory("pluginhost-bad-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "config.json"), config);
            var outcome = await ControllerTests.Cli("start", "--cbdir", dir);
            Assert.Equal(1, outcome.ExitCode);
            Assert.Contains($"Invalid node configuration: {expected}", outcome.Output);
            Assert.DoesNotContain("Starting Router", outcome.Output);
            Assert.False(File.Exists(Path.Combine(dir, "node.pid")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
