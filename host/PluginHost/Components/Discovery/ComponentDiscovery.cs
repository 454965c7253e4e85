using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using PluginHost.Node.Config;
using PluginHost.Node.Workers;

namespace PluginHost.Components.Discovery;

/// <summary>What discovery needs from its worker: start a component (throws when it cannot), stop one, hot-reload one.</summary>
public sealed record DiscoveryActions(
    Func<ComponentConfig, CancellationToken, Task> StartAsync,
    Func<string, Task> StopAsync,
    Func<string, Task> ReloadAsync);

/// <summary>
/// Drop-in discovery (<c>options.discover</c>): keeps the worker's running components equal to the component
/// classes found in one folder. A new plugin starts its classes, a changed one is hot-reloaded (the runner's
/// zero-failed-call swap), a removed one leaves; a plugin is acted on only once its files have stopped changing.
///
/// CONCURRENCY DESIGN. One loop task (<see cref="RunAsync"/>) owns every piece of state: the plugins seen and
/// their stamps, and the discovered components. Everything else only posts to its channel: the folder
/// watcher's events, components that stopped on their own (<see cref="OnStopped"/>), and finished stops.
/// Only <see cref="Owns"/> is read from other threads, through a concurrent set of the ids discovery started.
///
/// Decisions: a class that the worker's <c>components</c> names is left to that entry (config wins); a
/// discovered class whose component id is taken (two classes of one name in two DLLs, or two equal
/// <c>[ComponentDefaults(Id)]</c>) does not start while the other runs: the one already running keeps its
/// id (at boot: the first in path order), the other is named in one error line and starts once the id is
/// free. A component that failed starts again when its plugin's files change. The container's shutdown and
/// restart modes apply to its configured components only: discovered ones follow their folder.
/// </summary>
public sealed class ComponentDiscovery : IAsyncDisposable
{
    /// <summary>A plugin whose files have not changed for this long is complete (a half-copied DLL is never loaded on purpose).</summary>
    internal static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(300);
    /// <summary>Events closer than this are one change (a copy writes many times).</summary>
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(200);
    /// <summary>A full rescan this often even without events: watcher overflows, a re-created folder, inotify limits.</summary>
    private static readonly TimeSpan Rescan = TimeSpan.FromSeconds(5);

    private readonly DiscoverConfig _config;
    private readonly NativeWorkerConfig _worker;
    private readonly IReadOnlyList<ComponentConfig> _configured;
    private readonly DiscoveryActions _actions;
    private readonly ILogger _log;
    private readonly string _label;
    private readonly Channel<object> _inbox = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _owned = new(StringComparer.Ordinal);

