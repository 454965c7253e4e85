namespace PluginHost.Components;

/// <summary>
/// Watches one plugin folder for replaced DLLs (copy over, build or publish output, rename into
/// place) and calls back once the writes have settled. A callback that finds a half-written DLL
/// fails to load it and keeps the running version; the rest of the write triggers another one.
/// </summary>
internal sealed class PluginWatcher : IDisposable
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(300);
    private readonly FileSystemWatcher _watcher;
    private readonly Timer _debounce;

    public PluginWatcher(string folder, Action onChanged)
    {
        _debounce = new Timer(_ => onChanged(), null, Timeout.Infinite, Timeout.Infinite);
        _watcher = new FileSystemWatcher(folder, "*.dll")
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        _watcher.Changed += (_, _) => Poke();
        _watcher.Created += (_, _) => Poke();
        _watcher.Renamed += (_, _) => Poke();
        _watcher.EnableRaisingEvents = true;
    }

    private void Poke()
    {
        try { _debounce.Change(Settle, Timeout.InfiniteTimeSpan); }
        catch (ObjectDisposedException) { }
    }

    public void Dispose()
    {
        _watcher.Dispose();
        _debounce.Dispose();
    }
}
