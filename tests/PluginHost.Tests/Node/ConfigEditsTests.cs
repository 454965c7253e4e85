using PluginHost.Node.Config;

namespace PluginHost.Tests.Node;

/// <summary>
/// ConfigEdits: a component added to a worker at run time (the management API) is checked as part of the whole
/// configuration, so each refusal names its JSON path and a refused change leaves the configuration as it was.
/// </summary>
public class ConfigEditsTests
{
    private static readonly string Dir = Path.GetTempPath();

    private static NodeConfig Config() => ConfigLoader.Parse("""
        {"version": 2, "workers": [
          {"type": "router", "realms": [{"name": "realm1", "roles": []}], "transports": []},
          {"type": "container", "components": [{"type": "class", "id": "clock", "classname": "timeservice.TimeService", "realm": "realm1",
             "transport": {"type": "websocket", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": 8080}, "url": "ws://127.0.0.1:8080/ws"}}]},
          {"type": "guest", "executable": "/bin/true"}]}
        """, Dir, _ => null);

    [Fact]
    public void AComponentIsAppendedToItsWorkersSectionAndTheResultIsValidated()
    {
        var changed = ConfigEdits.AddComponent(Config(), "worker001", "ticker", """{"type": "class", "classname": "ticker.Ticker", "realm": "realm1"}""", Dir);
        var router = Assert.IsType<RouterWorkerConfig>(changed.Workers[0]);
        Assert.Equal(("ticker", "ticker.Ticker", "realm1"), (router.Components[0].Id, router.Components[0].Classname, router.Components[0].Realm));
        // The source the workers are started from has it too, and reads back the same.
        var reread = ConfigLoader.Parse(changed.Source, Dir, _ => null);
        Assert.Equal("ticker", Assert.IsType<RouterWorkerConfig>(reread.Workers[0]).Components.Single().Id);
        Assert.Equal(["clock"], Assert.IsType<ContainerWorkerConfig>(reread.Workers[1]).Components.Select(c => c.Id));
    }

    [Theory]
    [InlineData("worker001", "ticker", """{"type": "class", "realm": "realm1"}""", "workers[0].components[0].classname")]
    [InlineData("worker002", "ticker", """{"type": "class", "classname": "ticker.Ticker", "realm": "realm1"}""", "workers[1].components[1].transport")]
    [InlineData("worker002", "clock", """{"type": "class", "classname": "ticker.Ticker", "realm": "realm1"}""", "workers[1].components: worker 'worker002' already has a component with ID 'clock'")]
    [InlineData("worker002", "ticker", """{"id": "other", "type": "class"}""", "is not the component ID 'ticker'")]
    [InlineData("worker002", "ticker", """[1, 2]""", "workers[1].components: a component's configuration must be an object")]
    [InlineData("worker002", "ticker", """{"type": """, "workers[1].components: the component's configuration is not JSON")]
    [InlineData("worker003", "ticker", """{"type": "class"}""", "workers[2]: worker 'worker003' is a guest: it has no components")]
    [InlineData("worker009", "ticker", """{"type": "class"}""", "workers: no worker with ID 'worker009'")]
    public void ARefusedChangeNamesItsPath(string worker, string component, string json, string expected)
    {
        var config = Config();
        var e = Assert.Throws<ConfigException>(() => ConfigEdits.AddComponent(config, worker, component, json, Dir));
        Assert.Contains(expected, e.Report);
        Assert.Equal(Config().Source, config.Source); // unchanged
    }
}
