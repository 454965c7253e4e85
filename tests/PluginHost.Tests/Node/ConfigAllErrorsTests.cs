using static PluginHost.Tests.Node.ConfigTestData;

namespace PluginHost.Tests.Node;

/// <summary>One run reports every error of a config, each with its JSON path; a trailing comma is invalid JSON (as in Crossbar).</summary>
public class ConfigAllErrorsTests
{
    [Fact]
    public void EveryErrorIsReportedWithItsPath()
    {
        var e = Fail("""
            {"version": 2, "colour": "red", "workers": [
              {"type": "router", "realms": [{"name": "realm1", "roles": [{"name": "anonymous", "allow-by-default": "yes"}]}],
               "transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": "80a"}},
                              {"type": "rawsocket", "endpoint": {"type": "tcp", "port": 8081, "interfce": "lo"}}]},
              {"type": "guest", "arguments": []},
              {"type": "container", "options": {"restart": "restart-always", "shutdown": "shutdown-on-any-component-stopped"}}
            ]}
            """);
        string[] expected =
        [
            "colour: unknown key",
            "workers[0].realms[0].roles[0].allow-by-default: expected a boolean, got \"yes\"",
            "workers[0].transports[0].endpoint.port: expected an integer, got \"80a\"",
            "workers[0].transports[1].endpoint.interfce: unknown key",
            "workers[1].executable: missing required key",
            "workers[2].options.restart: 'restart-always' contradicts shutdown mode 'shutdown-on-any-component-stopped'",
        ];
        var lines = e.Message.Split('\n');
        Assert.Equal(expected.Length, e.Errors.Count);
        Assert.Equal(expected.Length, lines.Length);
        foreach (var (want, got) in expected.Zip(lines)) Assert.StartsWith(want, got);
        Assert.Equal("colour", e.Path);
    }

    [Fact]
    public void AFailedRealmDoesNotMakeItsComponentsUndefinedReferences()
    {
        var e = Fail("""
            {"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "roles": 5}],
              "components": [{"type": "class", "classname": "x.Y", "realm": "realm1"}]}]}
            """);
        Assert.Equal("workers[0].realms[0].roles: expected a list, got 5", e.Message);
    }

    [Fact]
    public void SingleErrorKeepsItsOwnMessage()
    {
        var e = Fail("""{"version": 2, "processes": []}""");
        Assert.Single(e.Errors);
        Assert.Same(e, e.Errors[0]);
    }

    [Fact]
    public async Task CheckPrintsEveryErrorOnItsOwnLine()
    {
        var dir = Directory.CreateTempSubdirectory("pluginhost-errors-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "config.json"),
                """{"version": 2, "workers": [{"type": "router", "realm": []}, {"type": "guest", "arguments": []}]}""");
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            Assert.Equal(1, await PluginHost.Cli.CliApp.RunAsync(["check", "--cbdir", dir], stdout, stderr));
            var text = stderr.ToString();
            Assert.Contains("Invalid node configuration: 2 errors:\n  workers[0].realm: unknown key", text.ReplaceLineEndings("\n"));
            Assert.Contains("\n  workers[1].executable: missing required key", text.ReplaceLineEndings("\n"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("""{"version": 2, "workers": [],}""")]
    [InlineData("""{"version": 2, "workers": [{"type": "router"},]}""")]
    public void TrailingCommaIsInvalidJson(string json)
    {
        var e = Fail(json);
        Assert.StartsWith("invalid JSON at line 1", e.Message);
    }
}
