using System.Threading.Channels;
using PluginHost.Components;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Components.ComponentTestKit;

namespace PluginHost.Tests.Components;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HotReloadCollection
{
    // Alone: the memory measurement and the zero-failure timing should not share the CPU with other tests.
    public const string Name = "hot reload";
}

/// <summary>Hot reload: a replaced plugin DLL takes over its registrations without a failed call, and old contexts are collected.</summary>
[Collection(HotReloadCollection.Name)]
public sealed class HotReloadTests : IAsyncLifetime
{
    private readonly LogCollector _log = new();
    private readonly NodeLayout _node = new("Reloadable");
    private readonly WampRouter _router;
    private readonly ComponentHost _host;
    private WampSession _caller = null!;

    private readonly Xunit.Abstractions.ITestOutputHelper _output;

    public HotReloadTests(Xunit.Abstractions.ITestOutputHelper output)
    {
        _output = output;
        _router = OpenRouter();
        _host = _node.Host(_log, hotReload: true);
    }

    private string PluginDll => Path.Combine(_node.PluginsDir, "Reloadable", "Reloadable.dll");

    public async Task InitializeAsync()
    {
        await _host.StartRouterComponentAsync(_router, RouterComponent("reload.Echo"), CancellationToken.None);
        _caller = await CallerAsync(_router);
    }

    public async Task DisposeAsync()
    {
        await _caller.DisposeAsync();
        await _host.DisposeAsync();
        await _router.DisposeAsync();
        _node.Dispose();
    }

    /// <summary>Overwrites the plugin DLL as a deployment would (cp over it), which the watcher picks up.</summary>
    private void ReplaceDll() => File.Copy(Path.Combine(NodeLayout.BuiltPlugins, "Reloadable", "Reloadable.dll"), PluginDll, overwrite: true);

    [Fact]
    public async Task ReplacingTheDllUnderLoadFailsNoCall()
    {
        const int Swaps = 5;
        var before = await _caller.CallValueAsync("test.reload.generation");
        var load = new EchoCallLoad(_caller);

        for (int i = 1; i <= Swaps; i++)
        {
            ReplaceDll();
            await _log.WaitForAsync("Component 'c1' reloaded from", count: i);
        }
        await load.StopAsync(Wait);

        Assert.Empty(load.Failures);
        Assert.True(load.Calls > Swaps * 10, $"only {load.Calls} calls went through");
        Assert.NotEqual(before, await _caller.CallValueAsync("test.reload.generation"));
        await _log.WaitForAsync("generation \\d+: load context (collected|still alive)", count: Swaps);
        Assert.Equal(0, _host.Diagnostics.ContextsLeaked);
    }

