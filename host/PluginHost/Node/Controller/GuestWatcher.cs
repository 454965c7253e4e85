using Microsoft.Extensions.Logging;
using PluginHost.Node.Config;

namespace PluginHost.Node.Controller;

/// <summary>
/// Guest <c>options.watch</c>: a change below any watched directory restarts the guest after the watch timeout.
/// Changes arriving during that delay are folded into the same restart (editors write several events per save).
/// </summary>
public sealed class GuestWatcher : IDisposable
{
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly WorkerSupervisor _supervisor;
    private readonly GuestWatch _watch;
    private readonly ILogger _log;
    private int _pending;

    public GuestWatcher(WorkerSupervisor supervisor, GuestWatch watch, ILogger log)
    {
        (_supervisor, _watch, _log) = (supervisor, watch, log);
        foreach (var dir in watch.Directories)
        {
            var w = new FileSystemWatcher(dir) { IncludeSubdirectories = true };
            w.Changed += OnChange;
            w.Created += OnChange;
            w.Deleted += OnChange;
            w.Renamed += OnChange;
            w.EnableRaisingEvents = true;
            _watchers.Add(w);
        }
    }

    private void OnChange(object sender, FileSystemEventArgs e)
    {
        if (Interlocked.Exchange(ref _pending, 1) == 1) return;
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(_watch.Delay);
                Interlocked.Exchange(ref _pending, 0);
                await _supervisor.RestartAsync($"file changed: {e.FullPath}");
            }
            catch (Exception ex)
            {
                _log.LogWarning("Guest '{Id}': watch restart failed: {Reason}", _supervisor.Worker.Id, ex.Message);
            }
        });
    }

    public void Dispose()
    {
        foreach (var w in _watchers) w.Dispose();
    }
}
