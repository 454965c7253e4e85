using PluginHost.Cli;
using PluginHost.Tests.Components;

namespace PluginHost.Tests.Controller;

/// <summary><c>check</c>, run in-process: what a newcomer learns before starting — URLs, components and their registrations.</summary>
public sealed class CheckCommandTests : IDisposable
{
    private readonly NodeLayout _layout = new("Outlines");

    public void Dispose() => _layout.Dispose();

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var code = await CliApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private void WriteConfig(string components)
        => File.WriteAllText(Path.Combine(_layout.NodeDir, "config.json"), $$$"""
            {"version": 2, "workers": [{"type": "router",
              "realms": [{"name": "realm1", "roles": [{"name": "anonymous", "permissions": [
                {"uri": "", "match": "prefix", "allow": {"call": true, "register": true, "publish": true, "subscribe": true}}]}]}],
              "transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 9123}}],
              "components": [{{{components}}}]}]}
            """);

    [Fact]
    public async Task InitThenCheckShowsWhereToConnectAndWhatTheTimeServiceRegisters()
    {
        var app = Path.Combine(_layout.Root, "app");
        Assert.Equal(0, (await Run("init", "--appdir", app)).Code);

        var (code, output, err) = await Run("check", "--cbdir", Path.Combine(app, ".crossbar"));

        Assert.True(code == 0, err);
        Assert.Contains("http://localhost:8080/  static", output);
        Assert.Contains("ws://localhost:8080/ws  websocket", output);
        Assert.Contains("rs://localhost:8081  rawsocket", output);
        Assert.Contains("http://localhost:8080/metrics  metrics (Prometheus text format)", output);
        Assert.Matches(@"component 'component001' \(timeservice.TimeService\) on realm 'realm1' via ws://127.0.0.1:8080/ws\n"
            + @"    class from .*/plugins/TimeService/TimeService.dll\n"
            + @"    registers \(in code\) com.timeservice.now\n", output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task CheckListsWhatTheInitAppWouldDiscoverInPlugins()
    {
        var app = Path.Combine(_layout.Root, "app");
        Assert.Equal(0, (await Run("init", "--appdir", app)).Code);
        var plugins = Path.Combine(app, "plugins");
        Assert.Contains("no component classes there yet", (await Run("check", "--cbdir", Path.Combine(app, ".crossbar"))).Out);
        foreach (var (plugin, name) in new[] { ("DropInV1", "Greeter"), ("TimeService", "TimeService") })
        {
            Directory.CreateDirectory(Path.Combine(plugins, name));
            foreach (var file in Directory.GetFiles(Path.Combine(NodeLayout.BuiltPlugins, plugin)))
                File.Copy(file, Path.Combine(plugins, name, Path.GetFileName(file)));
        }
        File.WriteAllText(Path.Combine(plugins, "X.dll"), "text");

        var (code, output, err) = await Run("check", "--cbdir", Path.Combine(app, ".crossbar"));

        Assert.True(code == 0, err);
        output = output.ReplaceLineEndings("\n");
        Assert.Contains($"  discovers components in {plugins} (realm 'realm1', via ws://127.0.0.1:8080/ws)\n", output);
        Assert.Contains($"    ! {Path.Combine(plugins, "X.dll")} is ignored: not a .NET assembly", output);
        Assert.Contains($"  component 'greeter' (dropin.Greeter) discovered, on realm 'realm1'\n    class from {Path.Combine(plugins, "Greeter", "DropIn.dll")}\n", output);
        Assert.Contains("    procedure test.dropin.version -> Version()", output);
        Assert.Contains("  component 'dropin.Plain' (dropin.Plain) discovered, on realm 'realm1'", output);
        Assert.Contains($"    class 'timeservice.TimeService' in {Path.Combine(plugins, "TimeService", "TimeService.dll")}: configured as component 'component001', left to that entry", output);
        Assert.DoesNotContain("AbstractBase", output);
    }

    [Fact]
    public async Task TheRealmStoreAndCookieTrackingAreListed()
    {
        File.WriteAllText(Path.Combine(_layout.NodeDir, "config.json"), """
            {"version": 2, "workers": [{"type": "router",
              "realms": [{"name": "realm1", "roles": [{"name": "user"}],
                          "store": {"type": "sqlite", "path": "data/realm1.sqlite", "event-history": [{"uri": "com.a", "limit": 5}]}}],
              "transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 9125}, "cookie": {"max_age": 60},
                              "auth": {"cookie": {}, "ticket": {"principals": {"joe": {"ticket": "s", "role": "user"}}},
                                       "scram": {"type": "static", "principals": {"alice": {"kdf": "pbkdf2", "iterations": 1000, "salt": "ff8d9819fc0e12bf0d24892e45987e24", "stored-key": "a7f4f4b9458b859252ba0a0b0c10cdf24b68d6ab257704b65049cfa92e9428a1", "server-key": "dd13f08d5bd56df06d8306d18fbb576296e0595910fc7afc2aaaa28138448d0a", "role": "user"}}}}}]}]}
            """);

        var (code, output, err) = await Run("check", "--cbdir", _layout.NodeDir);

        Assert.True(code == 0, err);
        Assert.Contains($"store: sqlite {Path.Combine(_layout.NodeDir, "data", "realm1.sqlite")} (history and retained events persist); event history: exact 'com.a' (limit 5)", output);
        Assert.Contains("auth: ticket (1 principal), scram (1 principal), cookie", output);
        Assert.Contains("cookie tracking: 'cbtid', max_age 60 s, store memory", output);
    }

    [Fact]
    public async Task HttpBridgeUrlsAreListed()
    {
        File.WriteAllText(Path.Combine(_layout.NodeDir, "config.json"), """
            {"version": 2, "workers": [{"type": "router",
              "realms": [{"name": "realm1", "roles": [{"name": "backend"}]}],
              "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 9124}, "paths": {
                "publish": {"type": "publisher", "realm": "realm1", "role": "backend", "options": {"key": "k", "secret": "s", "require_ip": ["10.0.0.0/8"]}},
                "api": {"type": "path", "paths": {"call": {"type": "caller", "realm": "realm1", "role": "backend", "options": {"post_body_limit": 4096}}}},
                "hook": {"type": "webhook", "realm": "realm1", "role": "backend", "options": {"topic": "com.example.hook"}}}}]}]}
            """);

        var (code, output, err) = await Run("check", "--cbdir", _layout.NodeDir);

        Assert.True(code == 0, err);
        Assert.Contains("http://localhost:9124/publish  http bridge publisher (realm1, role backend, signed, ip 10.0.0.0/8)", output);
        Assert.Contains("http://localhost:9124/api/call  http bridge caller (realm1, role backend, body <= 4096 bytes)", output);
        Assert.Contains("http://localhost:9124/hook  http bridge webhook (realm1, role backend, topic com.example.hook)", output);
    }

    [Fact]
    public async Task StaticSymlinkPoliciesAreShownWhenNotTheDefault()
    {
        Directory.CreateDirectory(Path.Combine(_layout.NodeDir, "web"));
        Directory.CreateDirectory(Path.Combine(_layout.NodeDir, "shared"));
        File.WriteAllText(Path.Combine(_layout.NodeDir, "config.json"), """
            {"version": 2, "workers": [{"type": "router",
              "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 9125}, "paths": {
                "/": {"type": "static", "directory": "web"},
                "a": {"type": "static", "directory": "web", "options": {"follow_symlinks": "anywhere"}},
                "n": {"type": "static", "directory": "web", "options": {"follow_symlinks": "never"}},
                "s": {"type": "static", "directory": "web", "options": {"follow_symlinks": ["shared", "missing"]}}}}]}]}
            """);

        var (code, output, err) = await Run("check", "--cbdir", _layout.NodeDir);

        Assert.True(code == 0, err);
        var web = Path.Combine(_layout.NodeDir, "web");
        Assert.Contains($"http://localhost:9125/  static {web}\n", output.ReplaceLineEndings("\n"));
        Assert.Contains($"http://localhost:9125/a  static {web} (follows symlinks anywhere)", output);
        Assert.Contains($"http://localhost:9125/n  static {web} (serves no symlinks)", output);
        Assert.Contains($"http://localhost:9125/s  static {web} (symlinks may also lead into {Path.Combine(_layout.NodeDir, "shared")})", output);
        // A listed directory that does not exist admits nothing: a warning naming its JSON path, not an error.
        Assert.Contains("paths.s.options.follow_symlinks[1]: directory not found", output + err);
    }

    [Fact]
    public async Task DeclaredAndImperativeRegistrationsAreListedPerComponent()
    {
        WriteConfig("""
            {"id": "declared", "type": "class", "realm": "realm1", "classname": "outlines.Declared"},
            {"id": "imperative", "type": "class", "realm": "realm1", "classname": "outlines.Imperative"}
            """);

        var (code, output, err) = await Run("check", "--cbdir", _layout.NodeDir);

        Assert.True(code == 0, err);
        Assert.Equal("", err);
        var text = output.ReplaceLineEndings("\n");
        Assert.Contains("""
              component 'declared' (outlines.Declared) on realm 'realm1', role 'anonymous'
            """.ReplaceLineEndings("\n"), text);
        Assert.Contains("""
                procedure com.outlines.add -> Add()
                procedure com.outlines. (prefix match) -> Sum()
                procedure com.outlines.sum -> Sum()
                procedure com.outlines.base -> FromBase()
                topic com.outlines.tick -> OnTick()

            """.ReplaceLineEndings("\n"), text);
        Assert.Contains("""
                registers (in code) com.outlines.method, com.outlines.lambda, com.outlines.const
                registers (in code) 2 procedure(s) named at run time; the startup log lists them
                subscribes to (in code) com.outlines.topic
                publishes to (in code) com.outlines.joined
                calls (in code) com.outlines.name

            """.ReplaceLineEndings("\n"), text);
        Assert.DoesNotContain("hidden", text);
    }

    [Fact]
    public async Task AComponentClassThatIsNotFoundIsAWarningNamingSimilarClasses()
    {
        WriteConfig("""{"id": "typo", "type": "class", "realm": "realm1", "classname": "outlines.Declard"}""");

        var (code, output, err) = await Run("check", "--cbdir", _layout.NodeDir);

        // The configuration itself is valid, and at start the rest of the node would run: exit 0, with a warning.
        Assert.Equal(0, code);
        Assert.Contains("    ! class 'outlines.Declard' not found", output);
        Assert.Contains("warning: component 'typo': class 'outlines.Declard' not found", err);
        Assert.Contains("similar classes: outlines.Declared", err);
    }

    [Fact]
    public async Task AClassThatIsNotAComponentIsAWarning()
    {
        WriteConfig("""{"id": "plain", "type": "class", "realm": "realm1", "classname": "outlines.NotAComponent"}""");

        var (code, output, err) = await Run("check", "--cbdir", _layout.NodeDir);

        Assert.Equal(0, code);
        Assert.Contains("    ! class 'outlines.NotAComponent' is not a component: it must derive from PluginHost.Abstractions.WampComponent", output);
        Assert.Contains("warning: component 'plain': class 'outlines.NotAComponent' is not a component", err);
    }

    [Fact]
    public async Task TransportAuthAndDynamicAuthorizersAreShown()
    {
        File.WriteAllText(Path.Combine(_layout.NodeDir, "config.json"), """
            {"version": 2, "workers": [{"type": "router",
              "realms": [{"name": "realm1", "roles": [{"name": "user", "authorizer": "com.example.authorize"}]}],
              "transports": [{"type": "rawsocket", "endpoint": {"type": "tcp", "port": 9125},
                              "auth": {"ticket": {"type": "dynamic", "authenticator": "com.example.authenticate"},
                                       "wampcra": {"type": "static", "users": {"a": {"secret": "s", "role": "user"}, "b": {"secret": "t", "role": "user"}}}}}]}]}
            """);

        var (code, output, err) = await Run("check", "--cbdir", _layout.NodeDir);

        Assert.True(code == 0, err);
        Assert.Contains("role 'user': each action decided by com.example.authorize (dynamic authorizer)", output);
        Assert.Contains("max message 16777216 bytes; auth: wampcra (2 users), ticket (dynamic: com.example.authenticate)", output);
    }
}
