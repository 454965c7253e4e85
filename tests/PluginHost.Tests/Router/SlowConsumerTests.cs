using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Router;

public sealed class SlowConsumerTests : RouterTestBase
{
    protected override RouterOptions Options => new() { MaxOutboundQueue = 8 };

    [Fact]
    public async Task Slow_consumer_is_closed_while_others_keep_working()
    {
        // A subscriber whose transport stops accepting writes.
        var stuck = new ScriptedConnection();
        var serve = Router.ServeAsync(stuck);
        stuck.Deliver(new HelloMessage("realm1", HelloDetails()));
        Assert.IsType<WelcomeMessage>(await stuck.NextSentAsync());
        stuck.Deliver(new SubscribeMessage(1, Dict(), "t"));
        Assert.IsType<SubscribedMessage>(await stuck.NextSentAsync());
        stuck.StallSends();

        var good = await JoinAsync();
        var pub = await JoinAsync();
        await good.SubscribeAsync("t");

        // 8 queued + 1 in the stalled writer's batch: the stuck session overflows well before 50 events.
        for (int i = 0; i < 50; i++)
        {
            await pub.PublishAckAsync("t", args: [(long)i]);
            Assert.Equal((long)i, (await good.ExpectAsync<EventMessage>()).Arguments![0]);
        }
        await stuck.Closed.WaitAsync(ReceiveTimeout);
        await serve.WaitAsync(ReceiveTimeout);

        // The realm keeps routing for everyone else.
        await pub.PublishAckAsync("t", args: ["after"]);
        Assert.Equal("after", (await good.ExpectAsync<EventMessage>()).Arguments![0]);
        var count = await pub.CallResultAsync("wamp.session.count");
        Assert.Equal(2L, count.Arguments![0]);
    }
}
