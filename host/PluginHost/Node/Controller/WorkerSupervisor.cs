using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Polly;
using PluginHost.Node.Config;
using PluginHost.Node.Status;
using PluginHost.Node.Workers;

namespace PluginHost.Node.Controller;

/// <summary>
/// Keeps one worker alive: boots it, and when it crashes restarts it through the worker's restart pipeline
/// (exponential backoff with a cap, see <see cref="RestartBackoff"/>), logging every restart and its reason.
/// What counts as a crash: a native worker stops on purpose only when it says so over the control channel first
/// (<see cref="Workers.WorkerProtocol.Stopping"/>); every other exit is a crash, exit code 0 included (a component's
/// <c>Environment.Exit(0)</c>). A guest has no control channel: its exit 0 means it finished. A crash while components
/// were starting counts against them (<see cref="ComponentQuarantine"/>): one that keeps killing its process is
/// quarantined and the worker restarted without it, with a fresh restart budget. A guest <c>watch</c> restart is not a
/// failure and does not count against the cap. <see cref="Ended"/> reports when the worker stays down for good, which
/// is what the controller's shutdown triggers look at.
/// </summary>
public sealed class WorkerSupervisor : IDisposable
{
    private readonly WorkerConfig _worker;
    private readonly Func<IReadOnlyList<string>, bool, WorkerLaunch> _launch;
    private readonly RestartBudget _budget;
    private readonly ComponentQuarantine _quarantine;
    private readonly ChildSpawner _spawner;
    private readonly WorkerLogSink _sink;
    private readonly ResiliencePipeline _restarts;
    private readonly NodeControllerOptions _options;
    private readonly ILogger _log;
    private readonly NodeStatusBoard? _board;
    private int _processes;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource<WorkerEnd> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _readyAt;
    private volatile WorkerProcess? _process;
    private int _restartRequested;
    private bool _exitHandled;
    private bool _bootDone;
    private Task _loop = Task.CompletedTask;

    /// <param name="launch">Builds one launch of the worker, given the components it must not start (quarantined) and
    /// whether it is started ahead of its turn (held: <see cref="StartHeld"/>).</param>
    /// <param name="budget">The restart count <paramref name="restarts"/> consults.</param>
    public WorkerSupervisor(WorkerConfig worker, Func<IReadOnlyList<string>, bool, WorkerLaunch> launch, ChildSpawner spawner, WorkerLogSink sink,
        RestartBudget budget, ResiliencePipeline restarts, NodeControllerOptions options, ILogger log, NodeStatusBoard? board = null)
    {
        (_worker, _launch, _spawner, _sink, _budget, _restarts, _options, _log, _board) = (worker, launch, spawner, sink, budget, restarts, options, log, board);
        _quarantine = ComponentQuarantine.For(worker.RestartBackoff);
    }

    public WorkerConfig Worker => _worker;
    public int? Pid => _process?.Pid;
    /// <summary>Completes when the worker stays down without being asked to stop (never during a controller stop).</summary>
    public Task<WorkerEnd> Ended => _ended.Task;
    private string Name => $"{_worker.Kind} '{_worker.Id}'";
    /// <summary>The components this worker is started without (for tests and diagnostics).</summary>
    public IReadOnlyList<string> Quarantined => _quarantine.Quarantined;

    /// <summary>
    /// Starts the first process ahead of the worker's turn, held (<see cref="WorkerProtocol.HoldOption"/>): a container's
    /// .NET start-up then overlaps the routers' boot, and <see cref="BootAsync"/> lets it go. Before BootAsync only.
    /// </summary>
    public void StartHeld() => _held = SpawnAsync(hold: true);

    /// <summary>A held first process (StartHeld) not yet let go; BootAsync takes it, StopAsync stops it.</summary>
    private Task<WorkerProcess>? _held;

    /// <summary>Starts the first process (or lets the held one go) and waits until it is ready. Throws if it dies or hangs first.</summary>
    public async Task BootAsync(CancellationToken ct)
    {
        await StartProcessAsync(ct);
        _bootDone = true;
    }

    public void StartSupervising() => _loop = Task.Run(SuperviseAsync);

    private async Task SuperviseAsync()
    {
        try
        {
            End(await _restarts.ExecuteAsync(async ct => await RunUntilDeathAsync(ct), _stopping.Token));
        }
        catch (WorkerDiedException e)
        {
            _log.LogError("{Worker} died ({Reason}) and reached its restart limit ({Max}); not restarted again",
                Name, e.Message, _worker.RestartBackoff.MaxRestarts);
            End(new WorkerEnd(false, $"died ({e.Message}) with no restarts left"));
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested) { }
        catch (Exception e)
        {
            _log.LogError("{Worker} cannot be restarted: {Reason}", Name, e.Message);
            End(new WorkerEnd(false, $"cannot be restarted: {e.Message}"));
        }
    }

