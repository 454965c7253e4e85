using PluginHost.Listeners;
using PluginHost.Wamp.Router;

namespace PluginHost.Node.Config;

/// <summary>A validated node configuration (Crossbar <c>.crossbar/config.json</c>).</summary>
public sealed record NodeConfig
{
    /// <summary>2, or 1 for the old (0.10 era) form without a <c>version</c> key.</summary>
    public int Version { get; init; } = 2;
    public string? ControllerId { get; init; }
    /// <summary>Controller <c>options.shutdown</c>; Crossbar's standalone default is shutdown_on_worker_exit.</summary>
    public IReadOnlySet<NodeShutdownTrigger> ShutdownTriggers { get; init; } = new HashSet<NodeShutdownTrigger> { NodeShutdownTrigger.OnWorkerExit };
    public IReadOnlyList<WorkerConfig> Workers { get; init; } = [];
    /// <summary>Accepted settings this build does not act on, each prefixed with its JSON path.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>
    /// The configuration as validated, one line of JSON (comments dropped, YAML converted): what the controller hands its
    /// native workers, so that a worker restarted after config.json changed on disk runs what the controller runs.
    /// </summary>
    public string Source { get; init; } = "{}";

    public static NodeConfig Empty { get; } = new();
}

/// <summary>Crossbar's controller <c>options.shutdown</c> triggers (shutdown_on_*).</summary>
public enum NodeShutdownTrigger { OnShutdownRequested, OnWorkerExit, OnWorkerExitWithError, OnLastWorkerExit }

public abstract record WorkerConfig
{
    public required string Id { get; init; }
    /// <summary>Crossbar's <c>options.disabled</c>: the worker is validated but not started.</summary>
    public bool Disabled { get; init; }
    /// <summary><c>options.env</c>: the environment the worker process gets.</summary>
    public ProcessEnvironment Env { get; init; } = ProcessEnvironment.Inherited;
    /// <summary><c>options.restart_backoff</c> (a PluginHost extension): how the controller respawns the worker after it dies.</summary>
    public RestartBackoff RestartBackoff { get; init; } = new();
    /// <summary>The log label of the worker kind, as in Crossbar's log ("Router", "Container", "Guest").</summary>
    public abstract string Kind { get; }
}

/// <summary>Router and container workers: processes running this executable's hidden <c>worker</c> verb.</summary>
public abstract record NativeWorkerConfig : WorkerConfig
{
    /// <summary><c>options.title</c>: the process name (Linux comm, 15 characters), default "ph-router" / "ph-container".</summary>
    public string? Title { get; init; }
    /// <summary><c>options.cpu_affinity</c>: CPU numbers the worker is pinned to; empty = no pinning.</summary>
    public IReadOnlyList<int> CpuAffinity { get; init; } = [];
    /// <summary><c>options.pythonpath</c>, resolved against the node directory: extra plugin search folders.</summary>
    public IReadOnlyList<string> PluginDirs { get; init; } = [];
    /// <summary><c>options.discover</c> (a PluginHost extension): serve the component classes found in a folder; null = off.</summary>
    public DiscoverConfig? Discover { get; init; }
    /// <summary><c>components</c>: the components the worker starts (a router's run in its own process).</summary>
    public IReadOnlyList<ComponentConfig> Components { get; init; } = [];
}

public sealed record RouterWorkerConfig : NativeWorkerConfig
{
    public IReadOnlyList<RouterRealm> Realms { get; init; } = [];
    public IReadOnlyList<TransportConfig> Transports { get; init; } = [];
    /// <summary><c>options.management_realm</c> (a PluginHost extension): the realm of this router serving the management API (crossbar.*); null = none.</summary>
    public string? ManagementRealm { get; init; }
    /// <summary>The router core's options: <c>options.outbound</c> (Config/OutboundParser.cs), defaults otherwise.</summary>
    public PluginHost.Wamp.Router.RouterOptions Router { get; init; } = new();
    public override string Kind => "Router";
}

/// <summary>A realm with its node-wide ID (Crossbar's <c>realm001</c> counter when the config has none).</summary>
public sealed record RouterRealm(string Id, RealmConfig Config);

public sealed record ContainerWorkerConfig : NativeWorkerConfig
{
    /// <summary><c>options.shutdown</c>: when the container stops itself as its components stop.</summary>
    public ContainerShutdown Shutdown { get; init; } = ContainerShutdown.Manual;
    /// <summary><c>options.restart</c>: which stopped components the container starts again.</summary>
    public ContainerRestart Restart { get; init; } = ContainerRestart.Never;
    public override string Kind => "Container";
}

public sealed record GuestWorkerConfig : WorkerConfig
{
    public required string Executable { get; init; }
    public IReadOnlyList<string> Arguments { get; init; } = [];
    /// <summary>The executable found at load time: workdir-relative first, then on PATH.</summary>
    public required string ExecutablePath { get; init; }
    /// <summary>Working directory, resolved against the node directory.</summary>
    public required string WorkDir { get; init; }
    public GuestStdin Stdin { get; init; } = GuestStdin.Close;
    public GuestOutput Stdout { get; init; } = GuestOutput.Log;
    public GuestOutput Stderr { get; init; } = GuestOutput.Log;
    /// <summary><c>options.watch</c>: restart the guest when a file below these directories changes.</summary>
    public GuestWatch? Watch { get; init; }
    public override string Kind => "Guest";
}
