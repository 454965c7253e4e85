using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace PluginHost.Node.Controller;

/// <summary>Where a worker's output lines go: re-emitted under the worker's label and PID.</summary>
public delegate void WorkerLogSink(LogLevel level, string label, int pid, string text);

/// <summary>
/// One run of one worker process: relays its output, reports readiness (native workers print
/// <see cref="Workers.WorkerProtocol.Ready"/>; guests are ready once spawned) and its exit, and stops it with TERM then KILL.
/// A native worker's other control messages are kept: whether it announced a deliberate stop, and which components
/// were starting (<see cref="ComponentStarts"/>), so the supervisor can tell a crash from a stop and whom to blame.
/// </summary>
public sealed class WorkerProcess
{
    private readonly Process _process;
    private readonly Action<string>? _onControl;
    /// <summary>Native workers: what the controller writes to the worker's stdin (a slow reader never blocks the controller;
    /// of several statuses waiting only the latest is written).</summary>
    private readonly Channel<string>? _toWorker;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile string? _stopAnnounced;
    private long _exitedAt;

    public int Pid { get; }
    public Task Ready => _ready.Task;
    /// <summary>The exit code; for a process killed by a signal N, 128 + N.</summary>
    public Task<int> Exited { get; }
    public bool HasExited => Exited.IsCompleted;
    /// <summary>The reason a native worker gave in <see cref="Workers.WorkerProtocol.Stopping"/>; null when it did not announce a stop.</summary>
    public string? StopAnnounced => _stopAnnounced;
    /// <summary>Components whose start code was running in this process (written by the output reader, read after exit).</summary>
    public ComponentStarts ComponentStarts { get; } = new();
    /// <summary>The components to blame for this process's death (valid once <see cref="Exited"/> completed).</summary>
    public IReadOnlyList<string> Suspects => ComponentStarts.SuspectsAt(Interlocked.Read(ref _exitedAt));

