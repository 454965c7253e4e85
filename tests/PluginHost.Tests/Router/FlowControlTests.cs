using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using PluginHost.Wamp.Transport;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Router;

/// <summary>
/// Flow control (Realm.cs, CONCURRENCY DESIGN): a publisher faster than delivery is paused while a
/// subscriber is congested, instead of healthy subscribers being closed as slow consumers; a subscriber
/// that stays congested for SlowConsumerTimeout is closed; queues never exceed MaxOutboundQueue.
/// No sleeps: every wait is on a condition, with a timeout that fails the test.
/// </summary>
[Collection(PluginHost.Tests.Support.TimingCollection.Name)]
public sealed class FlowControlTests : IAsyncLifetime
{
    private const int Limit = 64;     // MaxOutboundQueue: high-water 32, low-water 16, realm command queue 16
    private const int HighWater = Limit / 2;
    private const int Events = 3000;  // far more than Limit
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly CapturingLoggerProvider _logs = new();
    private readonly List<IAsyncDisposable> _owned = new();
    private WampRouter _router = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var o in _owned) await o.DisposeAsync();
        await _router.DisposeAsync();
    }

    private void StartRouter(TimeSpan slowConsumerTimeout)
    {
        _router = new WampRouter(new RouterOptions { MaxOutboundQueue = Limit, SlowConsumerTimeout = slowConsumerTimeout },
            LoggerFactory.Create(b => b.AddProvider(_logs)));
        _router.AddRealm(new RealmConfig { Name = "realm1" });
    }

    private async Task<WampTestClient> JoinClientAsync()
    {
        var c = await WampTestClient.JoinAsync(_router, "realm1");
        _owned.Add(c);
        return c;
    }

    /// <summary>A subscriber over a <see cref="NarrowPipe"/>, joined and subscribed to "t".</summary>
    private async Task<(NarrowPipe Pipe, long SessionId)> SubscribeOverPipeAsync()
    {
        var pipe = new NarrowPipe();
        _owned.Add(pipe);
        _ = _router.ServeAsync(pipe);
        pipe.Deliver(new HelloMessage("realm1", HelloDetails()));
        var welcome = Assert.IsType<WelcomeMessage>(await pipe.ReadAsync().WaitAsync(Patience));
        pipe.Deliver(new SubscribeMessage(1, Dict(), "t"));
        Assert.IsType<SubscribedMessage>(await pipe.ReadAsync().WaitAsync(Patience));
        return (pipe, welcome.Session);
    }

    /// <summary>Reads <paramref name="count"/> EVENTs, yielding after each one (a reader slower than the publisher), checking their order.</summary>
    private static async Task ReadEventsInOrderAsync(NarrowPipe pipe, int count, Task start)
    {
        await start;
        for (long i = 0; i < count; i++)
        {
            var message = await pipe.ReadAsync();
            Assert.True(message is not null, $"subscriber closed after {i} events");
            Assert.Equal(i, Assert.IsType<EventMessage>(message).Arguments![0]);
            await Task.Yield();
        }
    }

    /// <summary>The router-side sessions of realm1. Loop-owned dictionary: read only while the realm is quiet.</summary>
    private List<RouterSession> QuietSessions()
    {
        Assert.True(_router.TryGetRealm("realm1", out var realm));
        return realm.Sessions.Values.ToList();
    }

    private static async Task FloodAsync(WampTestClient publisher, int count)
    {
        for (long i = 0; i < count; i++)
            await publisher.SendAsync(new PublishMessage(publisher.NextRequestId(), Dict(), "t", [i]));
    }

    [Fact]
    public async Task Flooding_publisher_is_paused_and_every_subscriber_gets_every_event_in_order()
    {
        StartRouter(slowConsumerTimeout: TimeSpan.FromMinutes(5)); // only flow control can save the subscribers here
        var subscribers = new List<(NarrowPipe Pipe, long SessionId)>();
        for (int i = 0; i < 4; i++) subscribers.Add(await SubscribeOverPipeAsync());
        var publisher = await JoinClientAsync();

        // The subscribers start reading once the whole flood is in the publisher's pipe (3000 < its 4096
        // capacity, so it never waits itself): their queues must reach high-water, and the publisher's
        // reader must be paused, for this test to mean anything (checked below).
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var readers = subscribers.Select(s => Task.Run(() => ReadEventsInOrderAsync(s.Pipe, Events, start.Task))).ToList();
        await FloodAsync(publisher, Events);
        start.SetResult();
        await Task.WhenAll(readers).WaitAsync(Patience);

        // Nobody was closed: each subscriber still answers a round trip; no slow-consumer warning.
        foreach (var (pipe, _) in subscribers)
        {
            pipe.Deliver(new UnsubscribeMessage(99, 12345));
            Assert.IsType<ErrorMessage>(await pipe.ReadAsync().WaitAsync(Patience));
        }
        await publisher.AssertNothingPendingAsync();
        Assert.DoesNotContain(_logs.Entries, e => e.Text.Contains("Slow consumer"));

        // Flow control did the work, within bounds: every subscriber went congested, none passed the limit.
        var sessions = QuietSessions();
        foreach (var (_, id) in subscribers)
        {
            var s = Assert.Single(sessions, x => x.Id == id);
            Assert.InRange(s.PeakQueued, HighWater, Limit);
            Assert.False(s.IsCongested);
        }
        Assert.True(_router.TryGetRealm("realm1", out var realm));
        Assert.False(realm.IsCongested);
    }

    [Fact]
    public async Task Subscriber_that_never_reads_is_closed_after_the_timeout_and_the_others_get_everything()
    {
        // Long enough that a healthy reader starved of CPU by tests running beside this one (it yields after every
        // event, so it goes congested and back) is never congested that long; the stuck one always is.
        StartRouter(slowConsumerTimeout: TimeSpan.FromSeconds(2));
        var stuck = await SubscribeOverPipeAsync(); // never read from again
        var healthy = new List<(NarrowPipe Pipe, long SessionId)>();
        for (int i = 0; i < 3; i++) healthy.Add(await SubscribeOverPipeAsync());
        var publisher = await JoinClientAsync();
        await publisher.SubscribeAsync("wamp.session.on_leave");

        var readers = healthy.Select(s => Task.Run(() => ReadEventsInOrderAsync(s.Pipe, Events, Task.CompletedTask))).ToList();
        await FloodAsync(publisher, Events);
        await Task.WhenAll(readers).WaitAsync(Patience);

        // The stuck one was closed by the congestion timeout (not the hard limit), with the warning.
        await stuck.Pipe.Closed.WaitAsync(Patience);
        var warning = Assert.Single(_logs.Entries, e => e.Level == LogLevel.Warning && e.Text.Contains("Slow consumer"));
        Assert.Contains(stuck.SessionId.ToString(), warning.Text);
        Assert.Contains("stayed congested", warning.Text);

        // The others are still fine and nobody went past the limit.
        foreach (var (pipe, _) in healthy)
        {
            pipe.Deliver(new UnsubscribeMessage(99, 12345));
            Assert.IsType<ErrorMessage>(await pipe.ReadAsync().WaitAsync(Patience));
        }
        var left = await publisher.ExpectAsync<EventMessage>();
        Assert.Equal(stuck.SessionId, left.Arguments![0]);
        var count = await publisher.CallResultAsync("wamp.session.count");
        Assert.Equal(4L, count.Arguments![0]); // 3 healthy subscribers + the publisher
        foreach (var s in QuietSessions()) Assert.InRange(s.PeakQueued, 0, Limit);
        Assert.True(_router.TryGetRealm("realm1", out var realm));
        Assert.False(realm.IsCongested);
    }

    [Fact]
    public async Task Several_publishers_flooding_at_once_keep_every_queue_within_the_limit()
    {
        StartRouter(slowConsumerTimeout: TimeSpan.FromMinutes(5));
        var subscribers = new List<(NarrowPipe Pipe, long SessionId)>();
        for (int i = 0; i < 3; i++) subscribers.Add(await SubscribeOverPipeAsync());
        var publishers = new List<WampTestClient>();
        for (int i = 0; i < 3; i++) publishers.Add(await JoinClientAsync());

        // Each subscriber checks per-publisher order (the router keeps each publisher's order, not a global one).
        const int perPublisher = 1000;
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var readers = subscribers.Select(s => Task.Run(async () =>
        {
            await start.Task;
            var next = new Dictionary<string, long>();
            for (int i = 0; i < perPublisher * publishers.Count; i++)
            {
                var ev = Assert.IsType<EventMessage>(await s.Pipe.ReadAsync());
                var from = (string)ev.Arguments![0]!;
                long n = (long)ev.Arguments[1]!;
                Assert.Equal(next.GetValueOrDefault(from), n);
                next[from] = n + 1;
                await Task.Yield();
            }
        })).ToList();
        var floods = publishers.Select((p, k) => Task.Run(async () =>
        {
            for (long i = 0; i < perPublisher; i++)
                await p.SendAsync(new PublishMessage(p.NextRequestId(), Dict(), "t", [$"p{k}", i]));
        })).ToList();
        await Task.WhenAll(floods).WaitAsync(Patience);
        start.SetResult();
        await Task.WhenAll(readers).WaitAsync(Patience);

        Assert.DoesNotContain(_logs.Entries, e => e.Text.Contains("Slow consumer"));
        foreach (var p in publishers) await p.AssertNothingPendingAsync();
        foreach (var s in QuietSessions()) Assert.InRange(s.PeakQueued, 0, Limit);
        Assert.Contains(QuietSessions(), s => s.PeakQueued >= HighWater);
    }

    [Fact]
    public async Task Embedded_sessions_flooding_through_the_client_library_lose_nothing()
    {
        StartRouter(slowConsumerTimeout: TimeSpan.FromMinutes(5));
        var received = new List<List<long>>();
        var done = new List<TaskCompletionSource>();
        for (int i = 0; i < 3; i++)
        {
            var session = await WampSession.JoinAsync(_router.ConnectInProcess(), "realm1").WaitAsync(Patience);
            _owned.Add(session);
            var list = new List<long>();
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            received.Add(list);
            done.Add(tcs);
            await session.SubscribeAsync("t", async e =>
            {
                list.Add((long)e.Args[0]!);
                if (list.Count == Events) tcs.TrySetResult();
                await Task.Yield();
            }).WaitAsync(Patience);
        }
        var publisher = await WampSession.JoinAsync(_router.ConnectInProcess(), "realm1").WaitAsync(Patience);
        _owned.Add(publisher);

        for (long i = 0; i < Events; i++) await publisher.PublishAsync("t", [i]).WaitAsync(Patience);
        await Task.WhenAll(done.Select(d => d.Task)).WaitAsync(Patience);

        foreach (var list in received) Assert.Equal(Enumerable.Range(0, Events).Select(i => (long)i), list);
        Assert.DoesNotContain(_logs.Entries, e => e.Text.Contains("Slow consumer"));
        foreach (var s in QuietSessions()) Assert.InRange(s.PeakQueued, 0, Limit);
    }

    [Fact]
    public async Task Subscriber_that_never_reads_large_events_is_bounded_in_bytes_and_closed_within_the_timeout()
    {
        // Message limits far away (16384, the default): only the byte rule can hold this subscriber back.
        const long maxBytes = 1024 * 1024;
        _router = new WampRouter(new RouterOptions { MaxOutboundBytes = maxBytes, SlowConsumerTimeout = TimeSpan.FromMilliseconds(300) },
            LoggerFactory.Create(b => b.AddProvider(_logs)));
        _router.AddRealm(new RealmConfig { Name = "realm1" });
        var stuck = await SubscribeOverPipeAsync(); // never read from again
        var stuckSession = Assert.Single(QuietSessions(), s => s.Id == stuck.SessionId);
        var publisher = await JoinClientAsync();

        // No healthy subscriber here: a burst already past the gate (rule 5 counts commands, not bytes) may take
        // any subscriber slower than the publisher to the byte hard limit; closing by timeout or by limit both pass.
        const int events = 200, eventChars = 64 * 1024; // 12.5 MiB in all, 12 times the byte limit
        var big = new string('x', eventChars);
        for (long i = 0; i < events; i++)
            await publisher.SendAsync(new PublishMessage(publisher.NextRequestId(), Dict(), "t", [i, big]));

        await stuck.Pipe.Closed.WaitAsync(Patience);
        var warning = Assert.Single(_logs.Entries, e => e.Level == LogLevel.Warning && e.Text.Contains("Slow consumer"));
        Assert.Contains(stuck.SessionId.ToString(), warning.Text);
        // Bounded in bytes (the queue may go past the limit by one message), and by bytes, not by count.
        Assert.InRange(stuckSession.PeakQueuedBytes, maxBytes / 2, maxBytes + 2 * eventChars);
        Assert.InRange(stuckSession.PeakQueued, 1, (int)(maxBytes / eventChars) + 1);
        Assert.True(_router.TryGetRealm("realm1", out var realm));
        Assert.False(realm.IsCongested);
        await publisher.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task A_message_larger_than_the_byte_limit_still_goes_to_a_reading_subscriber()
    {
        _router = new WampRouter(new RouterOptions { MaxOutboundBytes = 1024, SlowConsumerTimeout = TimeSpan.FromMinutes(5) },
            LoggerFactory.Create(b => b.AddProvider(_logs)));
        _router.AddRealm(new RealmConfig { Name = "realm1" });
        var subscriber = await SubscribeOverPipeAsync();
        var publisher = await JoinClientAsync();
        for (long i = 0; i < 3; i++)
        {
            await publisher.SendAsync(new PublishMessage(publisher.NextRequestId(), Dict(), "t", [i, new string('y', 10_000)]));
            var e = Assert.IsType<EventMessage>(await subscriber.Pipe.ReadAsync().WaitAsync(Patience));
            Assert.Equal(i, e.Arguments![0]);
        }
        Assert.DoesNotContain(_logs.Entries, e => e.Text.Contains("Slow consumer"));
    }
}

