namespace PluginHost.Wamp.Metrics;

/// <summary>
/// Bytes a router-side connection received and sent (WAMP payloads as framed on the wire, without WebSocket/RawSocket
/// frame headers), by serializer, into <see cref="RouterMetrics"/>: the node's listeners attach one to each
/// connection they accept; client connections have none, so a client in the router's process never counts as router
/// traffic.
/// </summary>
public sealed class TransportTraffic
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, TransportTraffic> BySerializer = new();

    private readonly KeyValuePair<string, object?> _serializer;

    private TransportTraffic(string serializer) => _serializer = new(RouterMetrics.SerializerTag, serializer);

    /// <summary>The counter of one serializer's traffic (it holds nothing per connection, so connections share it).</summary>
    public static TransportTraffic For(string serializer) => BySerializer.GetOrAdd(serializer, static name => new TransportTraffic(name));

    internal void AddReceived(int bytes) => RouterMetrics.BytesReceivedFrom(_serializer, bytes);

    internal void AddSent(int bytes) => RouterMetrics.BytesSentTo(_serializer, bytes);
}
