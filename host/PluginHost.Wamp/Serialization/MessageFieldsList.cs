namespace PluginHost.Wamp.Serialization;

/// <summary>
/// The list a router's reader collects a message's top-level fields in (the ReadMessage of each format), one per
/// thread and reused: <see cref="Messages.WampMessageCodec.FromFields"/> takes the values out and keeps nothing of the
/// list, so allocating one per message read (~100 B) bought nothing (issue 13).
/// </summary>
internal static class MessageFieldsList
{
    // A list that grew for a message with many fields is left to the GC rather than kept for the thread's life.
    private const int MaxKeptCapacity = 16;

    [ThreadStatic] private static List<object?>? t_fields;

    /// <summary>An empty list, taken out while in use so that a re-entrant read gets its own.</summary>
    public static List<object?> Take()
    {
        var fields = t_fields ?? new List<object?>(8);
        t_fields = null;
        return fields;
    }

    /// <summary>Gives back the list <see cref="Take"/> gave (a message's root), once the message has been built from it.</summary>
    public static void Return(object? root)
    {
        if (root is not List<object?> { Capacity: <= MaxKeptCapacity } fields) return;
        fields.Clear();
        t_fields = fields;
    }
}
