using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

#pragma warning disable CA1050 // the runtime looks for a type named StartupHook in the global namespace
/// <summary>
/// Loaded by the runtime before Main when DOTNET_STARTUP_HOOKS names this assembly. With PLUGINHOST_ALLOCATIONS_DIR
/// set it counts the process's allocations by type and rewrites DIR/allocations-PID.txt every half second: a sequence
/// number, then "bytes type" lines, largest first. The bytes are the runtime's AllocationTick samples (one event per
/// ~100 KB allocated, naming the type of the allocation that crossed the mark): estimates, good over many megabytes.
/// Without the variable it does nothing.
/// </summary>
internal static class StartupHook
#pragma warning restore CA1050
{
    private static AllocationCounter? s_counter;

    public static void Initialize()
    {
        string? dir = Environment.GetEnvironmentVariable("PLUGINHOST_ALLOCATIONS_DIR");
        if (string.IsNullOrEmpty(dir)) return;
        s_counter = new AllocationCounter();
        string path = Path.Combine(dir, $"allocations-{Environment.ProcessId}.txt");
        var writer = new Thread(() =>
        {
            for (long sequence = 1; ; sequence++)
            {
                Thread.Sleep(500);
                s_counter.WriteTo(path, sequence);
            }
        }) { IsBackground = true, Name = "allocation counter" };
        writer.Start();
    }
}

internal sealed class AllocationCounter : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytesByType = new(StringComparer.Ordinal);

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        // AllocationTick is a verbose event of the runtime's GC keyword.
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || eventData.Payload is null) return;
        var names = eventData.PayloadNames!;
        int typeAt = names.IndexOf("TypeName");
        int amountAt = names.IndexOf("AllocationAmount64");
        if (amountAt < 0) amountAt = names.IndexOf("AllocationAmount");
        string type = typeAt >= 0 ? eventData.Payload[typeAt]?.ToString() ?? "?" : "?";
        long amount = amountAt >= 0 ? Convert.ToInt64(eventData.Payload[amountAt], CultureInfo.InvariantCulture) : 0;
        _bytesByType.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }

    public void WriteTo(string path, long sequence)
    {
        var lines = new List<string> { sequence.ToString(CultureInfo.InvariantCulture) };
        lines.AddRange(_bytesByType.OrderByDescending(entry => entry.Value).Select(entry => $"{entry.Value} {entry.Key}"));
        string temporary = path + ".tmp";
        File.WriteAllLines(temporary, lines);
        File.Move(temporary, path, overwrite: true); // readers never see half a file
    }
}