/// <summary>
/// A transport whose router-to-client direction holds one message (a narrow TCP window): the router's
/// writer can only go as fast as the test reads. Client-to-router is unbounded.
/// </summary>
internal sealed class NarrowPipe : IWampConnection
{
    private readonly Channel<WampMessage> _toRouter = Channel.CreateUnbounded<WampMessage>();
    private readonly Channel<WampMessage> _toClient = Channel.CreateBounded<WampMessage>(1);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TransportDetails Details { get; } = new("test", "none", "test:narrow");
    public Task Closed => _closed.Task;

    public void Deliver(WampMessage message) => _toRouter.Writer.TryWrite(message);

    /// <summary>The next message from the router; null once closed.</summary>
    public async Task<WampMessage?> ReadAsync()
    {
        try { return await _toClient.Reader.ReadAsync(); }
        catch (ChannelClosedException) { return null; }
    }

    public async ValueTask<WampMessage?> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        try { return await _toRouter.Reader.ReadAsync(cancellationToken); }
        catch (ChannelClosedException) { return null; }
    }

    public async ValueTask SendAsync(IReadOnlyList<WampMessage> messages, CancellationToken cancellationToken = default)
    {
        try
        {
            foreach (var m in messages) await _toClient.Writer.WriteAsync(m, cancellationToken);
        }
        catch (ChannelClosedException e)
        {
            throw new IOException("closed", e);
        }
    }

    public ValueTask CloseAsync(string? reason = null)
    {
        _toRouter.Writer.TryComplete();
        _toClient.Writer.TryComplete();
        _closed.TrySetResult();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => CloseAsync();
}