    private WorkerProcess(Process process, WorkerLaunch launch, WorkerLogSink sink, Action<string>? onControl)
    {
        _process = process;
        _onControl = onControl;
        if (launch.IsNative)
        {
            _toWorker = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
            _ = Task.Run(WriteToWorkerAsync);
        }
        Pid = process.Id;
        var label = launch.Label;
        var pid = Pid;
        if (launch.Stdout == OutputMode.Close) process.StandardOutput.Close();
        else
        {
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not { } line) return;
                if (launch.IsNative && line.StartsWith(Workers.WorkerProtocol.ControlPrefix)) OnControl(line);
                else if (launch.Stdout == OutputMode.Log) sink(LogLevel.Information, label, pid, line);
            };
            process.BeginOutputReadLine();
        }
        if (launch.Stderr == OutputMode.Close) process.StandardError.Close();
        else
        {
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is { } line && launch.Stderr == OutputMode.Log) sink(LogLevel.Warning, label, pid, line);
            };
            process.BeginErrorReadLine();
        }
        if (!launch.IsNative) _ready.TrySetResult();
        Exited = WaitForExitAsync();
    }

    /// <param name="onControl">Control messages of a native worker beyond ready/stopping/component-starting (component
    /// lifecycle, see <see cref="Workers.WorkerProtocol"/>), on the output reader's thread.</param>
    public static async Task<WorkerProcess> StartAsync(ChildSpawner spawner, WorkerLaunch launch, WorkerLogSink sink, Action<string>? onControl = null)
    {
        var process = await spawner.StartAsync(launch.StartInfo);
        var worker = new WorkerProcess(process, launch, sink, onControl);
        await worker.FeedStdinAsync(launch);
        return worker;
    }

    /// <summary>
    /// Native workers get the node configuration as their first line (WorkerProtocol.Config) and keep stdin open (its
    /// end-of-file tells them the controller is gone); guests get their configured input.
    /// </summary>
    private async Task FeedStdinAsync(WorkerLaunch launch)
    {
        try
        {
            if (launch.StdinText is { } text)
            {
                await _process.StandardInput.WriteLineAsync(text);
                await _process.StandardInput.FlushAsync();
            }
            if (launch.CloseStdin) _process.StandardInput.Close();
        }
        catch (IOException) { } // the guest exited or closed its stdin already; its exit is reported as usual
    }

    private void OnControl(string line)
    {
        if (line == Workers.WorkerProtocol.Ready) _ready.TrySetResult();
        else if (Workers.WorkerProtocol.ArgumentOf(line, Workers.WorkerProtocol.Stopping) is { } reason)
            _stopAnnounced = reason.Length > 0 ? reason : "no reason given";
        else if (Workers.WorkerProtocol.ArgumentOf(line, Workers.WorkerProtocol.ComponentStarting) is { Length: > 0 } starting)
            ComponentStarts.Starting(starting);
        else if (Workers.WorkerProtocol.ArgumentOf(line, Workers.WorkerProtocol.ComponentStarted) is { Length: > 0 } started)
            ComponentStarts.Started(started, Stopwatch.GetTimestamp());
        else _onControl?.Invoke(line);
    }

    /// <summary>Native workers: hands the worker a control line on its stdin (a status, a management command or reply).</summary>
    public void SendToWorker(string line) => _toWorker?.Writer.TryWrite(line);

    private async Task WriteToWorkerAsync()
    {
        try
        {
            var reader = _toWorker!.Reader;
            var waiting = new List<string>();
            while (await reader.WaitToReadAsync())
            {
                while (reader.TryRead(out var line)) waiting.Add(line);
                // Statuses replace each other: of those waiting only the last is written, in its place; commands all go.
                int lastStatus = waiting.FindLastIndex(l => l.StartsWith(Workers.WorkerProtocol.Status, StringComparison.Ordinal));
                for (int i = 0; i < waiting.Count; i++)
                {
                    if (i != lastStatus && waiting[i].StartsWith(Workers.WorkerProtocol.Status, StringComparison.Ordinal)) continue;
                    await _process.StandardInput.WriteLineAsync(waiting[i]);
                }
                waiting.Clear();
                await _process.StandardInput.FlushAsync();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException) { } // the worker exited
    }

    /// <summary>How long the last output lines of an exited worker may take to arrive.</summary>
    private static readonly TimeSpan OutputDrainTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Process exit, then its remaining output (bounded: a grandchild that inherited the pipes could keep them open
    /// forever, and that must not stop the worker from being restarted or the node from shutting down).
    /// </summary>
    private async Task<int> WaitForExitAsync()
    {
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _process.Exited += (_, _) => exited.TrySetResult();
        if (_process.HasExited) exited.TrySetResult();
        await exited.Task;
        Interlocked.Exchange(ref _exitedAt, Stopwatch.GetTimestamp());
        await Task.WhenAny(_process.WaitForExitAsync(), Task.Delay(OutputDrainTimeout));
        var code = _process.ExitCode;
        _toWorker?.Writer.TryComplete();
        _ready.TrySetException(new WorkerExitedException(code));
        return code;
    }

    /// <summary>TERM, then KILL when it has not exited within <paramref name="timeout"/>. Returns true if TERM sufficed.</summary>
    public async Task<bool> StopAsync(TimeSpan timeout)
    {
        if (HasExited) return true;
        Signal(SIGTERM);
        try
        {
            await Exited.WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            Signal(SIGKILL);
            await Exited;
            return false;
        }
    }

    /// <summary>Simulates a crash (tests, and the last resort at shutdown).</summary>
    public void Kill() => Signal(SIGKILL);

    private void Signal(int signal)
    {
        if (!HasExited) _ = kill(Pid, signal);
    }

    public static string DescribeExit(int code) => code switch
    {
        0 => "exit code 0",
        > 128 and < 160 => $"killed by signal {code - 128}{(code - 128 == SIGKILL ? " (SIGKILL)" : code - 128 == SIGTERM ? " (SIGTERM)" : "")}",
        _ => $"exit code {code}",
    };

    private const int SIGKILL = 9;
    private const int SIGTERM = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}

/// <summary>The worker process ended before it reported ready.</summary>
public sealed class WorkerExitedException(int exitCode) : Exception($"exited before it was ready ({WorkerProcess.DescribeExit(exitCode)})")
{
    public int ExitCode { get; } = exitCode;
}
