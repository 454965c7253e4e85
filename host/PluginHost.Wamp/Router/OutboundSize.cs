using System.Collections;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Serialization;

namespace PluginHost.Wamp.Router;

/// <summary>
/// The byte cost a queued outbound message is charged against its session's byte limits (flow control,
/// Realm.cs CONCURRENCY DESIGN). Messages are queued before they are encoded (the writer encodes, once per
/// serializer), so this is an ESTIMATE of the encoded size, computed from the payload: string length in chars,
/// byte-array length, 8 per number, plus a fixed overhead per message and per container. It undercounts what
/// JSON adds (quotes, escapes, base64's 4/3 for binary) and is close for MessagePack/CBOR; what it must get
/// right is the order of magnitude of large payloads, which it does. It never looks at the cached encoding:
/// the value must be the same every time it is asked (Send adds it, the writer subtracts it), so it is
/// computed once per message and kept on it (shared by every session the message is fanned out to).
/// </summary>
internal static class OutboundSize
{
    private const int MessageOverhead = 64, ContainerOverhead = 8, ScalarSize = 8, MaxDepth = 64;

    public static int Of(WampMessage message)
    {
        int cached = Volatile.Read(ref message.OutboundSizeEstimate);
        if (cached != 0) return cached;
        long size = MessageOverhead;
        if (message is IWampPayload payload)
            size += ValueSize(payload.Arguments, 0) + ValueSize(payload.ArgumentsKw, 0);
        int result = (int)Math.Min(size, int.MaxValue);
        Volatile.Write(ref message.OutboundSizeEstimate, result); // racing computations agree: same walk, same value
        return result;
    }

    private static long ValueSize(object? value, int depth)
    {
        switch (value)
        {
            case null: return 1;
            case string s: return s.Length + 2;
            case byte[] b: return b.Length + 4;
            case ReadOnlyMemory<byte> m: return m.Length + 4;
            case bool: return 1;
            case EncodedPayload encoded: return encoded.Bytes.Length; // never decoded for this
            // Arguments (List or array): indexed, without boxing an enumerator per message.
            case IReadOnlyList<object?> list:
            {
                if (depth >= MaxDepth) return ContainerOverhead;
                long size = ContainerOverhead;
                for (int i = 0; i < list.Count; i++) size += ValueSize(list[i], depth + 1);
                return size;
            }
            case IReadOnlyDictionary<string, object?> dict:
            {
                if (depth >= MaxDepth) return ContainerOverhead;
                long size = ContainerOverhead;
                foreach (var (key, item) in dict) size += key.Length + 2 + ValueSize(item, depth + 1);
                return size;
            }
            case IEnumerable list when value is not IDictionary:
            {
                if (depth >= MaxDepth) return ContainerOverhead;
                long size = ContainerOverhead;
                foreach (var item in list) size += ValueSize(item, depth + 1);
                return size;
            }
            default: return ScalarSize;
        }
    }
}
