namespace PluginHost.Tests.Support;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    // Alone: these tests tell a congestion timeout from a hard limit by a few hundred milliseconds, which a machine
    // busy with the other (parallel) tests can blur.
    public const string Name = "flow-control timing";
}
