using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace PluginHost.Bench.Embedded;

/// <summary>The benchmark process is pinned to CPU 0: the figures are what one core routes.</summary>
public sealed class OneCore : ManualConfig
{
    public OneCore() => AddJob(Job.Default.WithAffinity(1).WithId("one-core"));
}
