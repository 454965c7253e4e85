using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PluginHost.Cli;
using PluginHost.Node.Config;
using PluginHost.Tests.Support;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;

namespace PluginHost.Tests.Controller;

/// <summary><c>init</c> and <c>upgrade</c>, run in-process through the CLI (and a real node started from what init wrote).</summary>
public sealed class InitAndUpgradeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pluginhost-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = await CliApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task InitsCommandsWorkFromWhereTheUserIs()
    {
        // As a new user would: ./pluginhost init from the clone, then the printed command from the same place,
        // and the app README's command from the app folder ("check" in place of "start": same CLI, same node directory).
        var app = Path.Combine(_dir, "my app");
        var init = await ExternalProcess.RunAsync(Path.Combine(RepoPaths.Root, "pluginhost"), ["init", "--appdir", app], TimeSpan.FromMinutes(3));
        Assert.Equal(0, init.ExitCode);
        var printed = Regex.Match(init.Output, "start it with: (?<cmd>.+) start (?<args>--cbdir .+)$", RegexOptions.Multiline);
        Assert.True(printed.Success, init.Output);
        Assert.StartsWith("./pluginhost", printed.Groups["cmd"].Value);
        var check = await ExternalProcess.RunAsync("/bin/sh", ["-c", $"{printed.Groups["cmd"].Value} check {printed.Groups["args"].Value.Trim()}"],
            TimeSpan.FromMinutes(3), workingDirectory: RepoPaths.Root);
        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains($"Node directory: {Path.Combine(app, ".crossbar")}", check.Output);

        var readme = await File.ReadAllTextAsync(Path.Combine(app, "README.md"));
        var fromApp = Regex.Match(readme, "^(?<cmd>.+) start +# finds", RegexOptions.Multiline);
        Assert.True(fromApp.Success, readme);
        var status = await ExternalProcess.RunAsync("/bin/sh", ["-c", $"{fromApp.Groups["cmd"].Value} status"], TimeSpan.FromMinutes(3), workingDirectory: app);
        Assert.True(status.ExitCode == 0, status.Output);
        Assert.Contains($"No node running from {Path.Combine(app, ".crossbar")}", status.Output);
    }

    [Fact]
    public async Task InitCreatesARunnableApplication()
    {
        var (code, output, _) = await Run("init", "--appdir", _dir);
        Assert.Equal(0, code);
        var cbdir = Path.Combine(_dir, ".crossbar");
        var config = ConfigLoader.LoadFile(Path.Combine(cbdir, "config.json"), cbdir);
        Assert.Equal(2, config.Version);
        var router = Assert.IsType<RouterWorkerConfig>(config.Workers[0]);
        Assert.Equal("realm1", router.Realms.Single().Config.Name);
        Assert.Equal([8080, 8081], router.Transports.Select(t => t.Endpoint.Port));
        var container = Assert.IsType<ContainerWorkerConfig>(config.Workers[1]);
        Assert.Equal("timeservice.TimeService", container.Components.Single().Classname);
        Assert.Equal([Path.Combine(_dir, "plugins")], container.PluginDirs);
        // Drop-in: the container serves whatever is built into plugins/, beside the configured TimeService.
        Assert.Equal((Path.Combine(_dir, "plugins"), "realm1", "ws://127.0.0.1:8080/ws"),
            (container.Discover!.Directory, container.Discover.Realm, container.Discover.TransportUrl));

        var page = File.ReadAllText(Path.Combine(_dir, "web", "index.html"));
        Assert.Contains("com.timeservice.now", page);
        Assert.Contains("wamp.2.json", page);
        Assert.True(Directory.Exists(Path.Combine(_dir, "plugins")));
        Assert.True(File.Exists(Path.Combine(_dir, "README.md")));
        Assert.Contains("created", output);
    }

    [Fact]
    public async Task InitThenStartServesThePageAndTheTimeService()
    {
        Assert.Equal(0, (await Run("init", "--appdir", _dir)).Code);
        var (web, raw) = (NodeProcess.FreePort(), NodeProcess.FreePort());
        // init writes 8080/8081; free ports let tests run in parallel. Everything else runs as init wrote it.
        await using var node = await NodeProcess.StartSampleAsync(_dir,
            config => Regex.Replace(config, @"\b808[01]\b", m => (m.Value == "8080" ? web : raw).ToString()));
        await node.WaitForLineAsync(@"\[Container\s+\d+\] Ok, registered procedure for WAMP RPC \(com.timeservice.now\)");

        var connection = await WampTransportConnector.ConnectWebSocketAsync(new Uri($"ws://127.0.0.1:{web}/ws"), [WampSerializers.Json]);
        await using (var session = await WampSession.JoinAsync(connection, "realm1"))
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", Assert.IsType<string>((await session.CallAsync("com.timeservice.now")).Args[0]));

        using var http = new HttpClient();
        var page = await http.GetStringAsync($"http://127.0.0.1:{web}/");
        Assert.Equal(File.ReadAllText(Path.Combine(_dir, "web", "index.html")), page);
    }

    [Fact]
    public async Task InitNeverOverwrites()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "web"));
        File.WriteAllText(Path.Combine(_dir, "web", "index.html"), "mine");
        var (code, output, _) = await Run("init", "--appdir", _dir);
        Assert.Equal(0, code);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(_dir, "web", "index.html")));
        Assert.Contains($"kept existing {Path.Combine(_dir, "web", "index.html")}", output);
    }

    [Fact]
    public async Task UpgradeRewritesTheGuideConfigToVersion2()
    {
        var cbdir = Path.Combine(_dir, ".crossbar");
        Directory.CreateDirectory(cbdir);
        var original = Path.Combine(RepoPaths.Root, "config", "guide-router-component", ".crossbar", "config.json");
        File.Copy(original, Path.Combine(cbdir, "config.json"));

        var (code, output, err) = await Run("upgrade", "--cbdir", cbdir);
        Assert.True(code == 0, err);
        Assert.Contains("Upgraded", output);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(cbdir, "config.json")))!;
        Assert.Equal(2, json["version"]!.GetValue<int>());
        var permission = json["workers"]![0]!["realms"]![0]!["roles"]![0]!["permissions"]![0]!;
        Assert.Equal(("", "prefix", true), (permission["uri"]!.GetValue<string>(), permission["match"]!.GetValue<string>(), permission["allow"]!["register"]!.GetValue<bool>()));
        Assert.Equal(File.ReadAllText(original), File.ReadAllText(Path.Combine(cbdir, "config.json.v1.bak")));

        // Same meaning before and after.
        var before = ConfigLoader.LoadFile(original, Path.GetDirectoryName(original)!);
        var after = ConfigLoader.LoadFile(Path.Combine(cbdir, "config.json"), cbdir);
        Assert.Equal(2, after.Version);
        Assert.Equal(before.Workers.OfType<RouterWorkerConfig>().Single().Realms[0].Config.Roles[0].Permissions,
            after.Workers.OfType<RouterWorkerConfig>().Single().Realms[0].Config.Roles[0].Permissions);

        Assert.Contains("nothing to do", (await Run("upgrade", "--cbdir", cbdir)).Out);
    }

    [Fact]
    public async Task StatusAndStopWithoutANodeExit69()
    {
        Assert.Equal(69, (await Run("stop", "--cbdir", _dir)).Code);
        Assert.Equal(69, (await Run("status", "--cbdir", _dir, "--assert", "running")).Code);
        Assert.Equal(0, (await Run("status", "--cbdir", _dir)).Code);
    }
}
