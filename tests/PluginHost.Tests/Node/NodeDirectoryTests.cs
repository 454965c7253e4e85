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
    public void YamlIsFoundButRefusedClearly()
    {
        var yaml = Path.Combine(_cwd.FullName, "config.yaml");
        File.WriteAllText(yaml, "version: 2\n");
        Assert.Equal(yaml, NodeDirectory.ResolveConfigFile(_cwd.FullName, null));
        var e = Assert.Throws<PluginHost.Node.Config.ConfigException>(() => PluginHost.Node.Config.ConfigLoader.LoadFile(yaml, _cwd.FullName));
        Assert.Contains("YAML configuration files are not supported yet", e.Message);
    }
}
