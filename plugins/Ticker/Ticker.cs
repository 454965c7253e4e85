using Microsoft.Extensions.Logging;
using PluginHost.Abstractions;

namespace ticker;

/// <summary>Options bound from the component's "extra" in the node config.</summary>
public sealed class TickerOptions
{
    /// <summary>Delay between countdown steps, in milliseconds.</summary>
    public int StepMs { get; set; } = 10;
    public string Greeting { get; set; } = "hello";
}

/// <summary>
/// The declarative style: every public method marked [WampProcedure]/[WampTopic] is registered
/// or subscribed by the host on join, with parameters bound from args and kwargs.
/// </summary>
public sealed class Ticker(ComponentContext context) : WampComponent(context)
{
    private readonly TickerOptions _options = context.GetExtra<TickerOptions>();
    private long _ticks;

    /// <summary>Progressive results: reports from, from-1, …, 1, then returns "liftoff".</summary>
    [WampProcedure("com.ticker.countdown")]
    public async Task<string> CountdownAsync(int from, IProgress<int> progress, CancellationToken cancellationToken)
    {
        if (from < 0) throw new WampErrorException("com.ticker.error.negative", $"cannot count down from {from}");
        for (int i = from; i > 0; i--)
        {
            progress.Report(i);
            await Task.Delay(_options.StepMs, cancellationToken);
        }
        return "liftoff";
    }

    /// <summary>Every tick is counted and answered with a tock carrying the doubled value.</summary>
    [WampTopic("com.ticker.tick")]
    public async Task OnTickAsync(long n, WampEventDetails details)
    {
        Interlocked.Increment(ref _ticks);
        Context.Logger.LogDebug("tick {N} on {Topic}", n, details.Topic);
        await Session.PublishAsync("com.ticker.tock", [n * 2]);
    }

    /// <summary>How many ticks arrived, and the configured greeting (kwargs in the result).</summary>
    [WampProcedure("com.ticker.stats")]
    public WampPayload Stats() => new([Interlocked.Read(ref _ticks)],
        new Dictionary<string, object?> { ["greeting"] = _options.Greeting, ["realm"] = Context.Realm });

    /// <summary>Binding by name: add(x: 1, y: 2) works with positional args or kwargs.</summary>
    [WampProcedure("com.ticker.add")]
    public long Add(long x, long y = 0) => x + y;
}
