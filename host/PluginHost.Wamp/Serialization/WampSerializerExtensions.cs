using System.Buffers;
using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Serialization;

public static class WampSerializerExtensions
{
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;

    // Scratch buffers that grew past this are dropped instead of being kept per thread.
    private const int MaxRetainedBuffer = 1 << 20;

    /// <summary>
    /// The encoded message for sending: EVENTs (the one message type the router fans out to many
    /// receivers) go through <see cref="SerializeCached"/>; every other message has exactly one
    /// receiver, so it is encoded into the caller's reusable <paramref name="scratch"/> buffer instead
    /// of a new array. The result is valid until <paramref name="scratch"/> is used again.
    /// </summary>
    public static ReadOnlyMemory<byte> SerializeForSend(this IWampSerializer serializer, WampMessage message, ArrayBufferWriter<byte> scratch)
    {
        if (message is EventMessage || Volatile.Read(ref message.Encoded) is not null) return serializer.SerializeCached(message);
        scratch.ResetWrittenCount();
        serializer.Serialize(message, scratch);
        return scratch.WrittenMemory;
    }

    /// <summary>
    /// The message encoded by <paramref name="serializer"/>, cached on the message so an EVENT
    /// fanned out to many subscribers is encoded once per serializer. The message keeps one
    /// cached encoding (the latest serializer's); concurrent callers may both encode, which is
    /// harmless because the results are identical. Callers must not mutate the returned bytes.
    /// </summary>
    public static ReadOnlyMemory<byte> SerializeCached(this IWampSerializer serializer, WampMessage message)
    {
        var cached = Volatile.Read(ref message.Encoded);
        if (cached is not null && ReferenceEquals(cached.Serializer, serializer)) return cached.Bytes;

        var buffer = t_buffer ?? new ArrayBufferWriter<byte>(256);
        t_buffer = null; // re-entrant calls take a fresh buffer
        byte[] bytes;
        try
        {
            serializer.Serialize(message, buffer);
            bytes = buffer.WrittenSpan.ToArray();
        }
        finally
        {
            buffer.ResetWrittenCount();
            if (buffer.Capacity <= MaxRetainedBuffer) t_buffer = buffer;
        }
        Volatile.Write(ref message.Encoded, new EncodedFrame(serializer, bytes));
        return bytes;
    }
}
