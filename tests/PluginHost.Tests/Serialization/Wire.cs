using System.Buffers;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Serialization;

namespace PluginHost.Tests.Serialization;

/// <summary>Encode/decode helpers shared by the serializer tests; theories take the serializer name.</summary>
internal static class Wire
{
    public static TheoryData<string> Names => new() { "json", "msgpack", "cbor" };

    public static IWampSerializer Get(string name) => WampSerializers.ByName(name)!;

    public static byte[] Encode(IWampSerializer s, WampMessage m)
    {
        var buffer = new ArrayBufferWriter<byte>();
        s.Serialize(m, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Encodes an arbitrary wire array, valid or not.</summary>
    public static byte[] EncodeFields(IWampSerializer s, params object?[] fields)
    {
        var buffer = new ArrayBufferWriter<byte>();
        switch (s)
        {
            case JsonWampSerializer: JsonWampSerializer.SerializeFields(fields, buffer); break;
            case MsgPackWampSerializer: MsgPackWampSerializer.SerializeFields(fields, buffer); break;
            case CborWampSerializer: CborWampSerializer.SerializeFields(fields, buffer); break;
            default: throw new ArgumentException(s.Name);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static WampMessage Decode(IWampSerializer s, byte[] bytes) => s.Deserialize(new ReadOnlySequence<byte>(bytes));

    public static WampMessage RoundTrip(IWampSerializer s, WampMessage m) => Decode(s, Encode(s, m));

    /// <summary>Decodes, accepting only success or WampProtocolException (anything else fails the test).</summary>
    public static bool DecodesOrRejects(IWampSerializer s, ReadOnlySequence<byte> bytes)
    {
        try
        {
            s.Deserialize(bytes);
            return true;
        }
        catch (WampProtocolException)
        {
            return false;
        }
    }

    public static Dictionary<string, object?> Dict(params (string Key, object? Value)[] entries)
    {
        var d = new Dictionary<string, object?>();
        foreach (var (k, v) in entries) d[k] = v;
        return d;
    }

    public static List<object?> List(params object?[] items) => [.. items];
}
