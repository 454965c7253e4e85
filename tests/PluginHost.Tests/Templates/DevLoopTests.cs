using System.Text.RegularExpressions;
using PluginHost.Cli.Dev;
using PluginHost.Tests.Support;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;

namespace PluginHost.Tests.Templates;

/// <summary>
/// `pluginhost dev`: a project made by the template is rebuilt on save into the plugin folder of a running node,
/// which answers with the new code; a broken edit is reported once with file:line and the old code keeps answering.
/// </summary>
public class DevLoopTests
{
    [Fact]
    public async Task EditedComponentAnswersWithNewCodeAndBrokenEditKeepsOldVersion()
    {
        using var work = await TemplateWorkspace.CreateAsync();
        var app = await work.NewComponentAsync("Acme.Dev");
        var source = Path.Combine(app, "src", "Acme.Dev", "Greeter.cs");
        var plugins = Path.Combine(work.Root, "plugins");
        // Build servers off: nothing the test started outlives it.
        var env = new Dictionary<string, string>(work.Env)
        {
            ["RestoreAdditionalProjectFallbackFolders"] = work.UserCache,
            ["MSBUILDDISABLENODEREUSE"] = "1",
            ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
            ["UseSharedCompilation"] = "false",
        };
        await using var dev = await BackgroundProcess.StartAsync(Path.Combine(RepoPaths.Root, "pluginhost"),
            ["dev", "--project", Path.Combine(app, "src", "Acme.Dev"), "--out", Path.Combine(plugins, "Acme.Dev")],
            "Build succeeded", TimeSpan.FromMinutes(6), workingDirectory: app, env: env);

        var config = $$$"""
            {"version": 2, "workers": [{"type": "router", "options": {"pythonpath": [{{{System.Text.Json.JsonSerializer.Serialize(plugins)}}}]},
              "realms": [{"name": "realm1", "roles": [{"name": "anonymous", "permissions": [{"uri": "", "match": "prefix",
                 "allow": {"call": true, "register": true, "publish": true, "subscribe": true}}]}]}],
              "transports": [{"type": "websocket", "id": "wsock", "endpoint": {"type": "tcp", "port": 0}}],
              "components": [{"type": "class", "id": "greeter", "classname": "Acme.Dev.Greeter", "realm": "realm1"}]}]}
            """;
        await using var node = await NodeProcess.StartAsync(config);
        await node.WaitForLineAsync("Component 'greeter' .*joined");
        var connection = await WampTransportConnector.ConnectWebSocketAsync(new Uri($"ws://127.0.0.1:{node.Port("wsock")}/ws"), [WampSerializers.Json]);
        await using var caller = await WampSession.JoinAsync(connection, "realm1");
        Assert.Equal("Hello, dev!", await GreetAsync(caller));

        var text = await File.ReadAllTextAsync(source);
        await File.WriteAllTextAsync(source, text.Replace("{name}!\"", "{name}! (edited)\""));
        await dev.WaitForOutputAsync("Build succeeded", occurrence: 2, timeout: TimeSpan.FromMinutes(2));
        await node.WaitForLineAsync("Component 'greeter' reloaded from", timeout: TimeSpan.FromMinutes(1));
        Assert.Equal("Hello, dev! (edited)", await GreetAsync(caller));

        var edited = await File.ReadAllTextAsync(source);
        var broken = edited.Replace("{name}! (edited)\";", "{name}! (broken)\" +;");
        Assert.NotEqual(edited, broken);
        var brokenLine = broken.Split('\n').ToList().FindIndex(l => l.Contains("(broken)")) + 1;
        var reloadsBefore = Regex.Count(node.Log, "reloaded from");
        await File.WriteAllTextAsync(source, broken);
        var failed = await dev.WaitForOutputAsync(@"Build failed in [\d.]+ s \((?<n>\d+) errors?\)", timeout: TimeSpan.FromMinutes(2));
        var error = await dev.WaitForOutputAsync(@"^  (?<file>\S*Greeter\.cs):(?<line>\d+):(?<col>\d+): error CS\d+: .+$");
        Assert.Equal(brokenLine, int.Parse(error.Groups["line"].Value));
        Assert.EndsWith(Path.Combine("src", "Acme.Dev", "Greeter.cs"), error.Groups["file"].Value);
        // Compact: each error once (MSBuild itself repeats them), no project suffix, as many lines as the count says.
        var errorLines = Regex.Matches(dev.Output, @"^  \S+:\d+:\d+: error .*$", RegexOptions.Multiline).Select(m => m.Value).ToList();
        Assert.Equal(int.Parse(failed.Groups["n"].Value), errorLines.Count);
        Assert.Equal(errorLines.Count, errorLines.Distinct().Count());
        Assert.DoesNotContain(".csproj]", dev.Output);
        Assert.Equal("Hello, dev! (edited)", await GreetAsync(caller));
        Assert.Equal(reloadsBefore, Regex.Count(node.Log, "reloaded from"));
    }

    [Fact]
    public void DefaultOutputIsThePluginFolderInitMakes()
    {
        var app = Directory.CreateTempSubdirectory("pluginhost-devout-").FullName;
        try
        {
            var nodeDir = Path.Combine(app, ".crossbar");
            Directory.CreateDirectory(nodeDir);
            Assert.Equal(Path.Combine(app, "plugins"), DevCommand.PluginFolder(nodeDir));
            // A bare node directory with its own plugins/ folder: that one.
            var bare = Path.Combine(app, "node");
            Directory.CreateDirectory(Path.Combine(bare, "plugins"));
            Assert.Equal(Path.Combine(bare, "plugins"), DevCommand.PluginFolder(bare));
        }
        finally
        {
            Directory.Delete(app, recursive: true);
        }
    }

    private static async Task<string> GreetAsync(WampSession caller)
        => (string)(await caller.CallAsync("com.example.greet", ["dev"]).WaitAsync(TimeSpan.FromSeconds(30))).Args[0]!;
}
