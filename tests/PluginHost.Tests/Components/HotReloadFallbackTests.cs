using PluginHost.Components;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using PluginHost.Wamp.Transport;
using Xunit.Abstractions;
using static PluginHost.Tests.Components.ComponentTestKit;

namespace PluginHost.Tests.Components;

/// <summary>
/// Hot reload against a router that does not honour force_reregister. Our WampRouter always honours
/// it, and fox-wamp accepts duplicate registrations (no refusal either), so neither reaches the
/// unregister-then-register fallback. The honest stand-in: our own router behind a filter that
/// strips force_reregister from REGISTER, as a router ignoring the option would. The refusal
/// (wamp.error.procedure_already_exists) then comes from our real dealer, not from a fake.
/// </summary>
[Collection(HotReloadCollection.Name)]
public sealed class HotReloadFallbackTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly LogCollector _log = new();
    private readonly NodeLayout _node = new("Reloadable");
    private readonly WampRouter _router = OpenRouter();
    private ComponentHost _host = null!;
    private int _stripped;

    public async Task InitializeAsync()
    {
        _host = _node.Host(_log, hotReload: false);
        await _host.StartJoinedAsync(RouterComponent("reload.Echo"),
            _ => Task.FromResult<IWampConnection>(new NoForceReregister(_router.ConnectInProcess(), () => Interlocked.Increment(ref _stripped))),
            "a router without force_reregister", CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _router.DisposeAsync();
        _node.Dispose();
    }

    [Fact]
    public async Task ReloadsByUnregisterThenRegisterAndCountsTheCallsLostInTheGap()
    {
        const int Swaps = 5;
        await using var caller = await CallerAsync(_router);
        var before = await caller.CallValueAsync("test.reload.generation");
        var load = new EchoCallLoad(caller);
        for (int i = 0; i < Swaps; i++) await _host.ReloadComponentAsync("c1").WaitAsync(Wait);
        await load.StopAsync(Wait);
        var failures = load.Failures;

        output.WriteLine($"{load.Calls} calls over {Swaps} reloads without force_reregister: {failures.Count} failed "
            + $"({string.Join(", ", failures.GroupBy(f => f).Select(g => $"{g.Count()} × {g.Key}"))})");
        Assert.True(_stripped > Swaps, "the filter should have stripped force_reregister from every takeover REGISTER");
        Assert.Equal(Swaps, _host.Diagnostics.Reloads);
        Assert.Equal(Swaps, _log.Count("router refused force_reregister for test.reload.echo"));
        // The only failure this mode may cause: a call that reached the router in the gap between the
        // old generation's UNREGISTER and the new one's REGISTER.
        Assert.All(failures, f => Assert.Equal(WampErrors.NoSuchProcedure, f));
        Assert.NotEqual(before, await caller.CallValueAsync("test.reload.generation"));
        Assert.Equal("after", await caller.CallValueAsync("test.reload.echo", "after"));
    }

    /// <summary>Passes everything through, except that REGISTER loses its force_reregister option.</summary>
    private sealed class NoForceReregister(IWampConnection inner, Action stripped) : IWampConnection
    {
        public TransportDetails Details => inner.Details;
        public ValueTask<WampMessage?> ReceiveAsync(CancellationToken cancellationToken = default) => inner.ReceiveAsync(cancellationToken);
        public ValueTask CloseAsync(string? reason = null) => inner.CloseAsync(reason);
        public ValueTask DisposeAsync() => inner.DisposeAsync();

        public ValueTask SendAsync(IReadOnlyList<WampMessage> messages, CancellationToken cancellationToken = default)
            => inner.SendAsync(messages.Select(Strip).ToList(), cancellationToken);

        private WampMessage Strip(WampMessage m)
        {
            if (m is not RegisterMessage r || !r.Options.ContainsKey("force_reregister")) return m;
            stripped();
            return r with { Options = r.Options.Where(o => o.Key != "force_reregister").ToDictionary(o => o.Key, o => o.Value) };
        }
    }
}
