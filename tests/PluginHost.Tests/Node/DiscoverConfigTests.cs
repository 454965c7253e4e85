using PluginHost.Node.Config;
using static PluginHost.Tests.Node.ConfigTestData;

namespace PluginHost.Tests.Node;

/// <summary><c>options.discover</c> on router and container workers: parsed values and errors naming their JSON path.</summary>
public sealed class DiscoverConfigTests : IDisposable
{
    private readonly string _nodeDir = Directory.CreateTempSubdirectory("pluginhost-discover-config-").FullName;

    public DiscoverConfigTests() => Directory.CreateDirectory(Path.Combine(_nodeDir, "plugins"));

    public void Dispose() => Directory.Delete(_nodeDir, recursive: true);

    private const string Transport = """{"type": "websocket", "url": "ws://127.0.0.1:8080/ws", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": 8080}, "max_retries": 5}""";

    private static string Container(string discover) => $$$"""{"version": 2, "workers": [{"type": "container", "options": {"discover": {{{discover}}}}}]}""";

    private static string Router(string discover) => $$$"""{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}], "options": {"discover": {{{discover}}}}}]}""";

    [Fact]
    public void ContainerDiscoverIsParsed()
    {
        var config = Parse(Container($$"""{"directory": "plugins", "realm": "realm1", "transport": {{Transport}}, "exclude": ["acme.*Test", "x.Y"], "hot_reload": false}"""),
            nodeDir: _nodeDir);
        var discover = Assert.IsType<ContainerWorkerConfig>(config.Workers[0]).Discover!;
        Assert.Equal(Path.Combine(_nodeDir, "plugins"), discover.Directory);
        Assert.Equal("realm1", discover.Realm);
        Assert.Equal("ws://127.0.0.1:8080/ws", discover.TransportUrl);
        Assert.Equal(5, discover.Reconnect.MaxRetries);
        Assert.False(discover.HotReload);
        Assert.True(discover.Excludes("acme.ClockTest"));
        Assert.True(discover.Excludes("x.Y"));
        Assert.False(discover.Excludes("x.YZ"));
        Assert.False(discover.Excludes("acme.Clock"));
    }

    [Fact]
    public void RouterDiscoverDefaultsToRoleAnonymousAndTheClassesRealms()
    {
        var discover = Parse(Router("""{"directory": "plugins"}"""), nodeDir: _nodeDir).FirstRouter().Discover!;
        Assert.Null(discover.Realm);
        Assert.Equal("anonymous", discover.Role);
        Assert.True(discover.HotReload);
        Assert.Null(Parse(RouterWorker(), nodeDir: _nodeDir).FirstRouter().Discover);
    }

    [Fact]
    public void RouterDiscoverRealmMustBeDefinedOnTheRouter()
        => Assert.Equal("workers[0].options.discover.realm: realm 'realm9' is not defined on this router",
            Fail(Router("""{"directory": "plugins", "realm": "realm9"}"""), nodeDir: _nodeDir).Message);

    [Fact]
    public void TheDirectoryNeedNotExistYetButMustNotBeAFile()
    {
        Assert.Equal(Path.Combine(_nodeDir, "later"), Parse(Router("""{"directory": "later"}"""), nodeDir: _nodeDir).FirstRouter().Discover!.Directory);
        File.WriteAllText(Path.Combine(_nodeDir, "file"), "");
        Assert.Equal($"workers[0].options.discover.directory: expected a folder, got the file {Path.Combine(_nodeDir, "file")}",
            Fail(Router("""{"directory": "file"}"""), nodeDir: _nodeDir).Message);
    }

    [Fact]
    public void ContainerDiscoverNeedsATransport()
        => Assert.Equal("workers[0].options.discover.transport: missing required key",
            Fail(Container("""{"directory": "plugins", "realm": "realm1"}"""), nodeDir: _nodeDir).Message);

    [Fact]
    public void TransportErrorsNameTheirPathInsideDiscover()
        => Assert.Equal("workers[0].options.discover.transport.url: expected a ws:// or wss:// URL",
            Fail(Container("""{"directory": "plugins", "transport": {"type": "websocket", "url": "http://x/", "endpoint": {"type": "tcp", "port": 1}}}"""), nodeDir: _nodeDir).Message);

    [Fact]
    public void UnknownKeysAndRouterOnlyKeysAreErrors()
    {
        Assert.StartsWith("workers[0].options.discover.role: unknown key",
            Fail(Container($$"""{"directory": "plugins", "role": "x", "transport": {{Transport}}}"""), nodeDir: _nodeDir).Message);
        Assert.StartsWith("workers[0].options.discover.transport: unknown key",
            Fail(Router("""{"directory": "plugins", "transport": {}}"""), nodeDir: _nodeDir).Message);
        Assert.Equal("workers[0].options.discover.exclude[1]: expected a class name pattern, got an empty string",
            Fail(Router("""{"directory": "plugins", "exclude": ["a", ""]}"""), nodeDir: _nodeDir).Message);
    }
}
