using System.Buffers;
using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Serialization;

/// <summary>
/// Encodes WAMP messages for one wire format. Implementations are stateless and thread-safe.
/// Decoding never throws anything but <see cref="WampProtocolException"/> on bad input.
/// </summary>
public interface IWampSerializer
{
    /// <summary>Short name used in config <c>serializers</c> lists: json, msgpack, cbor.</summary>
    string Name { get; }

    /// <summary>WebSocket subprotocol, e.g. wamp.2.json.</summary>
    string Subprotocol { get; }

    /// <summary>True when frames are binary (WebSocket binary messages).</summary>
    bool IsBinary { get; }

    /// <summary>RawSocket serializer id: 1 JSON, 2 MessagePack, 3 CBOR.</summary>
    byte RawSocketId { get; }

    /// <summary>Appends the encoded message to <paramref name="output"/>.</summary>
    void Serialize(WampMessage message, IBufferWriter<byte> output);

    /// <summary>Decodes exactly one message from <paramref name="data"/>.</summary>
    /// <exception cref="WampProtocolException">the bytes are not a valid message.</exception>
    WampMessage Deserialize(ReadOnlySequence<byte> data);
}
