using System.Threading.Channels;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;

namespace PluginHost.Tests.Client;

/// <summary>WampSession against the real WampRouter over in-process connections.</summary>
public class EndToEndTests : IAsyncLifetime
{
    private readonly WampRouter _router = new();
    private readonly List<WampSession> _sessions = new();

    public Task InitializeAsync()
    {
        _router.AddRealm(new RealmConfig { Name = "realm1" });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var s in _sessions) await s.DisposeAsync();
        await _router.DisposeAsync();
    }

    private async Task<WampSession> JoinAsync()
    {
        var session = await WampSession.JoinAsync(_router.ConnectInProcess(), "realm1").WaitAsync(FakeRouter.Patience);
        _sessions.Add(session);
        return session;
    }

    [Fact]
    public async Task Call_with_progress_and_errors_between_two_sessions()
    {
        var callee = await JoinAsync();
        var caller = await JoinAsync();
        Assert.True(caller.RouterSupports("dealer", "call_canceling"));
        await callee.RegisterAsync("com.example.count", async (inv, ct) =>
        {
            long n = (long)inv.Args[0]!;
            if (n < 0) throw new WampException("com.example.negative", $"{n} < 0");
            for (long i = 1; i <= n; i++) await inv.SendProgressAsync([i], cancellationToken: ct);
            return WampResult.Of(n, inv.Caller);
        }, new RegisterOptions { DiscloseCaller = true });

        var progress = new List<object?>();
        var result = await caller.CallAsync("com.example.count", [3L],
            options: new CallOptions { OnProgress = r => progress.Add(r.Args[0]) }).WaitAsync(FakeRouter.Patience);
        Assert.Equal([1L, 2L, 3L], progress);
        Assert.Equal(3L, result.Args[0]);
        Assert.Equal(caller.SessionId, result.Args[1]);

        var e = await Assert.ThrowsAsync<WampException>(() => caller.CallAsync("com.example.count", [-1L]).WaitAsync(FakeRouter.Patience));
        Assert.Equal("com.example.negative", e.Error);
        var missing = await Assert.ThrowsAsync<WampException>(() => caller.CallAsync("com.example.none").WaitAsync(FakeRouter.Patience));
        Assert.Equal(WampErrors.NoSuchProcedure, missing.Error);
    }

    [Fact]
    public async Task Cancel_kill_reaches_the_callee_token()
    {
        var callee = await JoinAsync();
        var caller = await JoinAsync();
        var started = new TaskCompletionSource();
        var interrupted = new TaskCompletionSource();
        await callee.RegisterAsync("com.example.slow", async (_, ct) =>
        {
            ct.Register(() => interrupted.TrySetResult());
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return null;
        });
        using var cts = new CancellationTokenSource();
        var call = caller.CallAsync("com.example.slow", options: new CallOptions { CancelMode = CancelMode.Kill }, cancellationToken: cts.Token);
        await started.Task.WaitAsync(FakeRouter.Patience);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(FakeRouter.Patience));
        await interrupted.Task.WaitAsync(FakeRouter.Patience);
    }

    [Fact]
    public async Task Pubsub_with_pattern_subscription_acknowledge_and_publisher_disclosure()
    {
        var subscriber = await JoinAsync();
        var publisher = await JoinAsync();
        var events = Channel.CreateUnbounded<WampEvent>();
        await subscriber.SubscribeAsync("com.example.", e => { events.Writer.TryWrite(e); return default; },
            new SubscribeOptions { Match = UriMatch.Prefix });

        for (long i = 0; i < 20; i++)
        {
            var publication = await publisher.PublishAsync("com.example.tick", [i],
                options: new PublishOptions { Acknowledge = true, DiscloseMe = true });
            Assert.NotNull(publication);
        }
        for (long i = 0; i < 20; i++)
        {
            var e = await events.Reader.ReadAsync().AsTask().WaitAsync(FakeRouter.Patience);
            Assert.Equal(i, e.Args[0]);
            Assert.Equal("com.example.tick", e.Topic);
            Assert.Equal(publisher.SessionId, e.Publisher);
        }
    }

    [Fact]
    public async Task Leave_and_router_shutdown_end_sessions_cleanly()
    {
        var leaver = await JoinAsync();
        var stayer = await JoinAsync();
        var info = await leaver.LeaveAsync().WaitAsync(FakeRouter.Patience);
        Assert.Equal(WampCloseReasons.GoodbyeAndOut, info.Reason);

        await _router.DisposeAsync();
        var closed = await stayer.Closed.WaitAsync(FakeRouter.Patience);
        Assert.Equal(WampCloseReasons.SystemShutdown, closed.Reason);
        Assert.Equal(WampCloseInitiator.Router, closed.Initiator);
    }
}
