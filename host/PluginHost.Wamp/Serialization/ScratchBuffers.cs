using System.Buffers;
using System.Collections.Concurrent;

namespace PluginHost.Wamp.Serialization;

/// <summary>
/// Encoding buffers shared by all connections: a connection takes one for a batch of sends and gives
/// it back after, so an idle session holds no send buffer (thousands of idle sessions would otherwise
/// each keep a few KB). Only a few are in use at any moment, about one per busy writer.
/// </summary>
public static class ScratchBuffers
{
    private const int InitialSize = 4 * 1024;
    private const int MaxRetainedSize = 64 * 1024; // a buffer grown past this by one large message is dropped
    private const int MaxPooled = 64;

    private static readonly ConcurrentQueue<ArrayBufferWriter<byte>> Pool = new();

    public static ArrayBufferWriter<byte> Rent() => Pool.TryDequeue(out var writer) ? writer : new ArrayBufferWriter<byte>(InitialSize);

    public static void Return(ArrayBufferWriter<byte> writer)
    {
        if (writer.Capacity > MaxRetainedSize || Pool.Count >= MaxPooled) return;
        writer.ResetWrittenCount();
        Pool.Enqueue(writer);
    }
}