    [Fact]
    public async Task EachEventPublishedDuringSwapsIsHandledExactlyOnce()
    {
        const int Swaps = 3;
        var handled = Channel.CreateUnbounded<(long Seq, string Generation)>();
        await _caller.SubscribeAsync("test.reload.handled",
            e => { handled.Writer.TryWrite(((long)e.Args[0]!, (string)e.Args[1]!)); return ValueTask.CompletedTask; });
        var ack = new PublishOptions { Acknowledge = true };
        using var stop = new CancellationTokenSource();
        long published = 0;
        using var progress = new SemaphoreSlim(0);
        var publisher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await _caller.PublishAsync("test.reload.tick", [published++], null, ack);
                if (published % 20 == 0) progress.Release();
            }
        });
        // Each swap (and the end) only after another 20 publications: events flow before, during and after every overlap.
        for (int i = 0; i <= Swaps; i++)
        {
            await progress.WaitAsync(Wait);
            if (i < Swaps) await _host.ReloadComponentAsync("c1").WaitAsync(Wait);
        }
        stop.Cancel();
        await publisher.WaitAsync(Wait);
        // Every old generation has left (its handlers ran and reported before its session closed) ...
        await _log.WaitForAsync("generation \\d+: load context (collected|still alive)", count: Swaps);
        // ... and the current one handles in order: once the sentinel is reported, so is everything before it.
        await _caller.PublishAsync("test.reload.tick", [-1L], null, ack);
        var seen = new Dictionary<long, int>();
        var generations = new HashSet<string>();
        while (true)
        {
            var (seq, generation) = await handled.Reader.ReadAsync().AsTask().WaitAsync(Wait);
            if (seq == -1) break;
            seen[seq] = seen.GetValueOrDefault(seq) + 1;
            generations.Add(generation);
        }
        var twice = seen.Where(kv => kv.Value > 1).Select(kv => kv.Key).ToList();
        var missing = Enumerable.Range(0, (int)published).Where(s => !seen.ContainsKey(s)).ToList();
        Assert.True(twice.Count == 0, $"handled more than once: {string.Join(", ", twice.Take(20))} (of {published})");
        Assert.True(missing.Count == 0, $"never handled: {string.Join(", ", missing.Take(20))} (of {published})\n"
            + string.Join('\n', _log.Lines.Where(l => l.Contains("Warn") || l.Contains("Error") || l.Contains("fail"))));
        Assert.True(published > Swaps * 10, $"only {published} events were published during the swaps");
        _output.WriteLine($"{published} events over {Swaps} swaps, handled by {generations.Count} generations; "
            + $"{_host.Diagnostics.DuplicateEventsSuppressed} second deliveries suppressed");
    }

    [Fact]
    public async Task InFlightInvocationFinishesOnTheOldGenerationBeforeItIsUnloaded()
    {
        var old = await _caller.CallValueAsync("test.reload.generation");
        var started = Channel.CreateUnbounded<object?>();
        await _caller.SubscribeAsync("test.reload.started", e => { started.Writer.TryWrite(e.Args[0]); return ValueTask.CompletedTask; });
        var slow = _caller.CallAsync("test.reload.slow", [1000]);
        Assert.Equal(old, await started.Reader.ReadAsync().AsTask().WaitAsync(Wait));

        await _host.ReloadComponentAsync("c1");
        Assert.NotEqual(old, await _caller.CallValueAsync("test.reload.generation"));
        Assert.False(slow.IsCompleted, "the slow call should still be running on the old generation");
        Assert.Equal(old, (await slow.WaitAsync(Wait)).Args[0]);
        await _log.WaitForAsync("generation \\d+: load context (collected|still alive)");
        Assert.Equal(0, _host.Diagnostics.ContextsLeaked);
    }

    [Fact]
    public async Task ABrokenNewVersionKeepsTheOldOneServing()
    {
        var old = await _caller.CallValueAsync("test.reload.generation");
        await File.WriteAllBytesAsync(PluginDll, [1, 2, 3]);
        await _log.WaitForAsync("Hot reload of component 'c1' failed, generation \\d+ keeps serving");
        Assert.Equal(old, await _caller.CallValueAsync("test.reload.generation"));
        ReplaceDll();
        await _log.WaitForAsync("Component 'c1' reloaded from");
        Assert.NotEqual(old, await _caller.CallValueAsync("test.reload.generation"));
    }

    [Fact]
    public async Task ManyReloadCyclesLeaveMemoryFlat()
    {
        const int Cycles = 200, Baseline = 20;
        long baseline = 0;
        var point = new Dictionary<string, object?> { ["x"] = 1.5, ["y"] = 2.5 };
        for (int i = 1; i <= Cycles; i++)
        {
            await _host.ReloadComponentAsync("c1");
            // Exercise the JSON conversion of a plugin-defined type in every generation.
            var mirrored = Assert.IsType<Dictionary<string, object?>>(await _caller.CallValueAsync("test.reload.mirror", point));
            Assert.Equal(1.5, mirrored["y"]);
            if (i == Baseline)
            {
                await _log.WaitForAsync("generation \\d+: load context (collected|still alive)", count: Baseline);
                baseline = GC.GetTotalMemory(forceFullCollection: true);
            }
        }
        await _log.WaitForAsync("generation \\d+: load context (collected|still alive)", count: Cycles, timeout: TimeSpan.FromSeconds(90));
        Assert.Equal(0, _host.Diagnostics.ContextsLeaked);
        Assert.Equal(Cycles, _host.Diagnostics.ContextsCollected);
        var growth = GC.GetTotalMemory(forceFullCollection: true) - baseline;
        // A leaked generation costs 17–41 KB of managed heap; 180 of them would be several MB.
        Assert.True(growth < 2_000_000, $"managed heap grew by {growth / 1024} KB over {Cycles - Baseline} reloads");
    }
}
