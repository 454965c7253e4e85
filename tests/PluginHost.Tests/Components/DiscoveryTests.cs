using System.Diagnostics;
using System.Threading.Channels;
using PluginHost.Components;
using PluginHost.Components.Discovery;
using PluginHost.Node.Config;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Components.ComponentTestKit;

namespace PluginHost.Tests.Components;

/// <summary>
/// Drop-in discovery on an embedded router (options.discover of a router worker): plugins copied into the
/// folder start, replaced ones hot-reload, removed ones leave, and every bad file gets one clear line.
/// </summary>
[Collection(HotReloadCollection.Name)]
public sealed class DiscoveryTests : IAsyncLifetime
{
    private readonly LogCollector _log = new();
    private readonly NodeLayout _node = new();
    private readonly WampRouter _router;
    private readonly ComponentHost _host;
    private readonly List<ComponentDiscovery> _discoveries = [];
    private WampSession _caller = null!;

    public DiscoveryTests()
    {
        _router = OpenRouter(_log);
        _router.AddRealm(new RealmConfig { Name = "realm2" });
        _host = _node.Host(_log);
    }

    public async Task InitializeAsync() => _caller = await CallerAsync(_router);

    public async Task DisposeAsync()
    {
        foreach (var d in _discoveries) await d.DisposeAsync();
        await _caller.DisposeAsync();
        await _host.DisposeAsync();
        await _router.DisposeAsync();
        _node.Dispose();
    }

    private static readonly RouterWorkerConfig Worker = new() { Id = "worker001" };

    private async Task<ComponentDiscovery> DiscoverAsync(string? realm = "realm1", IReadOnlyList<string>? exclude = null,
        IReadOnlyList<ComponentConfig>? configured = null)
    {
        var config = new DiscoverConfig { Directory = _node.PluginsDir, Realm = realm, Exclude = exclude ?? [] };
        var discovery = new ComponentDiscovery(config, Worker, configured ?? [],
            new DiscoveryActions((c, ct) => _host.StartRouterComponentAsync(_router, c, ct), _host.StopComponentAsync, _host.ReloadComponentAsync), _log);
        _discoveries.Add(discovery);
        await discovery.StartAsync(CancellationToken.None);
        return discovery;
    }

    private static string Built(string plugin, string file) => Path.Combine(NodeLayout.BuiltPlugins, plugin, file);