    // Loop state.
    private readonly Dictionary<string, UnitState> _units = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Dll, string Type), Entry> _entries = [];
    private readonly HashSet<string> _said = new(StringComparer.Ordinal);
    private FileSystemWatcher? _watcher;
    private Task _loop = Task.CompletedTask;

    private sealed class UnitState(string seen, long seenAt)
    {
        public string Seen = seen;
        public long SeenAt = seenAt;
        public string? Processed;
        public UnitContents Contents = new([], []);
    }

    private enum State { Running, Failed, Leaving }

    private sealed class Entry(DiscoveredClass cls, ComponentConfig config, string stamp)
    {
        public DiscoveredClass Class = cls;
        public ComponentConfig Config = config;
        public string Stamp = stamp;
        public State State = State.Running;
    }

    private sealed record Poke;
    private sealed record Stopped(ComponentStopped Report);
    private sealed record StopDone((string Dll, string Type) Key, string Why);

    public ComponentDiscovery(DiscoverConfig config, NativeWorkerConfig worker, IReadOnlyList<ComponentConfig> configured,
        DiscoveryActions actions, ILoggerFactory loggerFactory)
    {
        _config = config;
        _worker = worker;
        _configured = configured;
        _actions = actions;
        _log = loggerFactory.CreateLogger("PluginHost.Components.Discovery");
        _label = $"{worker.Kind} '{worker.Id}'";
    }

    /// <summary>Whether <paramref name="componentId"/> is a component discovery started (its worker leaves it to discovery).</summary>
    public bool Owns(string componentId) => _owned.ContainsKey(componentId);

    /// <summary>Scans once and starts what is there (awaited, so that the worker boots with them), then watches.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        if (!Directory.Exists(_config.Directory))
        {
            // A drop-in folder must exist to be dropped into (and to be watched); git does not keep an empty one.
            try
            {
                Directory.CreateDirectory(_config.Directory);
                _log.LogInformation("{Worker}: created {Directory} for discovered components", _label, _config.Directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _log.LogWarning("{Worker}: {Directory} does not exist and cannot be created ({Error}); looking again every {Seconds} s",
                    _label, _config.Directory, e.Message, Rescan.TotalSeconds);
            }
        }
        _log.LogInformation("{Worker}: discovering components in {Directory}{Realm}", _label, _config.Directory,
            _config.Realm is { } r ? $" (realm '{r}')" : "");
        Watch();
        var unsettled = await ReconcileAsync(boot: true, ct);
        _loop = Task.Run(() => RunAsync(unsettled), CancellationToken.None); // lives until DisposeAsync, not until the start's token
    }

    /// <summary>A component stopped for good on its own (e.g. its join failed): discovery starts it again when its files change.</summary>
    public void OnStopped(ComponentStopped stopped)
    {
        if (Owns(stopped.ComponentId)) _inbox.Writer.TryWrite(new Stopped(stopped));
    }

    private void Watch()
    {
        if (_watcher is not null || !Directory.Exists(_config.Directory)) return;
        try
        {
            var watcher = new FileSystemWatcher(_config.Directory)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            FileSystemEventHandler poke = (_, _) => _inbox.Writer.TryWrite(new Poke());
            watcher.Changed += poke;
            watcher.Created += poke;
            watcher.Deleted += poke;
            watcher.Renamed += (_, _) => _inbox.Writer.TryWrite(new Poke());
            // Overflow or the folder itself gone: rescan now, and the periodic rescan re-arms a watcher.
            watcher.Error += (_, e) => _inbox.Writer.TryWrite(new WatcherFailed(e.GetException()));
            watcher.EnableRaisingEvents = true;
            _watcher = watcher;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            _log.LogWarning("{Worker}: cannot watch {Directory} ({Error}); rescanning every {Seconds} s instead",
                _label, _config.Directory, e.Message, Rescan.TotalSeconds);
        }
    }

    private sealed record WatcherFailed(Exception Error);

    private async Task RunAsync(bool unsettled)
    {
        var stop = _stop.Token;
        var reader = _inbox.Reader;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                // Wait for news, or for an unsettled plugin to be looked at again, or for the periodic rescan.
                if (await NextAsync(reader, unsettled ? Settle : Rescan, stop) is { } first)
                {
                    var deadline = Stopwatch.GetTimestamp() + (long)(Stopwatch.Frequency * 2.0);
                    Handle(first);
                    // Let a burst of writes end (bounded, so a writer that never stops cannot starve us).
                    while (Stopwatch.GetTimestamp() < deadline && await NextAsync(reader, Quiet, stop) is { } more) Handle(more);
                }
                Watch();
                unsettled = await ReconcileAsync(boot: false, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                // Discovery must outlive a surprise (a file system race, a component API throwing): log, look again soon.
                _log.LogError(e, "{Worker}: discovering components in {Directory} failed; looking again", _label, _config.Directory);
                unsettled = true;
            }
        }
    }

    private static async Task<object?> NextAsync(ChannelReader<object> reader, TimeSpan wait, CancellationToken stop)
    {
        if (reader.TryRead(out var ready)) return ready;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(wait);
        try { return await reader.ReadAsync(timeout.Token); }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested) { return null; }
    }

    private void Handle(object message)
    {
        switch (message)
        {
            case Stopped { Report: var report }:
                var entry = _entries.Values.FirstOrDefault(e => e.State == State.Running && e.Config.Id == report.ComponentId);
                if (entry is null) return;
                entry.State = State.Failed;
                _owned.TryRemove(report.ComponentId, out _);
                _log.LogError("{Worker}: component '{Id}' ({Class}) from {Dll} {How}: {Reason}; it starts again when its plugin changes",
                    _label, report.ComponentId, entry.Class.TypeName, entry.Class.Dll, report.Failed ? "failed" : "stopped", OneLine(report.Reason, report.ComponentId));
                break;
            case StopDone done when _entries.Remove(done.Key, out var left):
                _owned.TryRemove(left.Config.Id, out _);
                _log.LogInformation("{Worker}: component '{Id}' ({Class}) left realm '{Realm}': {Why}",
                    _label, left.Config.Id, left.Class.TypeName, left.Config.Realm, done.Why);
                break;
            case WatcherFailed failed:
                _log.LogWarning("{Worker}: watching {Directory} failed ({Error}); rescanning", _label, _config.Directory, failed.Error.Message);
                _watcher?.Dispose();
                _watcher = null;
                break;
        }
    }

    /// <summary>Rescans the folder and brings the components in line with it. Returns true when a plugin is still being written.</summary>
    private async Task<bool> ReconcileAsync(bool boot, CancellationToken ct)
    {
        var unsettled = ScanUnits(boot);
        var present = _units.Values.SelectMany(u => u.Contents.Classes.Select(c => (Class: c, Stamp: u.Processed!)))
            .ToDictionary(c => (c.Class.Dll, c.Class.TypeName));

        // Gone: leave (running calls finish first; the id stays taken until the stop is done).
        foreach (var (key, entry) in _entries.ToList())
        {
            if (present.ContainsKey(key) || entry.State == State.Leaving) continue;
            if (entry.State == State.Failed) { _entries.Remove(key); continue; }
            entry.State = State.Leaving;
            var why = File.Exists(key.Dll) ? $"class '{key.Type}' is no longer in {key.Dll}" : $"{key.Dll} was removed";
            var id = entry.Config.Id;
            _ = Task.Run(async () =>
            {
                try { await _actions.StopAsync(id); }
                catch (Exception e) { _log.LogWarning("{Worker}: stopping component '{Id}' threw: {Error}", _label, id, e.Message); }
                _inbox.Writer.TryWrite(new StopDone(key, why));
            }, CancellationToken.None); // a stop once begun finishes: its end is reported to the loop
        }

        // Changed: hot reload what runs; a failed one is retried as new below.
        foreach (var (key, entry) in _entries.ToList())
        {
            if (!present.TryGetValue(key, out var now) || now.Stamp == entry.Stamp) continue;
            if (entry.State == State.Failed) { _entries.Remove(key); continue; }
            if (entry.State != State.Running) continue;
            entry.Stamp = now.Stamp;
            if (!_config.HotReload) continue;
            try { await _actions.ReloadAsync(entry.Config.Id); }
            catch (ArgumentException) { } // stopped meanwhile; its Stopped message is queued
        }

        // New (or free again): start, in path order.
        foreach (var (key, (cls, stamp)) in present.OrderBy(p => p.Key.Dll, StringComparer.Ordinal).ThenBy(p => p.Key.TypeName, StringComparer.Ordinal))
        {
            ct.ThrowIfCancellationRequested();
            if (_entries.ContainsKey(key) || _config.Excludes(cls.TypeName)) continue;
            await TryStartAsync(key, cls, stamp, ct);
        }
        return unsettled;
    }

    private async Task TryStartAsync((string Dll, string Type) key, DiscoveredClass cls, string stamp, CancellationToken ct)
    {
        if (_configured.FirstOrDefault(c => c.Classname == cls.TypeName) is { } configured)
        {
            Say($"configured|{key}|{stamp}", LogLevel.Information, "{Worker}: class '{Class}' in {Dll} is configured as component '{Id}'; discovery leaves it to that entry",
                _label, cls.TypeName, cls.Dll, configured.Id);
            return;
        }
        var realm = _config.Realm ?? cls.Realm;
        if (realm is null)
        {
            Say($"realm|{key}|{stamp}", LogLevel.Error, "{Worker}: class '{Class}' in {Dll} is not started: no realm (set options.discover.realm, or [ComponentDefaults(Realm = \"...\")] on the class)",
                _label, cls.TypeName, cls.Dll);
            return;
        }
        var id = cls.Id ?? cls.TypeName;
        var holder = _entries.Values.FirstOrDefault(e => e.State != State.Failed && e.Config.Id == id);
        if (holder is not null || _configured.Any(c => c.Id == id))
        {
            // An id that is being given up (its plugin was removed) is free in a moment: wait without a word.
            if (holder?.State == State.Leaving) return;
            var by = holder is null ? "a configured component" : $"'{holder.Class.TypeName}' from {holder.Class.Dll}";
            Say($"taken|{key}|{stamp}|{by}", LogLevel.Error, "{Worker}: class '{Class}' in {Dll} is not started: component id '{Id}' is taken by {By}; "
                + "give one of them [ComponentDefaults(Id = \"...\")] or list it in options.discover.exclude", _label, cls.TypeName, cls.Dll, id, by);
            return;
        }
        var config = Build(cls, id, realm);
        var entry = new Entry(cls, config, stamp);
        _entries[key] = entry;
        _owned[id] = 0;
        try
        {
            await _actions.StartAsync(config, ct);
            _log.LogInformation("{Worker}: component '{Id}' ({Class}) started on realm '{Realm}', discovered in {Dll}",
                _label, id, cls.TypeName, realm, cls.Dll);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            entry.State = State.Failed;
            _owned.TryRemove(id, out _);
            _log.LogError("{Worker}: component '{Id}' ({Class}) from {Dll} could not be started: {Reason}; it is tried again when its plugin changes",
                _label, id, cls.TypeName, cls.Dll, OneLine(ComponentFailure.Describe(e), id));
        }
    }

    private ComponentConfig Build(DiscoveredClass cls, string id, string realm) => new()
    {
        Id = id,
        Type = "class",
        Realm = realm,
        Classname = cls.TypeName,
        PluginDll = cls.Dll,
        Role = _worker is RouterWorkerConfig ? _config.Role : null,
        Transport = _config.Transport,
        TransportUrl = _config.TransportUrl,
        Reconnect = _config.Reconnect,
        Auth = _config.Auth,
        // Discovery drives reloads itself, once a plugin has settled: no watcher per component.
        HotReload = false,
    };

    /// <summary>Takes in the folder as it is now: new stamps wait to settle; settled plugins are read. True while one is unsettled.</summary>
    private bool ScanUnits(bool boot)
    {
        var now = Stopwatch.GetTimestamp();
        var settleTicks = (long)(Stopwatch.Frequency * Settle.TotalSeconds);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        bool unsettled = false;
        if (PluginScanner.Units(_config.Directory) is not { } units) return true;
        foreach (var unit in units)
        {
            seen.Add(unit.Path);
            if (!_units.TryGetValue(unit.Path, out var state))
            {
                // At boot, files nobody wrote lately are complete already; anything new must first hold still.
                bool old = boot && DateTime.UtcNow - unit.NewestWriteUtc >= Settle;
                _units[unit.Path] = state = new UnitState(unit.Stamp, old ? now - settleTicks : now);
            }
            else if (state.Seen != unit.Stamp)
            {
                state.Seen = unit.Stamp;
                state.SeenAt = now;
            }
            if (state.Processed == state.Seen) continue;
            if (now - state.SeenAt < settleTicks) { unsettled = true; continue; }
            var previous = state.Contents;
            state.Contents = PluginScanner.Read(unit);
            state.Processed = state.Seen;
            // A DLL that cannot be read now (a copy that paused, a bad build) keeps what it held: the running
            // component stays, and its hot reload reports the bad file and keeps the old version serving.
            var kept = previous.Classes.Where(c => state.Contents.Unreadable.Any(u => u.Dll == c.Dll)).ToList();
            if (kept.Count > 0) state.Contents = state.Contents with { Classes = [.. state.Contents.Classes, .. kept] };
            foreach (var (dll, reason) in state.Contents.Unreadable)
                Say($"unreadable|{dll}|{state.Seen}", LogLevel.Warning, "{Worker}: {Dll} is ignored: {Reason}", _label, dll, reason);
        }
        foreach (var gone in _units.Keys.Where(k => !seen.Contains(k)).ToList()) _units.Remove(gone);
        return unsettled;
    }

    /// <summary>A reason as one line, without the "component 'id': " its own line already names.</summary>
    private static string OneLine(string reason, string id)
    {
        var prefix = $"component '{id}': ";
        if (reason.StartsWith(prefix, StringComparison.Ordinal)) reason = reason[prefix.Length..];
        return string.Join(' ', reason.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    /// <summary>Logs a line once per situation (the key), not on every rescan.</summary>
    private void Say(string key, LogLevel level, string message, params object?[] args)
    {
#pragma warning disable CA2254 // message is each caller's constant template, passed through
        if (_said.Add(key)) _log.Log(level, message, args);
#pragma warning restore CA2254
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        _watcher?.Dispose();
        try { await _loop; }
        catch (OperationCanceledException) { }
    }
}
