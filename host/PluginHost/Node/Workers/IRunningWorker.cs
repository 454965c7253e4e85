using Microsoft.Extensions.Logging;

namespace PluginHost.Node.Workers;

/// <summary>What a worker process runs: started once, disposed at shutdown; <see cref="Completion"/> ends, with the reason, when it stops by itself.</summary>
public interface IRunningWorker : IAsyncDisposable
{
    Task StartAsync(CancellationToken ct);
    /// <summary>Called once the controller has been told the worker is ready (after a successful <see cref="StartAsync"/>).</summary>
    void OnReady() { }
    Task<string> Completion { get; }

    /// <summary>
    /// A command of the controller (<see cref="WorkerProtocol.Command"/>): <paramref name="action"/> (start, stop,
    /// reload) one of this worker's components; <paramref name="added"/>: a start of a component added to the node's
    /// configuration at run time, with its configuration. Null when done, else why not.
    /// </summary>
    Task<string?> ControlAsync(string action, string componentId, Config.ComponentConfig? added) => Task.FromResult<string?>("this worker has no components to control");
}

/// <summary>What the worker process gives its worker besides the config: the control channel and the quarantined components.</summary>
public sealed record WorkerContext(ControlChannel Control, IReadOnlySet<string> Quarantined)
{
    /// <summary>
    /// Tells the controller what the host's components do: while a component's start code runs (see
    /// <see cref="WorkerProtocol.ComponentStarting"/>), when its session joins or ends, and when it stops for good (the
    /// node's status, Node/Status/NodeStatusBoard.cs).
    /// </summary>
    public void Attach(PluginHost.Components.ComponentHost host)
    {
        host.StartPhase += phase => Control.Send(phase.Starting ? WorkerProtocol.ComponentStarting : WorkerProtocol.ComponentStarted, phase.ComponentId);
        host.SessionChanged += change => Control.Send(
            change.SessionId is { } session ? WorkerProtocol.ComponentJoined : WorkerProtocol.ComponentLeft,
            change.SessionId is { } joined ? $"{joined} {change.Generation} {change.ComponentId}" : change.ComponentId);
        host.Stopped += stopped => ReportStopped(stopped.ComponentId, stopped.Failed);
    }

    /// <summary>A component stopped for good (<see cref="WorkerProtocol.ComponentStopped"/>), by failure or on purpose.</summary>
    public void ReportStopped(string componentId, bool failed)
        => Control.Send(WorkerProtocol.ComponentStopped, $"{(failed ? "failed" : "stopped")} {componentId}");

    /// <summary>
    /// Wraps a start action so that a quarantined component is refused: discovered components are started by
    /// discovery, which would otherwise bring a quarantined class back on every restart of its worker.
    /// </summary>
    public Func<PluginHost.Node.Config.ComponentConfig, CancellationToken, Task> RefusingQuarantined(
        Func<PluginHost.Node.Config.ComponentConfig, CancellationToken, Task> start)
        => (component, ct) => Quarantined.Contains(component.Id)
            ? Task.FromException(new PluginHost.Components.ComponentLoadException(component.Id,
                "quarantined: it killed this worker's process while starting; it stays out until the node restarts"))
            : start(component, ct);
}

/// <summary>Shutdown steps that must not hang or throw past the worker: each gets a deadline and its failure is logged.</summary>
internal static class Stopping
{
    public static async Task<bool> RunAsync(ILogger log, string what, Func<ValueTask> dispose, TimeSpan timeout)
    {
        try
        {
            await dispose().AsTask().WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            log.LogWarning("{What} did not stop within {Seconds} s", what, timeout.TotalSeconds);
        }
        catch (Exception e)
        {
            log.LogWarning("{What} failed to stop: {Reason}", what, e.Message);
        }
        return false;
    }
}

/// <summary>One-line reasons for component failures.</summary>
internal static class ComponentFailure
{
    public static string Describe(Exception e) => e switch
    {
        TypeInitializationException { InnerException: { } inner } => Describe(inner),
        _ => e.Message,
    };
}
