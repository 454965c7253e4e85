using PluginHost.Node.Config;
using static PluginHost.Tests.Node.ConfigTestData;

namespace PluginHost.Tests.Components;

/// <summary>The component keys the runtime uses: transport, reconnect backoff, extra, hot_reload; errors name the JSON path.</summary>
public sealed class ComponentConfigTests
{
    private static string Container(string component) => $$"""{"version": 2, "workers": [{"type": "container", "components": [{{component}}]}]}""";

    private static ComponentConfig FirstComponent(NodeConfig config)
        => Assert.Single(Assert.IsType<ContainerWorkerConfig>(config.Workers[0]).Components);

    [Fact]
    public void WebSocketTransportWithBackoffExtraAndHotReload()
    {
        var c = FirstComponent(Parse(Container("""
            {"type": "class", "classname": "timeservice.TimeService", "realm": "realm1", "hot_reload": false,
             "extra": {"step_ms": 5, "names": ["a", "b"]},
             "transport": {"type": "websocket", "url": "ws://127.0.0.1:8080/ws", "serializers": ["msgpack", "json"],
                           "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": 8080},
                           "initial_retry_delay": 0.25, "max_retry_delay": 4, "retry_delay_growth": 2,
                           "retry_delay_jitter": 0.1, "max_retries": 10}}
            """)));
        Assert.Equal("websocket", c.Transport!.Type);
        Assert.Equal("ws://127.0.0.1:8080/ws", c.Transport.Url);
        Assert.Equal(["msgpack", "json"], c.Transport.Serializers);
        Assert.Equal(TimeSpan.FromMilliseconds(250), c.Reconnect.InitialDelay);
        Assert.Equal(TimeSpan.FromSeconds(4), c.Reconnect.MaxDelay);
        Assert.Equal(2, c.Reconnect.Growth);
        Assert.True(c.Reconnect.Jitter);
        Assert.Equal(10, c.Reconnect.MaxRetries);
        Assert.False(c.HotReload);
        Assert.Equal(5, c.Extra!.Value.GetProperty("step_ms").GetInt32());
    }

    [Fact]
    public void RawSocketTransportTakesHostPortAndSerializer()
    {
        var c = FirstComponent(Parse(Container("""
            {"type": "class", "classname": "a.B", "realm": "realm1",
             "transport": {"type": "rawsocket", "serializer": "cbor", "endpoint": {"type": "tcp", "host": "localhost", "port": 9000}}}
            """)));
        Assert.Equal(("rawsocket", "localhost", 9000, "cbor"), (c.Transport!.Type, c.Transport.Host, c.Transport.Port, c.Transport.Serializer));
        Assert.Null(c.HotReload);
        Assert.Equal(-1, c.Reconnect.MaxRetries);
    }

    [Theory]
    [InlineData("\"max_retry_delay\": 0.1", "workers[0].components[0].transport.max_retry_delay")]
    [InlineData("\"retry_delay_growth\": \"fast\"", "workers[0].components[0].transport.retry_delay_growth")]
    [InlineData("\"max_retries\": -2", "workers[0].components[0].transport.max_retries")]
    [InlineData("\"url\": \"http://x/ws\"", "workers[0].components[0].transport.url")]
    public void InvalidTransportValuesNameTheirPath(string member, string path)
    {
        var transport = member.StartsWith("\"url\"")
            ? $$"""{"type": "websocket", "endpoint": {"type": "tcp", "port": 1}, {{member}}}"""
            : $$"""{"type": "websocket", "endpoint": {"type": "tcp", "port": 1}, "url": "ws://h:1/ws", "initial_retry_delay": 0.5, {{member}}}""";
        var e = Fail(Container($$"""{"type": "class", "classname": "a.B", "realm": "realm1", "transport": {{transport}}}"""));
        Assert.Equal(path, e.Path);
    }

    [Fact]
    public void RouterComponentAcceptsHotReloadAndExtra()
    {
        var config = Parse(RouterWorker(extra: """, "components": [{"type": "class", "classname": "a.B", "realm": "realm1", "hot_reload": true, "extra": {"k": 1}}]"""));
        var c = Assert.Single(config.FirstRouter().Components);
        Assert.True(c.HotReload);
        Assert.Equal(1, c.Extra!.Value.GetProperty("k").GetInt32());
    }
}
