using System.Text.Json;
using System.Text.Json.Serialization;

namespace PluginHost.Node.Status;

/// <summary>
/// What the node is doing right now, as the controller sees it (<see cref="NodeStatusBoard"/>): its workers, their
/// processes and restarts, and the components each one runs. Immutable: a new snapshot per change. Its JSON (snake_case,
/// UTC times in ISO 8601) is what the controller hands its router workers and what the <c>health</c> web path and
/// <c>pluginhost status --json</c> show.
/// </summary>
public sealed record NodeStatus
{
    /// <summary>booting, running or stopping.</summary>
    public required string State { get; init; }
    public required DateTimeOffset Started { get; init; }
    public required int ControllerPid { get; init; }
    public required IReadOnlyList<WorkerStatus> Workers { get; init; }

    /// <summary>Ready: booted, every worker running and every configured component joined.</summary>
    public bool Ready => NotReady.Count == 0;

    /// <summary>What keeps the node from being ready, one line each (empty when it is ready).</summary>
    public IReadOnlyList<string> NotReady
    {
        get
        {
            var reasons = new List<string>();
            if (State != NodeStates.Running) reasons.Add($"node is {State}");
            foreach (var worker in Workers)
            {
                if (worker.State == WorkerStates.Disabled) continue;
                if (worker.State != WorkerStates.Running) reasons.Add($"{worker.Type} '{worker.Id}' is {worker.State}");
                else
                {
                    foreach (var component in worker.Components.Where(c => c.Configured && c.State != ComponentStates.Joined))
                        reasons.Add($"component '{component.Id}' of {worker.Type} '{worker.Id}' is {component.State}");
                }
            }
            return reasons;
        }
    }

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads <see cref="ToJson"/>'s output; null when it is not a status.</summary>
    public static NodeStatus? FromJson(string json)
    {
        try { return JsonSerializer.Deserialize<NodeStatus>(json, Json); }
        catch (JsonException) { return null; }
    }
}

public sealed record WorkerStatus
{
    public required string Id { get; init; }
    /// <summary>router, container or guest (config.json's worker types).</summary>
    public required string Type { get; init; }
    /// <summary><see cref="WorkerStates"/>.</summary>
    public required string State { get; init; }
    /// <summary>The current process; null while none runs.</summary>
    public int? Pid { get; init; }
    /// <summary>When the current process became ready.</summary>
    public DateTimeOffset? Started { get; init; }
    /// <summary>Processes started after the first one (crash restarts and guest watch restarts).</summary>
    public int Restarts { get; init; }
    /// <summary>How the last process ended, when one did.</summary>
    public string? LastExit { get; init; }
    public IReadOnlyList<ComponentStatus> Components { get; init; } = [];
}

public sealed record ComponentStatus
{
    public required string Id { get; init; }
    public string? Realm { get; init; }
    /// <summary>In config.json (readiness waits for it), or started by discovery.</summary>
    public bool Configured { get; init; }
    /// <summary><see cref="ComponentStates"/>.</summary>
    public required string State { get; init; }
    public long? Session { get; init; }
    /// <summary>The plugin generation serving it (1, then one more per hot reload).</summary>
    public int? Generation { get; init; }
    /// <summary>Hot reloads since the node started (a new generation took over).</summary>
    public int Reloads { get; init; }
    public DateTimeOffset? LastReload { get; init; }
    /// <summary>When its current session joined.</summary>
    public DateTimeOffset? Joined { get; init; }
}

public static class NodeStates
{
    public const string Booting = "booting", Running = "running", Stopping = "stopping";
}

public static class WorkerStates
{
    public const string Disabled = "disabled", NotStarted = "not started", Starting = "starting", Running = "running",
        Restarting = "restarting", Stopped = "stopped", Failed = "failed";
}

public static class ComponentStates
{
    public const string NotStarted = "not started", Joined = "joined", Disconnected = "disconnected", Stopped = "stopped", Failed = "failed";
}
