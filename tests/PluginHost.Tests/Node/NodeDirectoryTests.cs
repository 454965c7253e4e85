using PluginHost.Node;

namespace PluginHost.Tests.Node;

public sealed class NodeDirectoryTests : IDisposable
{
    private readonly DirectoryInfo _cwd = Directory.CreateTempSubdirectory("pluginhost-cbdir-");

    public void Dispose() => _cwd.Delete(recursive: true);

    private static Func<string, string?> Env(string? crossbarDir = null) => name => name == "CROSSBAR_DIR" ? crossbarDir : null;

    [Fact]
    public void CbdirOptionWinsAndIsMadeAbsolute()
        => Assert.Equal(Path.Combine(_cwd.FullName, "mine"), NodeDirectory.Resolve("mine", Env("/from/env"), _cwd.FullName));

    [Fact]
    public void EnvironmentComesSecond()
        => Assert.Equal("/from/env", NodeDirectory.Resolve(null, Env("/from/env"), _cwd.FullName));

    [Fact]
    public void DotCrossbarIsUsedWhenPresent()
    {
        _cwd.CreateSubdirectory(".crossbar");
        Assert.Equal(Path.Combine(_cwd.FullName, ".crossbar"), NodeDirectory.Resolve(null, Env(), _cwd.FullName));
    }

    [Fact]
    public void CurrentDirectoryIsTheLastResort()
        => Assert.Equal(_cwd.FullName, NodeDirectory.Resolve(null, Env(), _cwd.FullName));

    [Fact]
    public void AFilePathMeansItsDirectory()
    {
        File.WriteAllText(Path.Combine(_cwd.FullName, "config.json"), "{}");
        Assert.Equal(_cwd.FullName, NodeDirectory.Resolve("config.json", Env(), _cwd.FullName));
    }

    [Fact]
    public void ConfigFileResolution()
    {
        Assert.Null(NodeDirectory.ResolveConfigFile(_cwd.FullName, null));
        File.WriteAllText(Path.Combine(_cwd.FullName, "config.json"), "{}");
        Assert.Equal(Path.Combine(_cwd.FullName, "config.json"), NodeDirectory.ResolveConfigFile(_cwd.FullName, null));
        // --config is relative to the node directory, not the current directory.
        File.WriteAllText(Path.Combine(_cwd.FullName, "other.json"), "{}");
        Assert.Equal(Path.Combine(_cwd.FullName, "other.json"), NodeDirectory.ResolveConfigFile(_cwd.FullName, "other.json"));
        Assert.Throws<FileNotFoundException>(() => NodeDirectory.ResolveConfigFile(_cwd.FullName, "missing.json"));
    }

    [Fact]
    public void YamlIsFoundAndValidatedLikeJson()
    {
        var yaml = Path.Combine(_cwd.FullName, "config.yaml");
        File.WriteAllText(yaml, """
            version: 2
            workers:
              - type: router
                options: {restart_backoff: {initial_delay: 0.5}}
                realms:
                  - name: realm1
                transports:
                  - type: websocket
                    endpoint: {type: tcp, port: 8080}
            """);
        Assert.Equal(yaml, NodeDirectory.ResolveConfigFile(_cwd.FullName, null));
        var config = PluginHost.Node.Config.ConfigLoader.LoadFile(yaml, _cwd.FullName);
        var router = Assert.IsType<PluginHost.Node.Config.RouterWorkerConfig>(Assert.Single(config.Workers));
        Assert.Equal(8080, router.Transports[0].Endpoint.Port);
        Assert.Equal(TimeSpan.FromSeconds(0.5), router.RestartBackoff.InitialDelay);

        // A quoted number is a string, as in JSON: the error names the same path.
        File.WriteAllText(yaml, "version: 2\nworkers:\n  - type: router\n    transports:\n      - type: websocket\n        endpoint: {type: tcp, port: '80a'}\n");
        var e = Assert.Throws<PluginHost.Node.Config.ConfigException>(() => PluginHost.Node.Config.ConfigLoader.LoadFile(yaml, _cwd.FullName));
        Assert.Equal("workers[0].transports[0].endpoint.port: expected an integer, got \"80a\"", e.Message);
    }
}
