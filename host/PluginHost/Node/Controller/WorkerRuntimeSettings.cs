using System.Diagnostics;
using PluginHost.Node.Config;

namespace PluginHost.Node.Controller;

/// <summary>
/// .NET runtime settings the controller gives its native workers (router, container), so that a plain
/// <c>pluginhost start</c> runs them as the benchmarks measured them (bench/RESULTS.md, issue 13). Each is an environment
/// variable the runtime reads at process start; one the user has set already (in the controller's environment or in the
/// worker's <c>options.env.vars</c>) wins, so every setting can be turned back.
/// </summary>
public static class WorkerRuntimeSettings
{
    /// <summary>
    /// Tiered compilation waits until no method has been compiled at tier 0 for 100 ms before it counts calls toward the
    /// optimized tier. A busy worker keeps meeting new code (connections, realms, components) and so kept its hottest
    /// routing methods unoptimized for seconds under load: the embedded router core routed 245,000 calls/s with the
    /// delay and 990,000 without, and the router worker spent 25 instead of 30 µs of CPU per routed call. 0 counts
    /// from the first call on; a cold start is not slower (bench/coldstart.py).
    /// </summary>
    public const string CallCountingDelay = "DOTNET_TC_CallCountingDelayMs";

    /// <summary>
    /// Socket completions run on the thread that polled them instead of hopping to the thread pool: a router worker
    /// reads a frame, decodes it and hands it to its realm's loop without a thread switch (what the benchmark
    /// harness's own .NET peers run with). Router workers only: a container's component code never runs on them.
    /// </summary>
    public const string InlineSocketCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>The settings for a worker of this kind, by variable name.</summary>
    public static IReadOnlyDictionary<string, string> For(NativeWorkerConfig worker)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal) { [CallCountingDelay] = "0" };
        if (worker is RouterWorkerConfig) settings[InlineSocketCompletions] = "1";
        return settings;
    }

    /// <summary>Adds the settings the worker's environment (after <c>options.env</c>) does not set already.</summary>
    public static void ApplyTo(ProcessStartInfo psi, NativeWorkerConfig worker)
    {
        foreach (var (name, value) in For(worker)) psi.Environment.TryAdd(name, value);
    }
}
