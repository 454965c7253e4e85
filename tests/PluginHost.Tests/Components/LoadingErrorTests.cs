using PluginHost.Components;
using static PluginHost.Tests.Components.ComponentTestKit;

namespace PluginHost.Tests.Components;

/// <summary>Every way a component can fail to start gives its own clear error, and a healthy sibling keeps serving.</summary>
public sealed class LoadingErrorTests : IAsyncLifetime
{
    private readonly LogCollector _log = new();
    private readonly NodeLayout _node = new("TimeService", "Faulty");
    private readonly PluginHost.Wamp.Router.WampRouter _router;
    private readonly ComponentHost _host;

    public LoadingErrorTests()
    {
        _router = OpenRouter(_log);
        _host = _node.Host(_log, hotReload: false);
    }

    public Task InitializeAsync()
        => _host.StartRouterComponentAsync(_router, RouterComponent("timeservice.TimeService", "healthy"), CancellationToken.None);

    public async Task DisposeAsync()
    {
        // The sibling is still serving after the failure.
        await using (var caller = await CallerAsync(_router))
            Assert.IsType<string>(await caller.CallValueAsync("com.timeservice.now"));
        await _host.DisposeAsync();
        await _router.DisposeAsync();
        _node.Dispose();
    }

    private Task<ComponentLoadException> StartFailingAsync(string classname)
        => Assert.ThrowsAsync<ComponentLoadException>(() =>
            _host.StartRouterComponentAsync(_router, RouterComponent(classname, "bad"), CancellationToken.None));

    [Fact]
    public async Task UnknownClassSaysWhereItLookedAndSuggestsSimilarNames()
    {
        var e = await StartFailingAsync("timeservice.TimeServise");
        Assert.Contains("class 'timeservice.TimeServise' not found", e.Message);
        Assert.Contains(_node.PluginsDir, e.Message);
        Assert.Contains("similar classes: timeservice.TimeService", e.Message);
        Assert.Equal("bad", e.ComponentId);
    }

    [Fact]
    public async Task ThrowingOnJoinIsReported()
    {
        var e = await StartFailingAsync("faulty.ThrowingJoin");
        Assert.Contains("joining failed: faulty.ThrowingJoin threw InvalidOperationException: OnJoin exploded on purpose", e.Message);
    }

    [Fact]
    public async Task ThrowingConstructorIsReported()
    {
        var e = await StartFailingAsync("faulty.ThrowingConstructor");
        Assert.Contains("the constructor of 'faulty.ThrowingConstructor' threw InvalidOperationException: constructor exploded on purpose", e.Message);
    }

    [Fact]
    public async Task ClassNotDerivedFromWampComponentIsReported()
    {
        var e = await StartFailingAsync("faulty.NotAComponent");
        Assert.Contains("class 'faulty.NotAComponent' is not a component: it must derive from PluginHost.Abstractions.WampComponent", e.Message);
    }

    [Fact]
    public async Task MissingPluginDllIsReported()
    {
        File.Delete(Path.Combine(_node.PluginsDir, "Faulty", "Faulty.dll"));
        var e = await StartFailingAsync("faulty.NeedsHelper");
        Assert.Contains("class 'faulty.NeedsHelper' not found", e.Message);
    }

    [Fact]
    public async Task MissingDependencyDllIsReported()
    {
        File.Delete(Path.Combine(_node.PluginsDir, "Faulty", "FaultyHelper.dll"));
        var e = await StartFailingAsync("faulty.NeedsHelper");
        Assert.Contains("a DLL it needs is missing or broken", e.Message);
        Assert.Contains("FaultyHelper", e.Message);
    }

    [Fact]
    public async Task CorruptPluginDllIsReported()
    {
        var dll = Path.Combine(_node.PluginsDir, "Faulty", "Faulty.dll");
        var bytes = File.ReadAllBytes(dll);
        File.WriteAllBytes(dll, bytes[..(bytes.Length / 2)]);
        var e = await StartFailingAsync("faulty.NeedsHelper");
        Assert.Contains("class 'faulty.NeedsHelper' not found", e.Message);
        Assert.Contains($"unreadable DLLs: {dll}", e.Message);
    }

    [Fact]
    public async Task ContainerComponentWhoseJoinThrowsIsReportedAsStoppedAndCanBeStartedAgain()
    {
        var stopped = new TaskCompletionSource<ComponentStopped>(TaskCreationOptions.RunContinuationsAsynchronously);
        _host.Stopped += s => stopped.TrySetResult(s);
        await using var transports = await PluginHost.Listeners.RouterTransports.StartAsync(
            [new PluginHost.Listeners.WebSocketTransportConfig { Id = "ws", Endpoint = new PluginHost.Listeners.EndpointConfig { Port = 0, Interface = "127.0.0.1" } }],
            _router, _log);
        var config = ContainerComponent("faulty.ThrowingJoin", $"ws://127.0.0.1:{transports["ws"].Port}/ws", "bad");
        await _host.StartContainerComponentAsync(config, CancellationToken.None);
        var report = await stopped.Task.WaitAsync(Wait);
        Assert.Equal("bad", report.ComponentId);
        Assert.True(report.Failed);
        Assert.Contains("OnJoin exploded on purpose", report.Reason);
        // The id is free again: a restart policy can start it anew.
        await _host.StartContainerComponentAsync(config, CancellationToken.None);
    }
}
