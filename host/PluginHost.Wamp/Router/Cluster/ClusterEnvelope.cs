using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Serialization;

namespace PluginHost.Wamp.Router.Cluster;

/// <summary>What a point-to-point message between nodes is about.</summary>
internal enum EnvelopeKind : byte
{
    /// <summary>From the sender's dealer to a session of the receiving node (INVOCATION, INTERRUPT, ERROR for a YIELD).</summary>
    ToSession = 1,
    /// <summary>From a session of the sending node to the receiver's dealer (YIELD, ERROR for an INVOCATION).</summary>
    FromSession = 2,
    /// <summary>
    /// "Send me a marker behind your publications": the receiver publishes a sync marker (<see cref="ClusterEnvelope.SyncTopic"/>)
    /// on the realm's publication subject, so the asking node knows it has routed everything published before.
    /// </summary>
    SyncRequest = 3,
    /// <summary>
    /// A NATS request: "reply once your realm loop has handled everything I sent you before". It travels on the receiver's
    /// node subject behind the sender's earlier envelopes, and the receiver's loop answers it in its turn.
    /// </summary>
    LoopBarrier = 4,
}

/// <summary>A point-to-point message between nodes, decoded.</summary>
internal sealed record Envelope(EnvelopeKind Kind, long Session, string FromNode, WampMessage Message);

/// <summary>
/// The bytes that travel over NATS between nodes: WAMP messages in MessagePack (our own serializer: every WAMP value,
/// binary payloads of payload passthru mode included, goes through unchanged; a payload kept as the JSON it came in
/// travels as those bytes, <see cref="MsgPackWampSerializer.Cluster"/>), behind a small header.
/// Point-to-point: [kind:1][session:8, little endian][node length:1][node id, ASCII][WAMP message].
/// Publication: a PUBLISH whose request id is the publication id and whose options carry, under
/// <see cref="DetailsKey"/>, the EVENT details decided by the publisher's node (disclosure, payload passthru).
/// </summary>
internal static class ClusterEnvelope
{
    internal const string DetailsKey = "x_pluginhost_details";

    /// <summary>The topic of sync markers: reserved (wamp.), so no client can publish it.</summary>
    internal const string SyncTopic = "wamp.cluster.sync";
    internal const string SyncToKey = "x_pluginhost_to";
    internal const string SyncFromKey = "x_pluginhost_from";

    /// <summary>The message of an envelope that only asks something (<see cref="EnvelopeKind.SyncRequest"/>,
    /// <see cref="EnvelopeKind.LoopBarrier"/>): its kind says what; a PUBLISH to the reserved sync topic, never routed.</summary>
    internal static readonly WampMessage Probe = new PublishMessage(1, new Dictionary<string, object?>(), SyncTopic);

    public static byte[] Encode(EnvelopeKind kind, long session, string fromNode, WampMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        var node = Encoding.ASCII.GetBytes(fromNode);
        var header = buffer.GetSpan(10 + node.Length);
        header[0] = (byte)kind;
        BinaryPrimitives.WriteInt64LittleEndian(header[1..], session);
        header[9] = checked((byte)node.Length);
        node.CopyTo(header[10..]);
        buffer.Advance(10 + node.Length);
        MsgPackWampSerializer.Cluster.Serialize(message, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    public static Envelope Decode(byte[] data)
    {
        if (data.Length < 10 || data[0] is not ((byte)EnvelopeKind.ToSession or (byte)EnvelopeKind.FromSession or (byte)EnvelopeKind.SyncRequest or (byte)EnvelopeKind.LoopBarrier))
            throw new WampProtocolException("cluster envelope: bad header");
        long session = BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(1));
        int nodeLength = data[9];
        if (data.Length < 10 + nodeLength) throw new WampProtocolException("cluster envelope: truncated");
        var node = Encoding.ASCII.GetString(data, 10, nodeLength);
        var message = MsgPackWampSerializer.Cluster.Deserialize(new ReadOnlySequence<byte>(data.AsMemory(10 + nodeLength)));
        return new Envelope((EnvelopeKind)data[0], session, node, message);
    }

    public static byte[] EncodePublication(string topic, long publication, IReadOnlyDictionary<string, object?> options,
        IReadOnlyDictionary<string, object?>? details, IReadOnlyList<object?>? arguments, IReadOnlyDictionary<string, object?>? argumentsKw)
    {
        var carried = new Dictionary<string, object?>(options);
        if (details is not null) carried[DetailsKey] = details;
        var buffer = new ArrayBufferWriter<byte>(256);
        MsgPackWampSerializer.Cluster.Serialize(new PublishMessage(publication, carried, topic, arguments, argumentsKw), buffer);
        return buffer.WrittenSpan.ToArray();
    }

    public static PublishMessage DecodePublication(byte[] data)
        => MsgPackWampSerializer.Cluster.Deserialize(new ReadOnlySequence<byte>(data)) as PublishMessage
           ?? throw new WampProtocolException("cluster publication: not a PUBLISH");
}
