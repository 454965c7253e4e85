using Microsoft.Extensions.Logging;

namespace PluginHost.Wamp.Router.Store;

/// <summary>
/// The store files open in one router, by full path: realms (and cookie stores) naming the same file share one
/// <see cref="RealmStore"/>, hence one connection and one writer (no two writers contending for the file's lock).
/// Reference counted; the last release writes what is queued and closes the file. Thread-safe (one lock, never held
/// during I/O except the open itself, which happens at realm start, not on a realm loop).
/// </summary>
internal sealed class StoreRegistry
{
    private readonly Dictionary<string, (RealmStore Store, int Users)> _open = new(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public RealmStore Open(string path, ILogger log)
    {
        var full = Path.GetFullPath(path);
        lock (_lock)
        {
            var entry = _open.TryGetValue(full, out var e) ? (e.Store, e.Users + 1) : (RealmStore.Open(full, log), 1);
            _open[full] = entry;
            return entry.Item1;
        }
    }

    public async ValueTask ReleaseAsync(RealmStore store)
    {
        lock (_lock)
        {
            if (!_open.TryGetValue(store.Path, out var e) || !ReferenceEquals(e.Store, store)) return;
            if (e.Users > 1)
            {
                _open[store.Path] = (store, e.Users - 1);
                return;
            }
            _open.Remove(store.Path);
        }
        await store.DisposeAsync().ConfigureAwait(false);
    }
}