    /// <summary>The worker stays down for good: the node's status says how, and <see cref="Ended"/> completes.</summary>
    private void End(WorkerEnd end)
    {
        _board?.ProcessExited(_worker.Id, end.Reason, final: true, failed: !end.Success);
        _ended.TrySetResult(end);
    }

    /// <summary>Runs (restarting first if needed) until the worker crashes (throws) or ends on purpose (returns how).</summary>
    private async ValueTask<WorkerEnd> RunUntilDeathAsync(CancellationToken ct)
    {
        while (true)
        {
            // The process from boot (or the last restart) is watched until it exits; only then is a new one started.
            if (_exitHandled)
            {
                await StartProcessAsync(ct);
                _log.LogInformation("{Worker} restarted with PID {Pid}{Without}", Name, _process!.Pid,
                    _quarantine.Quarantined.Count == 0 ? "" : $" (without quarantined component(s) {Quote(_quarantine.Quarantined)})");
            }
            var process = _process!;
            var code = await process.Exited.WaitAsync(ct);
            _exitHandled = true;
            if (Interlocked.Exchange(ref _restartRequested, 0) == 1)
            {
                _board?.ProcessExited(_worker.Id, $"restarted on request ({WorkerProcess.DescribeExit(code)})", final: false, failed: false);
                continue;
            }
            if (process.StopAnnounced is { } why)
            {
                _log.LogInformation("{Worker} (PID {Pid}) stopped on purpose ({Why}, {Exit}); not restarted",
                    Name, process.Pid, why, WorkerProcess.DescribeExit(code));
                return code == 0 ? new WorkerEnd(true, "exited with success") : new WorkerEnd(false, $"stopped ({why}) with {WorkerProcess.DescribeExit(code)}");
            }
            if (code == 0 && _worker is GuestWorkerConfig)
            {
                _log.LogInformation("{Worker} (PID {Pid}) exited with success; not restarted", Name, process.Pid);
                return new WorkerEnd(true, "exited with success");
            }
            throw Crashed(process, code);
        }
    }

