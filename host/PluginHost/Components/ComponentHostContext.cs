using Microsoft.Extensions.Logging;

namespace PluginHost.Components;

/// <summary>What every runner of one <see cref="ComponentHost"/> shares.</summary>
internal sealed class ComponentHostContext(ComponentHostOptions options, ILoggerFactory loggerFactory, Action<ComponentStopped> raiseStopped,
    Action<ComponentStartPhase> reportStart, Action<ComponentSessionChange> reportSession)
{
    public ComponentHostOptions Options { get; } = options;
    public ILoggerFactory LoggerFactory { get; } = loggerFactory;
    public ComponentHostDiagnostics Diagnostics { get; } = new();
    public void RaiseStopped(ComponentStopped stopped) => raiseStopped(stopped);
    public void ReportStart(string componentId, bool starting) => reportStart(new ComponentStartPhase(componentId, starting));
    public void ReportJoined(string componentId, long sessionId, int generation) => reportSession(new ComponentSessionChange(componentId, sessionId, generation));
    public void ReportLeft(string componentId) => reportSession(new ComponentSessionChange(componentId, null, null));

    /// <summary>
    /// Components run their start code (constructor, OnJoinAsync) one at a time, so that a process dying meanwhile is
    /// blamed on exactly one of them (<see cref="ComponentStartPhase"/>). One stuck in OnJoinAsync lets go after
    /// ComponentRunner.OnJoinWarning, so it holds its siblings up for that long at most.
    /// </summary>
    public SemaphoreSlim StartGate { get; } = new(1, 1);
}

/// <summary>Counters about hot reloads, for logs and tests: how many swaps, and whether old contexts were collected.</summary>
public sealed class ComponentHostDiagnostics
{
    private int _reloads, _collected, _leaked, _duplicates;

    /// <summary>Generations that took over from an older one.</summary>
    public int Reloads => Volatile.Read(ref _reloads);
    /// <summary>Unloaded generations whose load context was garbage collected.</summary>
    public int ContextsCollected => Volatile.Read(ref _collected);
    /// <summary>Unloaded generations whose load context was still alive after repeated collections (a leak).</summary>
    public int ContextsLeaked => Volatile.Read(ref _leaked);

    /// <summary>Events not handled a second time because the other generation of a hot-reload overlap handled them.</summary>
    public int DuplicateEventsSuppressed => Volatile.Read(ref _duplicates);

    internal void DuplicateEventSuppressed() => Interlocked.Increment(ref _duplicates);
    internal void Reloaded() => Interlocked.Increment(ref _reloads);
    internal void Unloaded(bool collected) => Interlocked.Increment(ref collected ? ref _collected : ref _leaked);
}
