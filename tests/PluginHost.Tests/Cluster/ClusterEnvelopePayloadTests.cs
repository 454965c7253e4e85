using System.Buffers;
using System.Text;
using MessagePack;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router.Cluster;
using PluginHost.Wamp.Serialization;

namespace PluginHost.Tests.Cluster;

/// <summary>
/// A payload a router kept as the JSON it came in crosses the cluster as those bytes (issue 13: "keep the cluster path
/// as lean"), and is kept as JSON again on the other node; everything else crosses as MessagePack values, as before.
/// </summary>
public class ClusterEnvelopePayloadTests
{
    private static readonly IWampSerializer Routing = WampSerializers.SelectForRouting(["json"])[0];

    private static T ReadJson<T>(string json) where T : WampMessage
        => (T)Routing.Deserialize(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json)));

    private static string WriteJson(WampMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Routing.Serialize(message, buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void A_kept_JSON_payload_crosses_to_another_node_without_being_decoded()
    {
        var yield = ReadJson<YieldMessage>("""[70,5,{},[1.0,"x",{"n":[]}],{"k":1e2}]""");
        var envelope = ClusterEnvelope.Decode(ClusterEnvelope.Encode(EnvelopeKind.FromSession, 42, "node-a", yield));

        var crossed = Assert.IsType<YieldMessage>(envelope.Message);
        var args = Assert.IsType<EncodedArguments>(crossed.Arguments);
        var kwargs = Assert.IsType<EncodedArgumentsKwDictionary>(crossed.ArgumentsKw);
        Assert.Equal(3, args.Count);
        Assert.Equal("""[50,5,{},[1.0,"x",{"n":[]}],{"k":1e2}]""", WriteJson(new ResultMessage(5, WampValue.NoDetails, args, kwargs)));
        Assert.False(args.IsDecoded);
        Assert.False(((EncodedArguments)yield.Arguments!).IsDecoded);
    }

    [Fact]
    public void A_kept_JSON_publication_crosses_and_reads_as_its_values()
    {
        var publish = ReadJson<PublishMessage>("""[16,1,{},"com.t",["\u0000AQI=",3]]""");
        var crossed = ClusterEnvelope.DecodePublication(ClusterEnvelope.EncodePublication("com.t", 77, publish.Options, null, publish.Arguments, null));
        Assert.IsType<EncodedArguments>(crossed.Arguments);
        Assert.Equal(new byte[] { 1, 2 }, crossed.Arguments![0]);
        Assert.Equal(3L, crossed.Arguments[1]);
    }

    [Fact]
    public void Decoded_payloads_cross_as_MessagePack_and_are_kept_as_that_on_the_other_node()
    {
        var call = new InvocationMessage(3, 4, WampValue.NoDetails, [double.NaN, new byte[] { 9 }], new Dictionary<string, object?> { ["a"] = 1L });
        var crossed = (InvocationMessage)ClusterEnvelope.Decode(ClusterEnvelope.Encode(EnvelopeKind.ToSession, 1, "n", call)).Message;
        Assert.IsType<EncodedArguments>(crossed.Arguments);
        Assert.True(double.IsNaN((double)crossed.Arguments![0]!));
        Assert.True(WampValue.DeepEquals(call.ArgumentsKw, crossed.ArgumentsKw));
    }

    /// <summary>An envelope as a peer on the NATS server could forge it: [kind, session, node, message].</summary>
    private static byte[] Forged(params object?[] fields)
    {
        var buffer = new ArrayBufferWriter<byte>();
        buffer.Write<byte>([(byte)EnvelopeKind.ToSession, 1, 0, 0, 0, 0, 0, 0, 0, 1, (byte)'n']);
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(fields.Length);
        foreach (var field in fields)
        {
            switch (field)
            {
                case long l: writer.Write(l); break;
                case string s when s.StartsWith("json:", StringComparison.Ordinal):
                    var json = Encoding.UTF8.GetBytes(s[5..]);
                    writer.WriteExtensionFormatHeader(new ExtensionHeader(MsgPackWampSerializer.JsonPayloadExtension, json.Length));
                    writer.WriteRaw(json);
                    break;
                case string s: writer.Write(s); break;
                case Dictionary<string, object?>: writer.WriteMapHeader(0); break;
            }
        }
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    [Theory]
    [InlineData("json:[1,")]            // not JSON
    [InlineData("json:{\"a\":1}")]      // a map where Arguments goes
    [InlineData("json:[1] [2]")]        // trailing data
    [InlineData("json:[\"\\ud800\"]")]  // what decoding refuses
    public void A_bad_JSON_payload_from_another_node_is_refused(string payload)
    {
        var data = Forged(68L, 1L, 2L, new Dictionary<string, object?>(), payload);
        Assert.Throws<WampProtocolException>(() => ClusterEnvelope.Decode(data));
    }

    [Fact]
    public void A_JSON_extension_anywhere_but_a_payload_is_refused()
    {
        Assert.Throws<WampProtocolException>(() => ClusterEnvelope.Decode(Forged(68L, 1L, 2L, "json:{}")));
        Assert.IsType<EncodedArguments>(((InvocationMessage)ClusterEnvelope.Decode(
            Forged(68L, 1L, 2L, new Dictionary<string, object?>(), "json:[1]")).Message).Arguments);
    }
}
