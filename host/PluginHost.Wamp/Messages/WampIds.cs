namespace PluginHost.Wamp.Messages;

/// <summary>ID rules of basic/building_blocks.md: every ID is an integer in [1, 2^53].</summary>
public static class WampIds
{
    public const long Max = 1L << 53;

    /// <summary>Global scope (sessions, publications): drawn uniformly at random from [1, 2^53].</summary>
    public static long NewGlobalId() => Random.Shared.NextInt64(1, Max + 1);

    public static bool IsValid(long id) => id >= 1 && id <= Max;
}

/// <summary>
/// Session scope (request IDs): start at 1, +1 per request, wrapping after 2^53.
/// Thread-safe; one instance per client session.
/// </summary>
public sealed class SequentialIdGenerator
{
    private long _last;

    public long Next()
    {
        while (true)
        {
            long last = Volatile.Read(ref _last);
            long next = last >= WampIds.Max ? 1 : last + 1;
            if (Interlocked.CompareExchange(ref _last, next, last) == last) return next;
        }
    }
}
