using System.Diagnostics.Metrics;
using PluginHost.Tests.Router;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Metrics;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Metrics;

/// <summary>The outbound queue gauges, read with a plain MeterListener at "scrape" time (RecordObservableInstruments).</summary>
public sealed class OutboundQueueMetricTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static (long Messages, long Bytes) Observe(string realm)
    {
        long messages = 0, bytes = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RouterMetrics.MeterName && instrument.Name.StartsWith("pluginhost.router.outbound.", StringComparison.Ordinal))
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key != RouterMetrics.RealmTag || (string?)tag.Value != realm) continue;
                if (instrument.Name == "pluginhost.router.outbound.queued") messages += value;
                else bytes += value;
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return (messages, bytes);
    }

    [Fact]
    public async Task Events_waiting_for_a_subscriber_that_does_not_read_show_on_its_realm_and_go_when_it_goes()
    {
        string realmName = "metrics.queue" + Guid.NewGuid().ToString("N")[..8];
        await using var router = new WampRouter(new RouterOptions { SlowConsumerTimeout = TimeSpan.FromMinutes(5) });
        router.AddRealm(new RealmConfig { Name = realmName });
        var stuck = new NarrowPipe(); // subscribes, then never reads again
        var served = router.ServeAsync(stuck);
        stuck.Deliver(new HelloMessage(realmName, HelloDetails()));
        Assert.IsType<WelcomeMessage>(await stuck.ReadAsync().WaitAsync(Patience));
        stuck.Deliver(new SubscribeMessage(1, Dict(), "t"));
        Assert.IsType<SubscribedMessage>(await stuck.ReadAsync().WaitAsync(Patience));
        // (Not asserted zero here: the writer subtracts SUBSCRIBED from its counts only after handing it over, which may
        // be just after the pipe gave it to us.)

        await using var publisher = await WampTestClient.JoinAsync(router, realmName);
        const int events = 100;
        for (long i = 0; i < events; i++) await publisher.SendAsync(new PublishMessage(publisher.NextRequestId(), Dict(), "t", [i]));
        await publisher.AssertNothingPendingAsync(); // a round trip through the realm loop: every PUBLISH has been routed

        // The narrow pipe holds one message and the writer one batch in flight: the rest waits in the queue
        // (SUBSCRIBED may still be counted, see above).
        var (messages, bytes) = Observe(realmName);
        Assert.InRange(messages, events - 2, events + 1);
        Assert.True(bytes >= messages, $"{bytes} bytes for {messages} messages");

        await stuck.DisposeAsync();
        await served.WaitAsync(Patience);
        Assert.Equal((0, 0), Observe(realmName));
    }
}
