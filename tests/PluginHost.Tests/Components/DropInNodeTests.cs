using System.Text.RegularExpressions;
using PluginHost.Cli;
using PluginHost.Tests.Support;

namespace PluginHost.Tests.Components;

/// <summary>
/// Drop-in discovery on a real node started from what <c>init</c> wrote, driven by Autobahn|Python: plugins
/// copied into plugins/ answer, a replaced one hot-reloads under a tight call loop with no failed call, a
/// removed one leaves (no_such_procedure), and bad files are named in the log while the node keeps serving.
/// </summary>
[Collection(HotReloadCollection.Name)]
public sealed class DropInNodeTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const string Python = "/usr/bin/python3";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly string _template = Directory.CreateTempSubdirectory("pluginhost-dropin-").FullName;
    private NodeProcess _node = null!;
    private string _url = null!;

    private string Plugins => Path.GetFullPath(Path.Combine(_node.NodeDir, "..", "plugins"));

    public async Task InitializeAsync()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.True(await CliApp.RunAsync(["init", "--appdir", _template], stdout, stderr) == 0, stderr.ToString());
        var (web, raw) = (NodeProcess.FreePort(), NodeProcess.FreePort());
        // As init wrote it, on free ports.
        _node = await NodeProcess.StartSampleAsync(_template,
            config => Regex.Replace(config, @"\b808[01]\b", m => (m.Value == "8080" ? web : raw).ToString()));
        _url = $"ws://127.0.0.1:{web}/ws";
        await _node.WaitForLineAsync(@"\[Container\s+\d+\] Container 'worker\d+': discovering components in " + Regex.Escape(Plugins));
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        Directory.Delete(_template, recursive: true);
    }

    private void CopyPlugin(string plugin, string asName, params string[] except)
    {
        var target = Path.Combine(Plugins, asName);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(Path.Combine(NodeLayout.BuiltPlugins, plugin)).Where(f => !except.Contains(Path.GetFileName(f))))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
    }

    private async Task<ExternalProcess.Outcome> CallAsync(string procedure)
        => await ExternalProcess.RunAsync(Python, [Path.Combine(RepoPaths.InteropDir, "python", "call_procedure.py"), "--url", _url, "--procedure", procedure],
            TimeSpan.FromSeconds(60));

    private async Task<string> ResultAsync(string procedure)
    {
        var outcome = await CallAsync(procedure);
        Assert.True(outcome.ExitCode == 0, $"Autobahn|Python caller failed (exit {outcome.ExitCode}):\n{outcome.Output}\nnode:\n{_node.Log}");
        return outcome.Output.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DropReplaceRemoveAndBadFilesOnARunningInitNode()
    {
        // Drop: a folder built into plugins/ starts and answers, no config edit.
        CopyPlugin("DropInV1", "Greeter");
        await _node.WaitForLineAsync(@"Container 'worker\d+': component 'greeter' \(dropin\.Greeter\) started on realm 'realm1', discovered in "
            + Regex.Escape(Path.Combine(Plugins, "Greeter", "DropIn.dll")), timeout: Wait);
        await _node.WaitForLineAsync(@"Component 'greeter' registered test\.dropin\.", timeout: Wait);
        Assert.Equal("RESULT \"v1\"", await ResultAsync("test.dropin.version"));

        // Replace: a tight loop of calls sees v1 then v2, and no call fails.
        await using (var loop = await BackgroundProcess.StartAsync(Python,
            [Path.Combine(RepoPaths.InteropDir, "python", "call_loop.py"), "--url", _url, "--procedure", "test.dropin.version", "--until", "v2", "--settle", "50"],
            @"^READY ", Wait))
        {
            File.Copy(Path.Combine(NodeLayout.BuiltPlugins, "DropInV2", "DropIn.dll"), Path.Combine(Plugins, "Greeter", "DropIn.dll"), overwrite: true);
            Assert.True(await loop.WaitForExitAsync(Wait) == 0, $"call loop:\n{loop.Output}\nnode:\n{_node.Log}");
            Assert.Matches(@"CALLS \d+ FAILED 0 SEEN \[""v1"", ""v2""\]", loop.Output);
            output.WriteLine(loop.Output.Split('\n').First(l => l.StartsWith("CALLS", StringComparison.Ordinal)));
        }
        await _node.WaitForLineAsync(@"Component 'greeter' reloaded from .*: generation 2 \(session \d+\) took over from generation 1");

        // Remove: the component leaves and the procedure is gone.
        Directory.Delete(Path.Combine(Plugins, "Greeter"), recursive: true);
        await _node.WaitForLineAsync(@"Container 'worker\d+': component 'greeter' \(dropin\.Greeter\) left realm 'realm1': .*DropIn\.dll was removed", timeout: Wait);
        var gone = await CallAsync("test.dropin.version");
        Assert.NotEqual(0, gone.ExitCode);
        Assert.Contains("wamp.error.no_such_procedure", gone.Output);

        // Bad files: a text file named X.dll, and a plugin whose dependency is missing. Each gets a clear line.
        await File.WriteAllTextAsync(Path.Combine(Plugins, "X.dll"), "not an assembly\n");
        CopyPlugin("Faulty", "Faulty", except: "FaultyHelper.dll");
        await _node.WaitForLineAsync(Regex.Escape(Path.Combine(Plugins, "X.dll")) + @" is ignored: not a \.NET assembly", timeout: Wait);
        await _node.WaitForLineAsync(@"component 'faulty\.NeedsHelper' \(faulty\.NeedsHelper\) from " + Regex.Escape(Path.Combine(Plugins, "Faulty", "Faulty.dll"))
            + @" could not be started: .*a DLL it needs is missing or broken: .*FaultyHelper", timeout: Wait);
        await _node.WaitForLineAsync(@"component 'faulty\.ThrowingJoin' \(faulty\.ThrowingJoin\) from .*Faulty\.dll failed: .*OnJoin exploded on purpose", timeout: Wait);
        // The node still serves: init's TimeService, and a plugin dropped after the bad ones.
        Assert.Matches(@"^RESULT ""\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ""$", await ResultAsync("com.timeservice.now"));
        CopyPlugin("DropInV2", "Again");
        await _node.WaitForLineAsync(@"Component 'greeter' registered test\.dropin\.", occurrence: 3, timeout: Wait);
        Assert.Equal("RESULT \"v2\"", await ResultAsync("test.dropin.version"));
        output.WriteLine(string.Join('\n', _node.Log.Split('\n').Where(l => l.Contains("[Container"))));
    }
}

