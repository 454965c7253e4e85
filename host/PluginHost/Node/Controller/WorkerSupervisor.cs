using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Polly;
using PluginHost.Node.Config;

namespace PluginHost.Node.Controller;

/// <summary>
/// Keeps one worker alive: boots it, and when it dies (non-zero exit or a signal) restarts it through the worker's
/// restart pipeline (exponential backoff with a cap, see <see cref="RestartBackoff"/>), logging every restart and its
/// reason. A worker that exits 0 stopped deliberately and stays stopped. A guest <c>watch</c> restart is not a failure
/// and does not count against the cap. <see cref="Ended"/> reports when the worker stays down for good, which is what
/// the controller's shutdown triggers look at.
/// </summary>
public sealed class WorkerSupervisor
{
    private readonly WorkerConfig _worker;
    private readonly Func<WorkerLaunch> _launch;
    private readonly ChildSpawner _spawner;
    private readonly WorkerLogSink _sink;
    private readonly ResiliencePipeline _restarts;
    private readonly NodeControllerOptions _options;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource<WorkerEnd> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _readyAt;
    private volatile WorkerProcess? _process;
    private int _restartRequested;
    private bool _exitHandled;
    private Task _loop = Task.CompletedTask;

    public WorkerSupervisor(WorkerConfig worker, Func<WorkerLaunch> launch, ChildSpawner spawner, WorkerLogSink sink,
        ResiliencePipeline restarts, NodeControllerOptions options, ILogger log)
        => (_worker, _launch, _spawner, _sink, _restarts, _options, _log) = (worker, launch, spawner, sink, restarts, options, log);

    public WorkerConfig Worker => _worker;
    public int? Pid => _process?.Pid;
    /// <summary>Completes when the worker stays down without being asked to stop (never during a controller stop).</summary>
    public Task<WorkerEnd> Ended => _ended.Task;
    private string Name => $"{_worker.Kind} '{_worker.Id}'";

    /// <summary>Starts the first process and waits until it is ready. Throws if it dies or hangs first.</summary>
    public async Task BootAsync(CancellationToken ct) => await StartProcessAsync(ct);

    public void StartSupervising() => _loop = Task.Run(SuperviseAsync);

    private async Task SuperviseAsync()
    {
        try
        {
            await _restarts.ExecuteAsync(async ct => await RunUntilDeathAsync(ct), _stopping.Token);
            _ended.TrySetResult(new WorkerEnd(true, "exited with success"));
        }
        catch (WorkerDiedException e)
        {
            _log.LogError("{Worker} died ({Reason}) and reached its restart limit ({Max}); not restarted again",
                Name, e.Message, _worker.RestartBackoff.MaxRestarts);
            _ended.TrySetResult(new WorkerEnd(false, $"died ({e.Message}) with no restarts left"));
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested) { }
        catch (Exception e)
        {
            _log.LogError("{Worker} cannot be restarted: {Reason}", Name, e.Message);
            _ended.TrySetResult(new WorkerEnd(false, $"cannot be restarted: {e.Message}"));
        }
    }

    /// <summary>Runs (restarting first if needed) until the worker dies unexpectedly (throws) or exits deliberately (returns).</summary>
    private async ValueTask RunUntilDeathAsync(CancellationToken ct)
    {
        while (true)
        {
            // The process from boot (or the last restart) is watched until it exits; only then is a new one started.
            if (_exitHandled)
            {
                await StartProcessAsync(ct);
                _log.LogInformation("{Worker} restarted with PID {Pid}", Name, _process!.Pid);
            }
            var process = _process!;
            var code = await process.Exited.WaitAsync(ct);
            _exitHandled = true;
            if (Interlocked.Exchange(ref _restartRequested, 0) == 1) continue;
            if (code == 0)
            {
                _log.LogInformation("{Worker} (PID {Pid}) exited with success; not restarted", Name, process.Pid);
                return;
            }
            var reason = WorkerProcess.DescribeExit(code);
            _log.LogWarning("{Worker} (PID {Pid}) died: {Reason}", Name, process.Pid, reason);
            throw new WorkerDiedException(reason, Stopwatch.GetElapsedTime(_readyAt));
        }
    }

    private async Task StartProcessAsync(CancellationToken ct)
    {
        var process = await WorkerProcess.StartAsync(_spawner, _launch(), _sink);
        _process = process;
        _exitHandled = false;
        try
        {
            await process.Ready.WaitAsync(_options.WorkerReadyTimeout, ct);
            _readyAt = Stopwatch.GetTimestamp();
        }
        catch (WorkerExitedException e)
        {
            _exitHandled = true;
            throw new WorkerDiedException(e.Message);
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
        if (_process is { } process && !await process.StopAsync(_options.WorkerStopTimeout))
            _log.LogWarning("{Worker} (PID {Pid}) ignored SIGTERM for {Seconds} s; killed", Name, process.Pid, _options.WorkerStopTimeout.TotalSeconds);
        await _loop;
        // A restart racing with the stop may have spawned one more process.
        if (_process is { HasExited: false } late) await late.StopAsync(_options.WorkerStopTimeout);
    }

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
