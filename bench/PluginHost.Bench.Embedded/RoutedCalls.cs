using BenchmarkDotNet.Attributes;
using PluginHost.Wamp.Client;

namespace PluginHost.Bench.Embedded;

/// <summary>
/// Routed calls per second on ONE core (the process is pinned to CPU 0): a caller keeps <see cref="InFlight"/> calls
/// outstanding to one callee that answers at once. The target is 1,000,000 routed calls/s; BenchmarkDotNet's
/// "Mean" is per call (OperationsPerInvoke), so calls/s = 1 s / Mean.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(OneCore))]
public class RoutedCalls
{
    private const int Calls = 4096;
    private static readonly object?[] Payload = ["hello", 42];

    private EmbeddedRouter _router = null!;
    private WampSession _caller = null!;

    [Params(1, 16)]
    public int InFlight { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _router = new EmbeddedRouter();
        var callee = await _router.JoinAsync();
        await callee.RegisterAsync("bench.echo", static (invocation, _) => ValueTask.FromResult<WampResult?>(new WampResult(invocation.Args)));
        _caller = await _router.JoinAsync();
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _router.DisposeAsync();

    [Benchmark(OperationsPerInvoke = Calls)]
    public async Task Call()
    {
        var lanes = new Task[InFlight];
        for (int lane = 0; lane < lanes.Length; lane++) lanes[lane] = Lane(Calls / InFlight);
        await Task.WhenAll(lanes);
    }

    private async Task Lane(int calls)
    {
        for (int i = 0; i < calls; i++) await _caller.CallAsync("bench.echo", Payload);
    }
}
