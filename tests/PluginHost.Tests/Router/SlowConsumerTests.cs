using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Router;

public sealed class SlowConsumerTests : RouterTestBase
{
    private readonly CapturingLoggerProvider _logs = new();

    protected override RouterOptions Options => new() { MaxOutboundQueue = 8 };

    protected override ILoggerFactory? LoggerFactory => Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(_logs));

    [Fact]
    public async Task Slow_consumer_is_closed_while_others_keep_working()
    {
        // A subscriber whose transport stops accepting writes.
        var stuck = new ScriptedConnection();
        var serve = Router.ServeAsync(stuck);
        stuck.Deliver(new HelloMessage("realm1", HelloDetails()));
        var welcome = Assert.IsType<WelcomeMessage>(await stuck.NextSentAsync());
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
        var warning = Assert.Single(_logs.Entries, e => e.Level == LogLevel.Warning && e.Text.Contains("Slow consumer"));
        Assert.Contains(welcome.Session.ToString(), warning.Text);
        Assert.Contains((string)welcome.Details["authid"]!, warning.Text);

        // The realm keeps routing for everyone else.
        await pub.PublishAckAsync("t", args: ["after"]);
        Assert.Equal("after", (await good.ExpectAsync<EventMessage>()).Arguments![0]);
        var count = await pub.CallResultAsync("wamp.session.count");
        Assert.Equal(2L, count.Arguments![0]);
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
