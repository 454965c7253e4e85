using System.Buffers;
using System.Text;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;

namespace PluginHost.Tests.Transport;

/// <summary>The batched subprotocols' framing, as Autobahn writes and reads it.</summary>
public sealed class BatchedFramingTests
{
    private static byte[] Frame(IWampSerializer serializer, params WampMessage[] messages)
    {
        var output = new ArrayBufferWriter<byte>();
        foreach (var m in messages)
        {
            var encoded = new ArrayBufferWriter<byte>();
            serializer.Serialize(m, encoded);
            BatchedFraming.Append(serializer, encoded.WrittenSpan, output);
        }
        return output.WrittenSpan.ToArray();
    }

    [Theory]
    [InlineData("json")]
    [InlineData("msgpack")]
    [InlineData("cbor")]
    public void SeveralMessagesRoundTripInOneWebSocketMessage(string name)
    {
        var serializer = WampSerializers.ByName(name)!;
        WampMessage[] messages = [new PublishMessage(1, new Dictionary<string, object?>(), "com.a", ["x\u0018y"]), new GoodbyeMessage(new Dictionary<string, object?>(), "wamp.close.normal")];

        var parts = BatchedFraming.Split(serializer, Frame(serializer, messages));

        Assert.Equal(2, parts.Count);
        var publish = Assert.IsType<PublishMessage>(serializer.Deserialize(new ReadOnlySequence<byte>(parts[0])));
        Assert.Equal("x\u0018y", publish.Arguments![0]); // a control character inside a string is escaped in JSON, so splitting is exact
        Assert.IsType<GoodbyeMessage>(serializer.Deserialize(new ReadOnlySequence<byte>(parts[1])));
    }

    [Fact]
    public void JsonUsesAutobahnsTerminatorAndAcceptsTheSpecsToo()
    {
        var framed = Frame(WampSerializers.Json, new GoodbyeMessage(new Dictionary<string, object?>(), "wamp.close.normal"));
        Assert.Equal(0x18, framed[^1]);

        var spec = Encoding.UTF8.GetBytes("[6,{},\"wamp.close.normal\"]\u001e[6,{},\"wamp.close.normal\"]");
        Assert.Equal(2, BatchedFraming.Split(WampSerializers.Json, spec).Count);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0 })]              // truncated length prefix
    [InlineData(new byte[] { 0, 0, 0, 9, 0x91, 1 })]  // a length past the end
    [InlineData(new byte[0])]                          // no message at all
    public void BrokenBinaryFramingIsAProtocolError(byte[] payload)
        => Assert.Throws<WampProtocolException>(() => BatchedFraming.Split(WampSerializers.MsgPack, payload));

    [Fact]
    public void AnEmptyJsonBatchIsAProtocolError()
        => Assert.Throws<WampProtocolException>(() => BatchedFraming.Split(WampSerializers.Json, new byte[] { 0x18 }));
}
