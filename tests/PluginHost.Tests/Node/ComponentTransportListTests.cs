using PluginHost.Node.Config;
using static PluginHost.Tests.Node.ConfigTestData;

namespace PluginHost.Tests.Node;

/// <summary>A container component's <c>transport</c> may be a list of routers (as Autobahn's Component takes).</summary>
public class ComponentTransportListTests
{
    private static string Container(string transport) => $$"""
        {"version": 2, "workers": [{"type": "container", "components": [
          {"type": "class", "classname": "a.B", "realm": "realm1", "transport": {{transport}}}]}]}
        """;

    private const string WsA = """{"type": "websocket", "url": "ws://127.0.0.1:8080/ws", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": 8080}, "max_retries": 7}""";
    private const string RsB = """{"type": "rawsocket", "serializer": "msgpack", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": 8081}}""";

    [Fact]
    public void A_list_names_every_router_in_order_and_the_first_ones_backoff_applies()
    {
        var component = Assert.IsType<ContainerWorkerConfig>(Parse(Container($"[{WsA}, {RsB}]")).Workers[0]).Components[0];
        Assert.Equal(["websocket", "rawsocket"], component.Transports.Select(t => t.Type));
        Assert.Equal(8081, component.Transports[1].Port);
        Assert.Equal("msgpack", component.Transports[1].Serializer);
        Assert.Same(component.Transports[0], component.Transport);
        Assert.Equal("ws://127.0.0.1:8080/ws", component.TransportUrl);
        Assert.Equal(7, component.Reconnect.MaxRetries);
    }

    [Fact]
    public void A_single_transport_is_a_list_of_one()
    {
        var component = Assert.IsType<ContainerWorkerConfig>(Parse(Container(WsA)).Workers[0]).Components[0];
        Assert.Single(component.Transports);
    }

    [Fact]
    public void An_error_in_the_second_router_names_its_index()
    {
        const string badPort = """{"type": "rawsocket", "serializer": "json", "endpoint": {"type": "tcp", "port": "80a"}}""";
        var e = Fail(Container($"[{WsA}, {badPort}]"));
        Assert.Equal("workers[0].components[0].transport[1].endpoint.port: expected an integer, got \"80a\"", e.Message);
    }

    [Fact]
    public void An_empty_list_is_refused()
    {
        var e = Fail(Container("[]"));
        Assert.Equal("workers[0].components[0].transport", e.Path);
        Assert.Contains("at least one transport", e.Message);
    }
}
