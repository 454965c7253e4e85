using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace PluginHost.Bench.Embedded;

/// <summary>
/// The benchmark process is pinned to CPU 0: the figures are what one core routes. It runs with the runtime settings a
/// node gives its workers (host/PluginHost/Node/Controller/WorkerRuntimeSettings.cs): an application embedding the router
/// sets the same in its own environment.
/// </summary>
public sealed class OneCore : ManualConfig
{
    public OneCore()
    {
        var job = Job.Default.WithAffinity(1).WithId("one-core")
            .WithEnvironmentVariables(new EnvironmentVariable("DOTNET_TC_CallCountingDelayMs", "0"));
        // bench/run.sh's scenario "embedded": fewer iterations, so the whole table stays a few minutes.
        if (Environment.GetEnvironmentVariable("PLUGINHOST_BENCH_QUICK") == "1") job = job.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(5);
        AddJob(job);
    }
}
