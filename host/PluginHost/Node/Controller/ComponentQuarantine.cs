using System.Diagnostics;
using PluginHost.Node.Config;

namespace PluginHost.Node.Controller;

/// <summary>
/// Which components of one worker process were running their own start code (constructor, OnJoinAsync), from the
/// worker's <c>component-starting</c> / <c>component-started</c> control messages. Written by the process's output
/// reader, read once the process has exited; a lock keeps the two apart.
/// </summary>
public sealed class ComponentStarts
{
    /// <summary>A death this soon after a component's start returned still counts against it (e.g. OnJoinAsync started a task that exits).</summary>
    public static readonly TimeSpan RightAfter = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, int> _inProgress = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _lastStarted = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public void Starting(string componentId)
    {
        lock (_gate) _inProgress[componentId] = _inProgress.GetValueOrDefault(componentId) + 1;
    }

    public void Started(string componentId, long timestamp)
    {
        lock (_gate)
        {
            if (_inProgress.TryGetValue(componentId, out var n) && n > 1) _inProgress[componentId] = n - 1;
            else _inProgress.Remove(componentId);
            _lastStarted[componentId] = timestamp;
        }
    }

    /// <summary>
    /// The components to blame for a death at <paramref name="exitedAt"/>: those still starting; when none was, those
    /// whose start returned less than <see cref="RightAfter"/> before.
    /// </summary>
    public IReadOnlyList<string> SuspectsAt(long exitedAt)
    {
        lock (_gate)
        {
            if (_inProgress.Count > 0) return [.. _inProgress.Keys.Order(StringComparer.Ordinal)];
            return [.. _lastStarted.Where(s => ElapsedBetween(s.Value, exitedAt) < RightAfter).Select(s => s.Key).Order(StringComparer.Ordinal)];
        }
    }

    private static TimeSpan ElapsedBetween(long from, long to)
        => to <= from ? TimeSpan.Zero : TimeSpan.FromSeconds((to - from) / (double)Stopwatch.Frequency);
}

/// <summary>
/// Decides which components a worker is restarted without (pure; the worker's supervisor asks it on every crash). A
/// component that was starting at <see cref="Threshold"/> crashes of its worker in a row is quarantined: from then on
/// the worker is started without it, so the siblings serve again and the restart budget starts over. The threshold is
/// 3, or max_restarts when that is lower, so a worker quarantines before it runs out of restarts; max_restarts 0
/// (never restart) quarantines nothing. Quarantine lasts until the node restarts.
/// </summary>
public sealed class ComponentQuarantine(int threshold)
{
    public const int DefaultThreshold = 3;

    private readonly Dictionary<string, int> _strikes = new(StringComparer.Ordinal);
    private readonly List<string> _quarantined = [];

    public static ComponentQuarantine For(RestartBackoff backoff) => new(Math.Min(DefaultThreshold, backoff.MaxRestarts));

    /// <summary>Crashes in a row, while starting, that quarantine a component (0: never).</summary>
    public int Threshold => threshold;

    /// <summary>The quarantined components, in the order they were quarantined.</summary>
    public IReadOnlyList<string> Quarantined => _quarantined;

    /// <summary>Counts a crash against <paramref name="suspects"/> (and clears everybody else's count); returns the newly quarantined.</summary>
    public IReadOnlyList<string> OnCrash(IReadOnlyCollection<string> suspects)
    {
        foreach (var id in _strikes.Keys.Where(id => !suspects.Contains(id)).ToList()) _strikes.Remove(id);
        var newly = new List<string>();
        if (threshold <= 0) return newly;
        foreach (var id in suspects)
        {
            if (_quarantined.Contains(id)) continue;
            var strikes = _strikes[id] = _strikes.GetValueOrDefault(id) + 1;
            if (strikes < threshold) continue;
            _strikes.Remove(id);
            _quarantined.Add(id);
            newly.Add(id);
        }
        return newly;
    }

    /// <summary>How many crashes in a row a component has been starting at (0 when none).</summary>
    public int StrikesOf(string componentId) => _strikes.GetValueOrDefault(componentId);
}
