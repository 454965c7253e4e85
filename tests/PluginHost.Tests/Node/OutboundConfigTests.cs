using PluginHost.Node.Config;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Node.ConfigTestData;

namespace PluginHost.Tests.Node;

/// <summary>The router worker's <c>options.outbound</c>: the per-session slow-consumer limits.</summary>
public class OutboundConfigTests
{
    private static RouterWorkerConfig Router(string options)
        => Assert.IsType<RouterWorkerConfig>(Parse($$"""{"version": 2, "workers": [{"type": "router", "options": {{options}}}]}""").Workers[0]);

    [Fact]
    public void WithoutTheKeyTheRouterKeepsItsDefaults()
    {
        var options = Router("{}").Router;
        Assert.Equal(RouterOptions.DefaultMaxOutboundBytes, options.MaxOutboundBytes);
        Assert.Equal(new RouterOptions().MaxOutboundQueue, options.MaxOutboundQueue);
        Assert.Equal(new RouterOptions().SlowConsumerTimeout, options.SlowConsumerTimeout);
    }

    [Fact]
    public void EachKeyReachesTheRouterOptions()
    {
        var options = Router("""{"outbound": {"max_bytes": 1048576, "max_messages": 1024, "slow_consumer_timeout": 2.5}}""").Router;
        Assert.Equal(1048576, options.MaxOutboundBytes);
        Assert.Equal(1024, options.MaxOutboundQueue);
        Assert.Equal(TimeSpan.FromSeconds(2.5), options.SlowConsumerTimeout);
    }

    [Theory]
    [InlineData("""{"outbound": {"max_bytes": 100}}""", "workers[0].options.outbound.max_bytes")]
    [InlineData("""{"outbound": {"max_messages": "many"}}""", "workers[0].options.outbound.max_messages")]
    [InlineData("""{"outbound": {"slow_consumer_timeout": 0}}""", "workers[0].options.outbound.slow_consumer_timeout")]
    [InlineData("""{"outbound": {"max_queue": 10}}""", "workers[0].options.outbound.max_queue")]
    public void BadValuesNameTheirPath(string options, string path)
        => Assert.StartsWith(path + ":", Fail($$"""{"version": 2, "workers": [{"type": "router", "options": {{options}}}]}""").Message);

    [Fact]
    public void ContainersHaveNoOutboundOption()
        => Assert.StartsWith("workers[0].options.outbound:", Fail("""{"version": 2, "workers": [{"type": "container", "options": {"outbound": {}}}]}""").Message);
}
