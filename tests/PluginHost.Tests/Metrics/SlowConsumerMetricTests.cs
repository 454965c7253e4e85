using System.Diagnostics.Metrics;
using PluginHost.Tests.Router;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Metrics;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Metrics;

/// <summary>The slow-consumer counter, read with a plain MeterListener: what the exporter would see, without one.</summary>
public sealed class SlowConsumerMetricTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ASubscriberClosedAsSlowConsumerIsCountedOnItsRealm()
    {
        string realmName = "metrics.slow" + Guid.NewGuid().ToString("N")[..8];
        long closes = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RouterMetrics.MeterName && instrument.Name == "pluginhost.router.slow_consumer.closes") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == RouterMetrics.RealmTag && (string?)tag.Value == realmName) Interlocked.Add(ref closes, value);
        });
        listener.Start();

        await using var router = new WampRouter(new RouterOptions { MaxOutboundQueue = 16, SlowConsumerTimeout = TimeSpan.FromMilliseconds(300) });
        router.AddRealm(new RealmConfig { Name = realmName });
        await using var stuck = new NarrowPipe(); // subscribes, then never reads again
        _ = router.ServeAsync(stuck);
        stuck.Deliver(new HelloMessage(realmName, HelloDetails()));
        Assert.IsType<WelcomeMessage>(await stuck.ReadAsync().WaitAsync(Patience));
        stuck.Deliver(new SubscribeMessage(1, Dict(), "t"));
        Assert.IsType<SubscribedMessage>(await stuck.ReadAsync().WaitAsync(Patience));

        await using var publisher = await WampTestClient.JoinAsync(router, realmName);
        Assert.Equal(0, Interlocked.Read(ref closes));
        for (long i = 0; i < 200; i++) await publisher.SendAsync(new PublishMessage(publisher.NextRequestId(), Dict(), "t", [i]));
        await stuck.Closed.WaitAsync(Patience);

        Assert.Equal(1, Interlocked.Read(ref closes));
    }
}