    /// <summary>Copies a built plugin's files into plugins/<paramref name="asName"/>, leaving out <paramref name="except"/>.</summary>
    private string CopyPlugin(string plugin, string asName, params string[] except)
    {
        var target = Path.Combine(_node.PluginsDir, asName);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(Path.Combine(NodeLayout.BuiltPlugins, plugin)).Where(f => !except.Contains(Path.GetFileName(f))))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        return target;
    }

    private static string Started(string id, string cls) => $"component '{id}' \\({cls.Replace(".", "\\.")}\\) started on realm";

    [Fact]
    public async Task APluginCopiedIntoTheFolderServesWithinTwoSeconds()
    {
        await DiscoverAsync();
        var copied = Stopwatch.StartNew();
        CopyPlugin("DropInV1", "Greeter");
        var copyTook = copied.Elapsed;
        await _log.WaitForAsync(Started("greeter", "dropin.Greeter"));
        await _log.WaitForAsync(Started("dropin.Plain", "dropin.Plain"));
        Assert.Equal("v1", await _caller.CallValueAsync("test.dropin.version"));
        var took = copied.Elapsed - copyTook;
        Assert.True(took < TimeSpan.FromSeconds(2), $"served {took.TotalMilliseconds:0} ms after the copy finished");
        // [ComponentDefaults(Extra)] is the component's extra when nothing configures one.
        Assert.Equal("hello", await _caller.CallValueAsync("test.dropin.greeting"));
        Assert.Equal("plain v1", await _caller.CallValueAsync("test.dropin.plain"));
        // Abstract, internal and non-component classes are not started.
        Assert.Equal(2, _log.Count("started on realm 'realm1', discovered in"));
        Assert.Contains($"discovered in {Path.Combine(_node.PluginsDir, "Greeter", "DropIn.dll")}", _log.Text);
    }

    [Fact]
    public async Task AReplacedDllIsHotReloadedWithoutAFailedCallAndGenerationsCountPerComponent()
    {
        CopyPlugin("DropInV1", "Greeter");
        await DiscoverAsync();
        Assert.Equal("v1", await _caller.CallValueAsync("test.dropin.version"));
        var failures = new List<string>();
        int calls = 0;
        using var stop = new CancellationTokenSource();
        var load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var v = (await _caller.CallAsync("test.dropin.version")).Args[0] as string;
                    if (v is not ("v1" or "v2")) failures.Add($"answer {v}");
                }
                catch (WampException e) { failures.Add(e.Error); }
                Interlocked.Increment(ref calls);
            }
        });

        File.Copy(Built("DropInV2", "DropIn.dll"), Path.Combine(_node.PluginsDir, "Greeter", "DropIn.dll"), overwrite: true);
        // Both classes of the DLL reload, each from its own generation 1: the numbers are per component.
        await _log.WaitForAsync("Component 'greeter' reloaded from .*: generation 2 \\(session \\d+\\) took over from generation 1");
        await _log.WaitForAsync("Component 'dropin.Plain' reloaded from .*: generation 2 \\(session \\d+\\) took over from generation 1");
        stop.Cancel();
        await load.WaitAsync(Wait);
        Assert.Empty(failures);
        Assert.True(calls > 10, $"only {calls} calls");
        Assert.Equal("v2", await _caller.CallValueAsync("test.dropin.version"));
        Assert.Equal("plain v2", await _caller.CallValueAsync("test.dropin.plain"));
    }

    [Fact]
    public async Task ARemovedPluginLeavesOnceItsRunningCallHasFinished()
    {
        CopyPlugin("DropInV1", "Greeter");
        await DiscoverAsync();
        var started = Channel.CreateUnbounded<bool>();
        await _caller.SubscribeAsync("test.dropin.slow_started", _ => { started.Writer.TryWrite(true); return ValueTask.CompletedTask; });
        var slow = _caller.CallAsync("test.dropin.slow", [800]);
        await started.Reader.ReadAsync().AsTask().WaitAsync(Wait);

        Directory.Delete(Path.Combine(_node.PluginsDir, "Greeter"), recursive: true);
        await _log.WaitForAsync("component 'greeter' \\(dropin.Greeter\\) left realm 'realm1': .*DropIn.dll was removed");
        Assert.True(slow.IsCompleted, "the component left before its running call finished");
        Assert.Equal("v1", (await slow).Args[0]);
        var e = await Assert.ThrowsAsync<WampException>(() => _caller.CallAsync("test.dropin.version"));
        Assert.Equal("wamp.error.no_such_procedure", e.Error);
        await _log.WaitForAsync("component 'dropin.Plain' \\(dropin.Plain\\) left realm 'realm1'");
    }

    [Fact]
    public async Task BadFilesGetOneClearLineEachAndLaterGoodCopiesArePickedUp()
    {
        CopyPlugin("DropInV1", "Greeter");
        await DiscoverAsync();
        var junk = Path.Combine(_node.PluginsDir, "X.dll");
        await File.WriteAllTextAsync(junk, "this is not an assembly");
        CopyPlugin("Faulty", "Faulty", except: "FaultyHelper.dll");
        var faulty = Path.Combine(_node.PluginsDir, "Faulty", "Faulty.dll");

        await _log.WaitForAsync($"{Regex(junk)} is ignored: not a \\.NET assembly");
        await _log.WaitForAsync($"component 'faulty.NeedsHelper' \\(faulty.NeedsHelper\\) from {Regex(faulty)} could not be started: .*FaultyHelper");
        await _log.WaitForAsync($"component 'faulty.ThrowingConstructor' .* from {Regex(faulty)} could not be started: .*constructor exploded on purpose");
        await _log.WaitForAsync($"component 'faulty.ThrowingJoin' .* from {Regex(faulty)} could not be started: .*OnJoin exploded on purpose");
        Assert.Equal("v1", await _caller.CallValueAsync("test.dropin.version"));
        Assert.Equal(1, _log.Count("X.dll is ignored"));
        Assert.DoesNotContain("NotAComponent", _log.Text);

        // The missing dependency arrives: the component that needed it starts; the junk becomes a real plugin.
        File.Copy(Built("Faulty", "FaultyHelper.dll"), Path.Combine(_node.PluginsDir, "Faulty", "FaultyHelper.dll"));
        await _log.WaitForAsync(Started("faulty.NeedsHelper", "faulty.NeedsHelper"));
        Assert.Equal("hello from the helper", await _caller.CallValueAsync("test.faulty.greeting"));
        File.Copy(Built("Reloadable", "Reloadable.dll"), junk, overwrite: true);
        await _log.WaitForAsync(Started("reload.Echo", "reload.Echo") + $" 'realm1', discovered in {Regex(junk)}");
        Assert.Equal("hi", await _caller.CallValueAsync("test.reload.echo", "hi"));
    }

    [Fact]
    public async Task ACopyThatPausesLongerThanTheSettleTimeIsRetriedWhenComplete()
    {
        await DiscoverAsync();
        var dir = CopyPlugin("DropInV1", "Greeter", except: "DropIn.dll");
        var bytes = await File.ReadAllBytesAsync(Built("DropInV1", "DropIn.dll"));
        var dll = Path.Combine(dir, "DropIn.dll");
        await using (var file = new FileStream(dll, FileMode.CreateNew))
        {
            await file.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
            await file.FlushAsync();
            // The half file has settled: it is looked at and found wanting, never started.
            await _log.WaitForAsync($"{Regex(dll)} is ignored: ");
            await file.WriteAsync(bytes.AsMemory(bytes.Length / 2));
        }
        await _log.WaitForAsync(Started("greeter", "dropin.Greeter"));
        Assert.Equal("v1", await _caller.CallValueAsync("test.dropin.version"));
    }

    [Fact]
    public async Task ACopyWithShortPausesIsLoadedOnceWhenComplete()
    {
        await DiscoverAsync();
        var dir = CopyPlugin("DropInV1", "Greeter", except: "DropIn.dll");
        var bytes = await File.ReadAllBytesAsync(Built("DropInV1", "DropIn.dll"));
        await using (var file = new FileStream(Path.Combine(dir, "DropIn.dll"), FileMode.CreateNew))
        {
            // A slow copy: chunks with pauses shorter than the settle time.
            for (int i = 0, chunk = bytes.Length / 6 + 1; i < bytes.Length; i += chunk)
            {
                await file.WriteAsync(bytes.AsMemory(i, Math.Min(chunk, bytes.Length - i)));
                await file.FlushAsync();
                await Task.Delay(100);
            }
        }
        await _log.WaitForAsync(Started("greeter", "dropin.Greeter"));
        Assert.Equal("v1", await _caller.CallValueAsync("test.dropin.version"));
        Assert.DoesNotContain("is ignored", _log.Text);
        Assert.DoesNotContain("could not be started", _log.Text);
    }

    [Fact]
    public async Task TheSameClassInTwoPluginsRunsOnceAndTheOtherTakesOverWhenItLeaves()
    {
        CopyPlugin("DropInV1", "A");
        CopyPlugin("DropInV2", "B");
        await DiscoverAsync();
        var a = Path.Combine(_node.PluginsDir, "A", "DropIn.dll");
        var b = Path.Combine(_node.PluginsDir, "B", "DropIn.dll");
        await _log.WaitForAsync($"class 'dropin.Greeter' in {Regex(b)} is not started: component id 'greeter' is taken by 'dropin.Greeter' from {Regex(a)}");
        Assert.Equal("v1", await _caller.CallValueAsync("test.dropin.version"));

        Directory.Delete(Path.Combine(_node.PluginsDir, "A"), recursive: true);
        await _log.WaitForAsync($"component 'greeter' \\(dropin.Greeter\\) started on realm 'realm1', discovered in {Regex(b)}");
        Assert.Equal("v2", await _caller.CallValueAsync("test.dropin.version"));
    }

    [Fact]
    public async Task AConfiguredClassIsLeftToItsEntryWhoseValuesWin()
    {
        CopyPlugin("DropInV1", "Greeter");
        var extra = System.Text.Json.JsonDocument.Parse("""{"greeting": "from config"}""").RootElement.Clone();
        var configured = RouterComponent("dropin.Greeter", "mine", extra) with { HotReload = false };
        await _host.StartRouterComponentAsync(_router, configured, CancellationToken.None);
        await DiscoverAsync(configured: [configured]);
        await _log.WaitForAsync("class 'dropin.Greeter' in .*DropIn.dll is configured as component 'mine'; discovery leaves it to that entry");
        await _log.WaitForAsync(Started("dropin.Plain", "dropin.Plain"));
        Assert.Equal("from config", await _caller.CallValueAsync("test.dropin.greeting"));
        Assert.Equal(0, _log.Count(Started("greeter", "dropin.Greeter")));
    }

    [Fact]
    public async Task TheClassStatesItsRealmUnlessTheConfigNamesOne()
    {
        CopyPlugin("DropInRealm", "Realm");
        CopyPlugin("DropInV1", "Greeter");
        await DiscoverAsync(realm: null);
        await _log.WaitForAsync("component 'elsewhere' \\(dropinrealm.Elsewhere\\) started on realm 'realm2'");
        await _log.WaitForAsync("class 'dropin.Greeter' in .* is not started: no realm");
        await using (var realm2 = await WampSession.JoinAsync(_router.ConnectInProcess(), "realm2"))
            Assert.Equal("realm2 42", await realm2.CallValueAsync("test.dropin.where"));
    }

    [Fact]
    public async Task TheConfiguredRealmWinsOverTheClasssAndExcludedClassesStayOut()
    {
        CopyPlugin("DropInRealm", "Realm");
        CopyPlugin("DropInV1", "Greeter");
        await DiscoverAsync(realm: "realm1", exclude: ["dropin.P*"]);
        await _log.WaitForAsync("component 'elsewhere' \\(dropinrealm.Elsewhere\\) started on realm 'realm1'");
        await _log.WaitForAsync(Started("greeter", "dropin.Greeter"));
        Assert.Equal("realm1 42", await _caller.CallValueAsync("test.dropin.where"));
        Assert.Equal(0, _log.Count("dropin.Plain"));
    }

    private static string Regex(string path) => System.Text.RegularExpressions.Regex.Escape(path);
}
