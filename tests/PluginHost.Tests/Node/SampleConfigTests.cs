using PluginHost.Node.Config;
using PluginHost.Listeners;
using PluginHost.Wamp.Router;

namespace PluginHost.Tests.Node;

/// <summary>The configs shipped in config/ must stay valid: the README starts the default one.</summary>
public class SampleConfigTests
{
    private static string RepoDir(params string[] parts)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PluginHost.sln"))) dir = dir.Parent;
        return Path.Combine([dir?.FullName ?? throw new DirectoryNotFoundException("repository root"), .. parts]);
    }

    private static NodeConfig Load(string cbdir) => ConfigLoader.LoadFile(Path.Combine(cbdir, "config.json"), cbdir);

    [Fact]
    public void DefaultConfig()
    {
        var cbdir = RepoDir("config", "default", ".crossbar");
        var router = Load(cbdir).FirstRouter();
        var realm = Assert.Single(router.Realms).Config;
        Assert.Equal("realm1", realm.Name);
        var permission = Assert.Single(Assert.Single(realm.Roles).Permissions);
        Assert.Equal(("", UriMatch.Prefix), (permission.Uri, permission.Match));
        var web = Assert.IsType<WebTransportConfig>(router.Transports[0]);
        Assert.Equal(8080, web.Endpoint.Port);
        Assert.Equal(RepoDir("config", "default", "web"), Assert.IsType<StaticPathConfig>(web.Paths["/"]).Directory);
        Assert.IsType<WebSocketPathConfig>(web.Paths["ws"]);
        Assert.Equal(8081, Assert.IsType<RawSocketTransportConfig>(router.Transports[1]).Endpoint.Port);
        Assert.True(File.Exists(RepoDir("config", "default", "web", "index.html")));
        var container = Assert.IsType<ContainerWorkerConfig>(Load(cbdir).Workers[1]);
        Assert.Equal("timeservice.TimeService", Assert.Single(container.Components).Classname);
    }

    [Fact]
    public void CrossbarGuideRouterComponentConfig()
    {
        var config = Load(RepoDir("config", "guide-router-component", ".crossbar"));
        Assert.Equal(1, config.Version);
        var router = config.FirstRouter();
        Assert.Equal("worker001", router.Id);
        Assert.Equal("timeservice.TimeService", Assert.Single(router.Components).Classname);
        var permission = Assert.Single(router.Realms[0].Config.Roles[0].Permissions);
        Assert.True(permission.Call && permission.Register && permission.Publish && permission.Subscribe);
        Assert.Equal(RepoDir("config", "guide-router-component"), Assert.IsType<StaticPathConfig>(Assert.IsType<WebTransportConfig>(router.Transports[0]).Paths["/"]).Directory);
    }
}
