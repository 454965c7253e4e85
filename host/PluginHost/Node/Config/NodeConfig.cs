using PluginHost.Transport;
using PluginHost.Wamp.Router;

namespace PluginHost.Node.Config;

/// <summary>A validated node configuration (Crossbar <c>.crossbar/config.json</c>).</summary>
public sealed record NodeConfig
{
    /// <summary>2, or 1 for the old (0.10 era) form without a <c>version</c> key.</summary>
    public int Version { get; init; } = 2;
    public string? ControllerId { get; init; }
    public IReadOnlyList<WorkerConfig> Workers { get; init; } = [];
    /// <summary>Accepted settings this build does not act on, each prefixed with its JSON path.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public static NodeConfig Empty { get; } = new();
}

public abstract record WorkerConfig
{
    public required string Id { get; init; }
    /// <summary>Crossbar's <c>options.disabled</c>: the worker is validated but not started.</summary>
    public bool Disabled { get; init; }
    /// <summary>The log label of the worker kind, as in Crossbar's log ("Router", "Container", "Guest").</summary>
    public abstract string Kind { get; }
}

public sealed record RouterWorkerConfig : WorkerConfig
{
    public IReadOnlyList<RouterRealm> Realms { get; init; } = [];
    public IReadOnlyList<TransportConfig> Transports { get; init; } = [];
    public IReadOnlyList<ComponentConfig> Components { get; init; } = [];
    public override string Kind => "Router";
}

/// <summary>A realm with its node-wide ID (Crossbar's <c>realm001</c> counter when the config has none).</summary>
public sealed record RouterRealm(string Id, RealmConfig Config);

public sealed record ContainerWorkerConfig : WorkerConfig
{
    public IReadOnlyList<ComponentConfig> Components { get; init; } = [];
    public override string Kind => "Container";
}

public sealed record GuestWorkerConfig : WorkerConfig
{
    public required string Executable { get; init; }
    public IReadOnlyList<string> Arguments { get; init; } = [];
    /// <summary>Working directory, resolved against the node directory.</summary>
    public required string WorkDir { get; init; }
    public override string Kind => "Guest";
}
