using System.Collections.Concurrent;

namespace PluginHost.Components;

/// <summary>
/// Exactly-once event handling across a hot-reload overlap. While an old and a new generation are
/// both subscribed, the router delivers every publication to both sessions, with the same
/// publication id (WAMP publication ids are global). Each handler claims (subscription, publication)
/// for its generation before it runs; the first generation to claim it handles it, the other skips it.
/// Publications that only one generation received (before the new one subscribed, after the old one
/// left) are claimed by nobody else and handled once. Claims are recorded only while an overlap is
/// under way; they are kept for <see cref="Window"/> after the last overlap ends (the new generation
/// may still have queued events the old one handled), then dropped: memory is bounded by the events
/// of one overlap.
/// </summary>
internal sealed class EventClaims
{
    /// <summary>How long claims outlive the end of an overlap.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<(string Subscription, long Publication), int> _claims = new();
    private readonly Action _suppressed;
    private int _overlaps;
    private long _quietSince; // Environment.TickCount64 when the last overlap ended

    public EventClaims(Action suppressed) => _suppressed = suppressed;

    /// <summary>A new generation is about to subscribe beside the current one.</summary>
    public void BeginOverlap() => Interlocked.Increment(ref _overlaps);

    /// <summary>The old generation of an overlap has left (or the new one failed to join).</summary>
    public void EndOverlap()
    {
        Volatile.Write(ref _quietSince, Environment.TickCount64);
        Interlocked.Decrement(ref _overlaps);
    }

    /// <summary>True when <paramref name="generation"/> should handle this event; false when another generation has.</summary>
    public bool Claim(string subscription, long publication, int generation)
    {
        if (Volatile.Read(ref _overlaps) > 0)
        {
            int owner = _claims.GetOrAdd((subscription, publication), generation);
            if (owner == generation) return true;
            _suppressed();
            return false;
        }
        if (_claims.IsEmpty) return true;
        if (Environment.TickCount64 - Volatile.Read(ref _quietSince) > (long)Window.TotalMilliseconds)
        {
            _claims.Clear();
            return true;
        }
        // Between overlaps: no new claims, but what another generation handled stays handled.
        if (_claims.TryGetValue((subscription, publication), out int claimed) && claimed != generation)
        {
            _suppressed();
            return false;
        }
        return true;
    }
}
