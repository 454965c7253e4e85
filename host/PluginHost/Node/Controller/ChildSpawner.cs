using System.Collections.Concurrent;
using System.Diagnostics;

namespace PluginHost.Node.Controller;

/// <summary>
/// Starts every worker process from one long-lived thread, wrapped in <c>setpriv --pdeathsig TERM</c> where available.
/// The kernel sends the parent-death signal when the thread that forked the child exits, so forking from a
/// thread-pool thread (which may retire) would TERM healthy workers; this thread lives as long as the controller.
/// The result: workers (guests too, which may not watch stdin) get TERM when the controller is SIGKILLed.
/// </summary>
public sealed class ChildSpawner : IDisposable
{
    private const string SetPriv = "/usr/bin/setpriv";
    private readonly BlockingCollection<(ProcessStartInfo Psi, TaskCompletionSource<Process> Done)> _queue = new();
    private readonly bool _useSetPriv = OperatingSystem.IsLinux() && File.Exists(SetPriv);

    public ChildSpawner()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "worker-spawner" };
        thread.Start();
    }

    public Task<Process> StartAsync(ProcessStartInfo psi)
    {
        var done = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add((WithParentDeathSignal(psi), done));
        return done.Task;
    }

    private ProcessStartInfo WithParentDeathSignal(ProcessStartInfo psi)
    {
        if (!_useSetPriv) return psi;
        // setpriv execs the target, so the worker keeps setpriv's PID.
        var args = psi.ArgumentList.ToList();
        psi.ArgumentList.Clear();
        foreach (var a in (string[])["--pdeathsig", "TERM", "--", psi.FileName, .. args]) psi.ArgumentList.Add(a);
        psi.FileName = SetPriv;
        return psi;
    }

    private void Run()
    {
        foreach (var (psi, done) in _queue.GetConsumingEnumerable())
        {
            try
            {
                var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
                process.Start();
                done.SetResult(process);
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }
    }

    public void Dispose() => _queue.CompleteAdding();
}
