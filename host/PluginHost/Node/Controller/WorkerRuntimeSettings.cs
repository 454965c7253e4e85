using System.Diagnostics;
using PluginHost.Node.Config;

namespace PluginHost.Node.Controller;

/// <summary>
/// .NET runtime settings the controller gives its native workers (router, container), so that a plain
/// <c>pluginhost start</c> runs them as the benchmarks measured them (bench/RESULTS.md, issue 13). Each is an environment
/// variable the runtime reads at process start; one the user has set already (in the controller's environment or in the
/// worker's <c>options.env.vars</c>) wins, so every setting can be turned back.
/// <para>
/// Not among them: <c>DOTNET_TC_CallCountingDelayMs=0</c>. Without ReadyToRun it took a JIT-compiled router core from
/// 245,000 to 990,000 calls/s on one core (the default 100 ms delay kept hot methods unoptimized for seconds under load),
/// but it made a cold start 0.7 s slower (every method called 30 times while starting is recompiled at once); the
/// CLI is published ReadyToRun instead (./pluginhost), which starts faster and routes nearly as fast from the start
/// (bench/RESULTS.md). An application embedding the router JIT-compiled can still set it.
/// </para>
/// </summary>
public static class WorkerRuntimeSettings
{
    /// <summary>
    /// Socket completions run on the thread that polled them instead of hopping to the thread pool: a router worker
    /// reads a frame, decodes it and hands it to its realm's loop without a thread switch (what the benchmark
    /// harness's own .NET peers run with). Router workers only: a container's component code never runs on them.
    /// </summary>
    public const string InlineSocketCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// The runtime multiplies its tiering delay (call counting starts only after 100 ms without new tier-0 code) by this
    /// factor, 10 by default, when the process starts pinned to one CPU (a worker's <c>cpu_affinity</c>, or taskset as in
    /// bench/run.sh). Under load a second of quiet rarely comes, so a pinned router ran its hot path as unoptimized tier-0
    /// code for as long as it was profiled (perf: 85 % of managed samples in QuickJitted code 6 s into a load, 22 s in
    /// still instrumented); with 1 it is all tier-1 code by then. It only matters to a pinned worker, so cold start (an
    /// unpinned node) is unchanged; DOTNET_TC_CallCountingDelayMs=0 fixed it too but cost a cold start 0.2-0.5 s.
    /// </summary>
    public const string SingleCpuTieringDelayMultiplier = "DOTNET_TC_DelaySingleProcMultiplier";

    /// <summary>The settings for a worker of this kind, by variable name.</summary>
    public static IReadOnlyDictionary<string, string> For(NativeWorkerConfig worker)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal) { [SingleCpuTieringDelayMultiplier] = "1" };
        if (worker is RouterWorkerConfig) settings[InlineSocketCompletions] = "1";
        return settings;
    }

    /// <summary>Adds the settings the worker's environment (after <c>options.env</c>) does not set already.</summary>
    public static void ApplyTo(ProcessStartInfo psi, NativeWorkerConfig worker)
    {
        foreach (var (name, value) in For(worker)) psi.Environment.TryAdd(name, value);
    }
}
