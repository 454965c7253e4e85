namespace PluginHost.Wamp.Serialization;

/// <summary>The built-in serializers and lookups by config name, WebSocket subprotocol and RawSocket id.</summary>
public static class WampSerializers
{
    public static IWampSerializer Json => JsonWampSerializer.Instance;
    public static IWampSerializer MsgPack => MsgPackWampSerializer.Instance;
    public static IWampSerializer Cbor => CborWampSerializer.Instance;

    /// <summary>All built-in serializers in preference order: json, msgpack, cbor.</summary>
    public static IReadOnlyList<IWampSerializer> All { get; } = [JsonWampSerializer.Instance, MsgPackWampSerializer.Instance, CborWampSerializer.Instance];

    /// <summary>Config name (json, msgpack, cbor; case-insensitive) or null when unknown.</summary>
    public static IWampSerializer? ByName(string name)
    {
        foreach (var s in All)
            if (string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase)) return s;
        return null;
    }

    /// <summary>WebSocket subprotocol (e.g. wamp.2.json; compared exactly) or null when unsupported.</summary>
    public static IWampSerializer? BySubprotocol(string subprotocol)
    {
        foreach (var s in All)
            if (string.Equals(s.Subprotocol, subprotocol, StringComparison.Ordinal)) return s;
        return null;
    }

    /// <summary>RawSocket handshake serializer id (1 JSON, 2 MessagePack, 3 CBOR) or null when unsupported.</summary>
    public static IWampSerializer? ByRawSocketId(byte id)
    {
        foreach (var s in All)
            if (s.RawSocketId == id) return s;
        return null;
    }

    /// <summary>
    /// Resolves a transport's configured <c>serializers</c> list, keeping its order and
    /// dropping repeats. Null or empty means all built-in serializers.
    /// </summary>
    /// <exception cref="ArgumentException">a name is not a known serializer.</exception>
    public static IReadOnlyList<IWampSerializer> Select(IEnumerable<string>? names)
    {
        if (names is null) return All;
        var selected = new List<IWampSerializer>();
        foreach (var name in names)
        {
            var s = ByName(name) ?? throw new ArgumentException(
                $"unknown serializer '{name}' (supported: {string.Join(", ", All.Select(x => x.Name))})", nameof(names));
            if (!selected.Contains(s)) selected.Add(s);
        }
        return selected.Count == 0 ? All : selected;
    }

    /// <summary>
    /// <see cref="Select"/> for a router's transports: the same formats, read the way a router reads them, keeping the
    /// payloads it only forwards as the bytes they came in (<see cref="EncodedPayload"/>).
    /// </summary>
    public static IReadOnlyList<IWampSerializer> SelectForRouting(IEnumerable<string>? names)
        => Select(names).Select(ForRouting).ToArray();

    private static IWampSerializer ForRouting(IWampSerializer serializer) => serializer switch
    {
        JsonWampSerializer => JsonWampSerializer.Routing,
        MsgPackWampSerializer => MsgPackWampSerializer.Routing,
        CborWampSerializer => CborWampSerializer.Routing,
        _ => serializer,
    };
}
