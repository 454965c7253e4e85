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

    /// <summary>
    /// The message built from a read message's root (<see cref="Messages.WampMessageCodec.FromFields"/>); then, when
    /// the root is a list <see cref="Take"/> gave (<paramref name="taken"/>), the list is given back.
    /// </summary>
    public static Messages.WampMessage ToMessage(object? root, bool integralFloatIds, bool taken)
    {
        var message = Messages.WampMessageCodec.FromFields(root, integralFloatIds);
        if (taken && root is List<object?> { Capacity: <= MaxKeptCapacity } fields)
        {
            fields.Clear();
            t_fields = fields;
        }
        return message;
    }
}
