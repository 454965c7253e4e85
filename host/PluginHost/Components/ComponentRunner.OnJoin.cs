using System.Diagnostics;
using Microsoft.Extensions.Logging;
using PluginHost.Abstractions;

namespace PluginHost.Components;

internal sealed partial class ComponentRunner
{
    /// <summary>How long OnJoinAsync may run before the component is reported as stuck.</summary>
    internal static readonly TimeSpan OnJoinWarning = TimeSpan.FromSeconds(10);

    /// <summary>Generations whose OnJoinAsync was left running: their code is still on a stack, so their context cannot be collected.</summary>
    private readonly HashSet<int> _abandoned = [];

    private bool WasAbandoned(int generation)
    {
        lock (_abandoned) return _abandoned.Contains(generation);
    }

    /// <summary>
    /// Runs the component's OnJoinAsync, reported as its start phase, holding the host's start gate (one component's
    /// start code at a time). On the thread pool, so that one blocking its thread cannot block this runner. Not
    /// bounded (a slow OnJoinAsync may be legitimate), but one still running after <see cref="OnJoinWarning"/> is
    /// logged and lets go of the gate, and stopping (<paramref name="ct"/>) stops waiting for it: a stuck component
    /// holds its siblings up for that long at most, and its worker's shutdown not at all.
    /// </summary>
    private async Task RunOnJoinAsync(ComponentGeneration generation, ComponentSession session, CancellationToken ct)
    {
        var component = generation.Component;
        await _host.StartGate.WaitAsync(ct).ConfigureAwait(false);
        var holdingGate = true;
        var started = Stopwatch.GetTimestamp();
        _host.ReportStart(Id, starting: true);
        try
        {
            var onJoin = Task.Run(() => component.OnJoinAsync(session, session.JoinDetails), CancellationToken.None);
            using var warnTimer = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var warned = false;
            if (await Task.WhenAny(onJoin, Task.Delay(OnJoinWarning, warnTimer.Token)).ConfigureAwait(false) != onJoin && !ct.IsCancellationRequested)
            {
                warned = true;
                holdingGate = false;
                _host.StartGate.Release();
                _log.LogWarning("Component '{Id}' ({Class}) is stuck in OnJoinAsync: not returned after {Seconds} s; "
                    + "it serves only its declared procedures and topics until it returns", Id, _config.Classname, OnJoinWarning.TotalSeconds);
            }
            warnTimer.Cancel();
            try { await onJoin.WaitAsync(ct).ConfigureAwait(false); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested && !onJoin.IsCompleted)
            {
                _log.LogWarning("Component '{Id}' was still in OnJoinAsync after {Seconds:0.#} s when it was stopped; not waited for",
                    Id, Stopwatch.GetElapsedTime(started).TotalSeconds);
                lock (_abandoned) _abandoned.Add(generation.Number);
                throw;
            }
            if (warned)
                _log.LogInformation("Component '{Id}': OnJoinAsync returned after {Seconds:0.#} s", Id, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        finally
        {
            _host.ReportStart(Id, starting: false);
            if (holdingGate) _host.StartGate.Release();
        }
    }
}
