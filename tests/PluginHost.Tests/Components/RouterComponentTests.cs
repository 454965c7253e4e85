using System.Text.Json;
using System.Text.RegularExpressions;
using PluginHost.Wamp.Client;
using static PluginHost.Tests.Components.ComponentTestKit;

namespace PluginHost.Tests.Components;

/// <summary>Router components: joined in-process to our router, imperative (TimeService) and declarative (Ticker).</summary>
public sealed class RouterComponentTests : IAsyncLifetime
{
    private readonly LogCollector _log = new();
    private readonly NodeLayout _node = new("TimeService", "Ticker");
    private readonly PluginHost.Wamp.Router.WampRouter _router;
    private readonly PluginHost.Components.ComponentHost _host;

    public RouterComponentTests()
    {
        _router = OpenRouter(_log);
        _host = _node.Host(_log, hotReload: false);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _router.DisposeAsync();
        _node.Dispose();
    }

    [Fact]
    public async Task TimeServiceAnswersWithUtcTimeAndLogs()
    {
        await _host.StartRouterComponentAsync(_router, RouterComponent("timeservice.TimeService"), CancellationToken.None);
        await using var caller = await CallerAsync(_router);
        var now = Assert.IsType<string>(await caller.CallValueAsync("com.timeservice.now"));
        Assert.Matches(new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"), now);
        var parsed = DateTime.ParseExact(now, "yyyy-MM-dd'T'HH:mm:ss'Z'", null, System.Globalization.DateTimeStyles.AdjustToUniversal);
        Assert.InRange(parsed, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));
        await _log.WaitForAsync("I am being called;\\)");
    }

    [Fact]
    public async Task TheLogListsWhatEachComponentRegisteredAndSubscribed()
    {
        await _host.StartRouterComponentAsync(_router, RouterComponent("timeservice.TimeService", id: "time"), CancellationToken.None);
        await _host.StartRouterComponentAsync(_router, RouterComponent("ticker.Ticker", id: "ticker"), CancellationToken.None);

        // Imperative (made in OnJoinAsync) and declarative alike, sorted.
        await _log.WaitForAsync(@"Component 'time' registered com\.timeservice\.now and subscribed to no topics");
        await _log.WaitForAsync(@"Component 'ticker' registered com\.ticker\.add, com\.ticker\.countdown, com\.ticker\.stats and subscribed to com\.ticker\.tick");
    }

    [Fact]
    public async Task DeclarativeProceduresBindArgsKwargsProgressAndErrors()
    {
        var extra = JsonDocument.Parse("""{ "step_ms": 1, "greeting": "hi there" }""").RootElement;
        await _host.StartRouterComponentAsync(_router, RouterComponent("ticker.Ticker", extra: extra), CancellationToken.None);
        await using var caller = await CallerAsync(_router);

        Assert.Equal(5L, await caller.CallValueAsync("com.ticker.add", 2, 3));
        var byName = await caller.CallAsync("com.ticker.add", [], new Dictionary<string, object?> { ["x"] = 40L, ["y"] = 2L });
        Assert.Equal(42L, byName.Args[0]);
        Assert.Equal(7L, await caller.CallValueAsync("com.ticker.add", 7)); // y's default

        var progress = new List<object?>();
        var final = await caller.CallAsync("com.ticker.countdown", [3], null,
            new CallOptions { OnProgress = r => { lock (progress) progress.Add(r.Args[0]); } }).WaitAsync(Wait);
        Assert.Equal("liftoff", final.Args[0]);
        Assert.Equal([3L, 2L, 1L], progress);

        var error = await Assert.ThrowsAsync<WampException>(() => caller.CallAsync("com.ticker.countdown", [-1]));
        Assert.Equal("com.ticker.error.negative", error.Error);
        Assert.Equal("cannot count down from -1", error.Args[0]);

        var bad = await Assert.ThrowsAsync<WampException>(() => caller.CallAsync("com.ticker.add", ["not a number"]));
        Assert.Equal("wamp.error.invalid_argument", bad.Error);
        Assert.Contains("'x'", (string)bad.Args[0]!);

        var stats = await caller.CallAsync("com.ticker.stats", []).WaitAsync(Wait);
        Assert.Equal("hi there", stats.ArgsKw["greeting"]);
        Assert.Equal("realm1", stats.ArgsKw["realm"]);
    }

    [Fact]
    public async Task DeclarativeTopicReceivesEventsAndPublishes()
    {
        await _host.StartRouterComponentAsync(_router, RouterComponent("ticker.Ticker"), CancellationToken.None);
        await using var peer = await CallerAsync(_router);
        var tocks = System.Threading.Channels.Channel.CreateUnbounded<object?>();
        await peer.SubscribeAsync("com.ticker.tock", e => { tocks.Writer.TryWrite(e.Args[0]); return ValueTask.CompletedTask; });
        await peer.PublishAsync("com.ticker.tick", [21L], null, new PublishOptions { Acknowledge = true });
        Assert.Equal(42L, await tocks.Reader.ReadAsync().AsTask().WaitAsync(Wait));
        var stats = await peer.CallAsync("com.ticker.stats", []).WaitAsync(Wait);
        Assert.Equal(1L, stats.Args[0]);
    }

    [Fact]
    public async Task AKilledRouterComponentRejoinsWithBackoffAndServesAgain()
    {
        var config = RouterComponent("timeservice.TimeService") with
        {
            Reconnect = new PluginHost.Node.Config.ReconnectConfig { InitialDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromSeconds(1) },
        };
        await _host.StartRouterComponentAsync(_router, config, CancellationToken.None);
        var first = _host.SessionIdOf("c1")!.Value;
        await using var admin = await CallerAsync(_router);
        await admin.CallAsync("wamp.session.kill", [first]).WaitAsync(Wait);

        await _log.WaitForAsync("Component 'c1' lost its connection to the embedded router");
        await _log.WaitForAsync("Component 'c1' rejoined realm 'realm1' on the embedded router as session \\d+");
        Assert.NotEqual(first, _host.SessionIdOf("c1"));
        Assert.IsType<string>(await admin.CallValueAsync("com.timeservice.now"));
    }

    [Fact]
    public async Task StoppingRightAfterStartingUnloadsTheContext()
    {
        // What a node does when its router worker fails to bind a port: the component was just loaded and joined.
        await _host.StartRouterComponentAsync(_router, RouterComponent("timeservice.TimeService"), CancellationToken.None);
        await _host.StopComponentAsync("c1");
        Assert.Equal(1, _host.Diagnostics.ContextsCollected);
        Assert.Equal(0, _host.Diagnostics.ContextsLeaked);
        Assert.Equal(0, _log.Count("load context still alive"));
    }

    [Fact]
    public async Task PluginsWithDifferentVersionsOfOneLibraryRunSideBySide()
    {
        _node.CopyPlugin("VersionA");
        _node.CopyPlugin("VersionB");
        await _host.StartRouterComponentAsync(_router, RouterComponent("versions.JsonVersionA", "a"), CancellationToken.None);
        await _host.StartRouterComponentAsync(_router, RouterComponent("versions.JsonVersionB", "b"), CancellationToken.None);
        await using var caller = await CallerAsync(_router);
        Assert.Equal("12.0.0.0 [1,2]", await caller.CallValueAsync("test.version.a"));
        Assert.Equal("13.0.0.0 [1,2]", await caller.CallValueAsync("test.version.b"));
    }
}
