using System.Buffers;
using CsCheck;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Serialization;
using static PluginHost.Tests.Serialization.Wire;

namespace PluginHost.Tests.Serialization;

/// <summary>
/// Serializers write the messages that carry a payload field by field (WampMessageCodec.Write, issue 13) and every
/// other message through its fields array (WampMessageCodec.ToFields): both layouts must give the same bytes.
/// </summary>
public class MessageWriterTests
{
    // Every writer a node uses: the clients' serializers, the router's (payloads kept), and the cluster's envelope.
    private static readonly IWampSerializer[] Writers =
        [.. WampSerializers.All, .. WampSerializers.SelectForRouting(null), MsgPackWampSerializer.Cluster];

    [Fact]
    public void Random_messages_are_written_as_their_fields_array_is_by_every_serializer()
        => Gen.Select(WireFuzz.Serializer, WireFuzz.PlausibleFields)
            .Sample((format, fields) =>
            {
                if (WireFuzz.TryEncode(format, fields) is not { } frame) return;
                // Decoded by the client's serializer (values) and by the router's (payloads kept as bytes).
                foreach (var reader in new[] { Get(format), WampSerializers.SelectForRouting([format])[0] })
                {
                    WampMessage message;
                    try { message = Decode(reader, frame); }
                    catch (WampProtocolException) { return; }
                    foreach (var writer in Writers) AssertSameBytes(writer, message);
                }
            }, time: 2, threads: 1);

    public static TheoryData<WampMessage> PayloadShapes => new()
    {
        new EventMessage(1, 2, WampValue.NoDetails),
        new EventMessage(1, 2, WampValue.NoDetails, [], new Dictionary<string, object?>()),
        new EventMessage(1, 2, WampValue.NoDetails, null, Dict(("k", 1L))),
        new EventMessage(1, 2, WampValue.NoDetails, List(1L, "x")),
        new InvocationMessage(long.MaxValue, 9007199254740992, Dict(("caller", 3L)), List(1.5, null, true), Dict(("a", List()))),
        new ResultMessage(7, WampValue.NoDetails, [], Dict(("k", "v"))),
        new CallMessage(7, Dict(("timeout", 1000L)), "com.example.add", List(2L, 3L)),
        new YieldMessage(7, WampValue.NoDetails, List(new byte[] { 1, 2, 3 })),
        new PublishMessage(7, Dict(("acknowledge", true)), "com.example.topic", null, Dict(("x", null))),
        new ErrorMessage(WampMessageType.Call, 7, WampValue.NoDetails, "wamp.error.runtime_error", List("boom")),
        new ErrorMessage(WampMessageType.Invocation, 7, WampValue.NoDetails, "com.example.error"),
        new CallMessage(7, null!, null!),
        new HelloMessage("realm1", Dict(("roles", Dict(("caller", Dict()))))),
    };

    [Theory]
    [MemberData(nameof(PayloadShapes))]
    public void Each_payload_shape_is_written_as_its_fields_array_is(WampMessage message)
    {
        foreach (var writer in Writers) AssertSameBytes(writer, message);
    }

    private static void AssertSameBytes(IWampSerializer writer, WampMessage message)
    {
        var (direct, directError) = Written(() => Encode(writer, message));
        var (byFields, fieldsError) = Written(() => ByFields(writer, WampMessageCodec.ToFields(message)));
        Assert.Equal(fieldsError, directError);
        Assert.Equal(byFields, direct);
    }

    private static (byte[]? Bytes, Type? Error) Written(Func<byte[]> write)
    {
        try { return (write(), null); }
        catch (Exception e) { return (null, e.GetType()); }
    }

    private static byte[] ByFields(IWampSerializer writer, object?[] fields)
    {
        var output = new ArrayBufferWriter<byte>();
        switch (writer)
        {
            case JsonWampSerializer: JsonWampSerializer.SerializeFields(fields, output); break;
            case MsgPackWampSerializer m: MsgPackWampSerializer.SerializeFields(fields, output, ReferenceEquals(m, MsgPackWampSerializer.Cluster)); break;
            case CborWampSerializer: CborWampSerializer.SerializeFields(fields, output); break;
            default: throw new ArgumentException(writer.Name);
        }
        return output.WrittenSpan.ToArray();
    }
}