/// <summary>Router workers: a junk DLL in a plugin folder is named at start; options.discover embeds dropped components.</summary>
public sealed class RouterWorkerPluginTests
{
    [Fact]
    public async Task RouterWorkerDiscoversEmbeddedComponents()
    {
        const string config = """
            {"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}],
              "options": {"discover": {"directory": "dropins", "realm": "realm1", "exclude": ["dropin.Plain"]}},
              "transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 0}}]}]}
            """;
        await using var node = await NodeProcess.StartAsync(config);
        var target = Path.Combine(node.NodeDir, "dropins", "Greeter");
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(Path.Combine(NodeLayout.BuiltPlugins, "DropInV1")))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        await node.WaitForLineAsync(@"\[Router\s+\d+\] Router 'worker001': component 'greeter' \(dropin\.Greeter\) started on realm 'realm1', discovered in "
            + Regex.Escape(Path.Combine(target, "DropIn.dll")));
        var connection = await PluginHost.Wamp.Transport.WampTransportConnector.ConnectWebSocketAsync(
            new Uri($"ws://127.0.0.1:{node.Port("transport001")}/"), [PluginHost.Wamp.Serialization.WampSerializers.Json]);
        await using var session = await PluginHost.Wamp.Client.WampSession.JoinAsync(connection, "realm1");
        Assert.Equal("v1", (await session.CallAsync("test.dropin.version")).Args[0]);
        Assert.DoesNotContain("dropin.Plain", node.Log);
    }

    [Fact]
    public async Task StartNamesAJunkDllAtTheTopOfPlugins()
    {
        const string config = """
            {"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}],
              "transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 0}}],
              "components": [{"type": "class", "classname": "timeservice.TimeService", "realm": "realm1"}]}]}
            """;
        await using var node = await NodeProcess.StartAsync(config,
            prepare: dir => { Directory.CreateDirectory(Path.Combine(dir, "plugins")); File.WriteAllText(Path.Combine(dir, "plugins", "Junk.dll"), "junk"); });
        await node.WaitForLineAsync(@"\[Router\s+\d+\] Router 'worker001': plugin file " + Regex.Escape(Path.Combine(node.NodeDir, "plugins", "Junk.dll"))
            + @" is ignored: not a \.NET assembly");
        await node.WaitForLineAsync(@"Router 'worker001': component 'component001' \(timeservice\.TimeService\) started");
    }
}