    /// <summary>Logs a crash, counts it against the components that were starting (quarantining a repeat offender) and returns it for the restart pipeline.</summary>
    private WorkerDiedException Crashed(WorkerProcess process, int code, string? reason = null)
    {
        reason ??= code == 0 && _worker is NativeWorkerConfig ? "exit code 0 without announcing a stop" : WorkerProcess.DescribeExit(code);
        _board?.ProcessExited(_worker.Id, $"died: {reason}", final: false, failed: true);
        var suspects = process.Suspects;
        _log.LogWarning("{Worker} (PID {Pid}) died: {Reason}{While}", Name, process.Pid, reason,
            suspects.Count == 0 ? "" : $", while component(s) {Quote(suspects)} were starting");
        var newly = _quarantine.OnCrash(suspects);
        foreach (var id in newly)
            _log.LogError("{Worker}: component '{Component}' QUARANTINED: the worker process died {Times} times in a row while it was starting "
                + "(last: {Reason}); the worker is restarted without it, its other components keep serving; it stays out until the node restarts",
                Name, id, _quarantine.Threshold, reason);
        if (newly.Count > 0) _budget.StartOver();
        return new WorkerDiedException(reason, _readyAt == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_readyAt));
    }

    private static string Quote(IEnumerable<string> ids) => string.Join(", ", ids.Select(id => $"'{id}'"));

    /// <summary>Spawns a process of the worker (the status board counts it: a restart after the first).</summary>
    private Task<WorkerProcess> SpawnAsync(bool hold)
    {
        _board?.ProcessStarting(_worker.Id, restart: _processes++ > 0);
        return WorkerProcess.StartAsync(_spawner, _launch(_quarantine.Quarantined, hold), _sink, OnControl);
    }

    private async Task StartProcessAsync(CancellationToken ct)
    {
        WorkerProcess process;
        if (Interlocked.Exchange(ref _held, null) is { } held)
        {
            process = await held;
            process.SendToWorker(WorkerProtocol.Go);
        }
        else process = await SpawnAsync(hold: false);
        _process = process;
        _exitHandled = false;
        _readyAt = 0;
        try
        {
            await process.Ready.WaitAsync(_options.WorkerReadyTimeout, ct);
            _readyAt = Stopwatch.GetTimestamp();
            _board?.ProcessReady(_worker.Id, process.Pid);
        }
        catch (WorkerExitedException e)
        {
            _exitHandled = true;
            if (!_bootDone) throw new WorkerDiedException(e.Message);
            throw Crashed(process, e.ExitCode, e.Message);
        }
        catch (TimeoutException)
        {
            process.Kill();
            await process.Exited;
            _exitHandled = true;
            throw new WorkerDiedException($"not ready within {_options.WorkerReadyTimeout.TotalSeconds} s; killed");
        }
        catch (OperationCanceledException)
        {
            await process.StopAsync(_options.WorkerStopTimeout);
            throw;
        }
    }

    /// <summary>Management requests and their replies, which the controller carries between workers (NodeController).</summary>
    public Action<WorkerSupervisor, string>? Relay { get; set; }

    /// <summary>A native worker's management traffic goes to <see cref="Relay"/>, its component lifecycle messages
    /// (Workers/WorkerProtocol.cs) to the node's status.</summary>
    private void OnControl(string line)
    {
        if (line.StartsWith(WorkerProtocol.Request, StringComparison.Ordinal) || line.StartsWith(WorkerProtocol.Reply, StringComparison.Ordinal))
        {
            Relay?.Invoke(this, line);
            return;
        }
        if (_board is null) return;
        if (WorkerProtocol.ArgumentOf(line, WorkerProtocol.ComponentJoined) is { } joined
            && joined.Split(' ', 3) is [var session, var generation, var id]
            && long.TryParse(session, out var sessionId) && int.TryParse(generation, out var number))
            _board.ComponentJoined(_worker.Id, id, sessionId, number);
        else if (WorkerProtocol.ArgumentOf(line, WorkerProtocol.ComponentLeft) is { Length: > 0 } left)
            _board.ComponentLeft(_worker.Id, left);
        else if (WorkerProtocol.ArgumentOf(line, WorkerProtocol.ComponentStopped) is { } stopped && stopped.Split(' ', 2) is [var how, var component])
            _board.ComponentStopped(_worker.Id, component, failed: how == "failed");
    }

    /// <summary>The node's status, for a router worker's health path: the latest one replaces any not yet written.</summary>
    public void SendStatus(string json) => _process?.SendToWorker($"{WorkerProtocol.Status} {json}");

    /// <summary>A control line for the worker's current process (a management command or reply); false when none runs.</summary>
    public bool SendControl(string line)
    {
        if (_process is not { HasExited: false } process) return false;
        process.SendToWorker(line);
        return true;
    }

    /// <summary>Guest <c>watch</c>: stop the current process; the supervision loop starts a fresh one right away.</summary>
    public async Task RestartAsync(string reason)
    {
        if (_stopping.IsCancellationRequested || _process is not { HasExited: false } process) return;
        _log.LogInformation("Restarting {Worker} (PID {Pid}): {Reason}", Name, process.Pid, reason);
        Interlocked.Exchange(ref _restartRequested, 1);
        await process.StopAsync(_options.WorkerStopTimeout);
    }

    /// <summary>Stops supervising, then TERMs the worker (KILL after the stop timeout). Safe to call more than once.</summary>
    public async Task StopAsync()
    {
        await _stopping.CancelAsync();
        // Held and never let go (the boot ended before the worker's turn): it only waits, so it is just stopped.
        if (Interlocked.Exchange(ref _held, null) is { } held) await (await held).StopAsync(_options.WorkerStopTimeout);
        if (_process is { } process && !await process.StopAsync(_options.WorkerStopTimeout))
            _log.LogWarning("{Worker} (PID {Pid}) ignored SIGTERM for {Seconds} s; killed", Name, process.Pid, _options.WorkerStopTimeout.TotalSeconds);
        await _loop;
        // A restart racing with the stop may have spawned one more process.
        if (_process is { HasExited: false } late) await late.StopAsync(_options.WorkerStopTimeout);
        if (_processes > 0 && !_ended.Task.IsCompleted) _board?.ProcessExited(_worker.Id, "stopped by the controller", final: true, failed: false);
    }

    /// <summary>After the last <see cref="StopAsync"/>: releases the stop signal.</summary>
    public void Dispose() => _stopping.Dispose();

    /// <summary>For tests and diagnostics: the exit of the current process.</summary>
    internal Task<int>? CurrentExit => _process?.Exited;
}

/// <summary>A worker died unexpectedly; handled by the restart pipeline.</summary>
/// <param name="uptime">How long it ran after it was ready (zero when it died before).</param>
public sealed class WorkerDiedException(string reason, TimeSpan uptime = default) : Exception(reason)
{
    public TimeSpan Uptime { get; } = uptime;
}

/// <summary>How a worker ended for good: <paramref name="Success"/> when it exited 0 on its own.</summary>
public sealed record WorkerEnd(bool Success, string Reason);
