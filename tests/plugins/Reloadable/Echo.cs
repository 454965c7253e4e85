using PluginHost.Abstractions;

namespace reload;

public sealed record Point(double X, double Y);

/// <summary>Serves calls during hot reloads; Generation differs per load context (a static initialized per load).</summary>
public sealed class Echo : WampComponent
{
    private static readonly string Generation = Guid.NewGuid().ToString("N");

    [WampProcedure("test.reload.echo")]
    public string Say(string text) => text;

    [WampProcedure("test.reload.generation")]
    public string WhichGeneration() => Generation;

    /// <summary>Takes a while, to be in flight during a swap.</summary>
    [WampProcedure("test.reload.slow")]
    public async Task<string> SlowAsync(int ms)
    {
        // Tells the test the invocation is under way (so it can reload while it runs).
        await Session.PublishAsync("test.reload.started", [Generation]);
        await Task.Delay(ms);
        return Generation;
    }

    /// <summary>Reports every tick it handles, with its generation (hot reload must handle each exactly once).</summary>
    [WampTopic("test.reload.tick")]
    public Task OnTickAsync(long seq) => Session.PublishAsync("test.reload.handled", [seq, Generation]);

    /// <summary>A plugin-defined type through the host's JSON conversion (its metadata must not outlive the context).</summary>
    [WampProcedure("test.reload.mirror")]
    public Point Mirror(Point p) => new(p.Y, p.X);
}
