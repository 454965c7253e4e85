using PluginHost.Wamp.Client;

namespace PluginHost.Tests.Components;

/// <summary>
/// Callers in tight loops on test.reload.echo while a test swaps plugin versions: counts the calls
/// and records every failure (the WAMP error URI, or "wrong answer ...").
/// </summary>
internal sealed class EchoCallLoad
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _failures = new();
    private readonly Task[] _loops;
    private int _calls;

    public EchoCallLoad(WampSession caller, int loops = 2)
        => _loops = Enumerable.Range(0, loops).Select(_ => Task.Run(() => LoopAsync(caller))).ToArray();

    public int Calls => Volatile.Read(ref _calls);

    public IReadOnlyList<string> Failures { get { lock (_failures) return _failures.ToList(); } }

    private async Task LoopAsync(WampSession caller)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var r = await caller.CallAsync("test.reload.echo", ["ping"]);
                if (r.Args[0] as string != "ping") lock (_failures) _failures.Add($"wrong answer {r.Args[0]}");
            }
            catch (WampException e) { lock (_failures) _failures.Add(e.Error); }
            Interlocked.Increment(ref _calls);
        }
    }

    public async Task StopAsync(TimeSpan wait)
    {
        _stop.Cancel();
        await Task.WhenAll(_loops).WaitAsync(wait);
        _stop.Dispose();
    }
}
