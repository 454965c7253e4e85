using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Router;

[Collection(PluginHost.Tests.Support.TimingCollection.Name)]
public sealed class SlowConsumerTests : RouterTestBase
{
    private readonly CapturingLoggerProvider _logs = new();

    // Flow control (Realm.cs): the stuck subscriber becomes congested at 32 queued messages (high-water), which
    // pauses the publisher; it is closed when it stays congested for SlowConsumerTimeout. A short timeout keeps
    // this test quick; the hard limit is covered by the meta-event test below, which flow control does not gate. The
    // limit (64) is above the 50 events published, so this test sees the timeout even on a machine busy enough to blur
    // the publisher's pause (seen with a limit of 8 on a loaded 2-core machine: closed at the limit instead).
    protected override RouterOptions Options => new() { MaxOutboundQueue = 64, SlowConsumerTimeout = TimeSpan.FromMilliseconds(200) };

    protected override ILoggerFactory? LoggerFactory => Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(_logs));

    [Fact]
    public async Task Slow_consumer_is_closed_while_others_keep_working()
    {
        // A subscriber whose transport stops accepting writes.
        var (stuck, serve, welcome) = await StuckSubscriber.StartAsync(Router, "t");

        var good = await JoinAsync();
        var pub = await JoinAsync();
        await good.SubscribeAsync("t");

        // The stuck session is congested after a few events; the publisher's next PUBLISH then waits (its
        // PUBLISHED comes late) until the stuck session has been closed after SlowConsumerTimeout.
        for (int i = 0; i < 50; i++)
        {
            await pub.PublishAckAsync("t", args: [(long)i]);
            Assert.Equal((long)i, (await good.ExpectAsync<EventMessage>()).Arguments![0]);
        }
        await stuck.Closed.WaitAsync(ReceiveTimeout);
        await serve.WaitAsync(ReceiveTimeout);
        var warning = Assert.Single(_logs.Entries, e => e.Level == LogLevel.Warning && e.Text.Contains("Slow consumer"));
        Assert.Contains(welcome.Session.ToString(), warning.Text);
        Assert.Contains((string)welcome.Details["authid"]!, warning.Text);
        Assert.Contains("stayed congested", warning.Text);

        // The realm keeps routing for everyone else.
        await pub.PublishAckAsync("t", args: ["after"]);
        Assert.Equal("after", (await good.ExpectAsync<EventMessage>()).Arguments![0]);
        var count = await pub.CallResultAsync("wamp.session.count");
        Assert.Equal(2L, count.Arguments![0]);
    }
}

/// <summary>The hard limit (MaxOutboundQueue) still closes at once; a long SlowConsumerTimeout shows it is not the timeout.</summary>
public sealed class HardLimitTests : RouterTestBase
{
    private readonly CapturingLoggerProvider _logs = new();

    protected override RouterOptions Options => new() { MaxOutboundQueue = 8, SlowConsumerTimeout = TimeSpan.FromMinutes(10) };

    protected override ILoggerFactory? LoggerFactory => Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(_logs));

    [Fact]
    public async Task Hard_limit_closes_at_once_for_traffic_flow_control_does_not_gate()
    {
        // Meta events come from the router, not from a gated PUBLISH: a subscriber to wamp.session.on_join that
        // stops reading overflows its queue (8) when 20 sessions join, and is closed at once, long before the
        // SlowConsumerTimeout (10 min): joins are never gated.
        var (stuck, serve, welcome) = await StuckSubscriber.StartAsync(Router, "wamp.session.on_join");

        for (int i = 0; i < 20; i++) await JoinAsync();
        await stuck.Closed.WaitAsync(ReceiveTimeout);
        await serve.WaitAsync(ReceiveTimeout);
        var warning = Assert.Single(_logs.Entries, e => e.Level == LogLevel.Warning && e.Text.Contains("Slow consumer"));
        Assert.Contains(welcome.Session.ToString(), warning.Text);
        Assert.Contains("messages queued (limit 8)", warning.Text);
    }
}

/// <summary>A session that joins, subscribes to a topic and then stops accepting writes.</summary>
internal static class StuckSubscriber
{
    public static async Task<(ScriptedConnection Connection, Task Serve, WelcomeMessage Welcome)> StartAsync(WampRouter router, string topic)
    {
        var stuck = new ScriptedConnection();
        var serve = router.ServeAsync(stuck);
        stuck.Deliver(new HelloMessage("realm1", HelloDetails()));
        var welcome = Assert.IsType<WelcomeMessage>(await stuck.NextSentAsync());
        stuck.Deliver(new SubscribeMessage(1, Dict(), topic));
        Assert.IsType<SubscribedMessage>(await stuck.NextSentAsync());
        stuck.StallSends();
        return (stuck, serve, welcome);
    }
}

internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string Text)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose() { }

    private sealed class Logger(CapturingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => owner.Entries.Enqueue((logLevel, formatter(state, exception)));
    }
}
