using System.Buffers;
using System.Text;
using CsCheck;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Serialization;
using static PluginHost.Tests.Serialization.Wire;

namespace PluginHost.Tests.Serialization;

/// <summary>
/// A router reads JSON keeping each payload as the bytes it came in (EncodedPayload, issue 13): it must refuse exactly
/// what decoding refuses, give the same values when something reads them, and write a forwarded payload unchanged.
/// </summary>
public class EncodedPayloadTests
{
    private static readonly IWampSerializer Routing = WampSerializers.SelectForRouting(["json"])[0];
    private static readonly IWampSerializer Json = WampSerializers.Json;

    private static WampMessage Read(string json) => Routing.Deserialize(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void A_forwarded_payload_is_written_as_it_came_without_being_decoded()
    {
        var call = (CallMessage)Read("""[48,7,{},"com.p",[1.0,"\u00e9",{"a":[]},"\u0000AQI="],{"k":1e2,"k":3}]""");
        var args = Assert.IsType<EncodedArguments>(call.Arguments);
        var kwargs = Assert.IsType<EncodedArgumentsKwDictionary>(call.ArgumentsKw);
        Assert.Equal(4, args.Count);

        var invocation = new InvocationMessage(9, 11, WampValue.NoDetails, call.Arguments, call.ArgumentsKw);
        var written = Encoding.UTF8.GetString(Encode(Routing, invocation));

        // Decoding and encoding again would write 1, "é", the last "k" only, and 100.
        Assert.Equal("""[68,9,11,{},[1.0,"\u00e9",{"a":[]},"\u0000AQI="],{"k":1e2,"k":3}]""", written);
        Assert.False(args.IsDecoded);
        Assert.False(kwargs.IsDecoded);
    }

    [Theory]
    [InlineData("msgpack")]
    [InlineData("cbor")]
    [InlineData("json")]
    public void A_payload_sent_on_in_another_format_or_read_is_decoded_as_decoding_would(string other)
    {
        const string frame = """[16,3,{},"com.t",[1.0,"\u00e9",{"a":[null,true]},"\u0000AQI=",18446744073709551615],{"k":1e2,"k":3}]""";
        var kept = (PublishMessage)Read(frame);
        var decoded = (PublishMessage)Decode(Json, Encoding.UTF8.GetBytes(frame));

        var s = Get(other);
        var sent = (EventMessage)Decode(s, Encode(s, new EventMessage(1, 2, WampValue.NoDetails, kept.Arguments, kept.ArgumentsKw)));

        Assert.True(WampValue.DeepEquals(decoded.Arguments, sent.Arguments));
        Assert.True(WampValue.DeepEquals(decoded.ArgumentsKw, sent.ArgumentsKw));
        Assert.Equal(3L, sent.ArgumentsKw!["k"]);
        Assert.IsType<byte[]>(kept.Arguments![3]);
        Assert.True(WampValue.DeepEquals(decoded.Arguments, kept.Arguments));
    }

    [Fact]
    public void Empty_payloads_and_messages_without_a_payload_are_decoded_as_before()
    {
        var call = (CallMessage)Read("""[48,7,{},"com.p",[],{}]""");
        Assert.IsType<List<object?>>(call.Arguments);
        Assert.IsType<Dictionary<string, object?>>(call.ArgumentsKw);
        Assert.Equal("""[48,7,{},"com.p"]""", Encoding.UTF8.GetString(Encode(Routing, call)));

        // Only the payload positions of the payload-carrying messages are kept: SUBSCRIBE's options are decoded.
        var subscribe = (SubscribeMessage)Read("""[32,1,{"match":"prefix"},"com."]""");
        Assert.IsType<Dictionary<string, object?>>(subscribe.Options);
        var result = (ResultMessage)Read("""[50,1,{"progress":true},["x"]]""");
        Assert.IsType<Dictionary<string, object?>>(result.Details);
        Assert.IsType<EncodedArguments>(result.Arguments);
    }

    [Theory]
    [InlineData("""[48,1,{},"p",["\ud800"]]""")]                 // a lone surrogate escape
    [InlineData("""[48,1,{},"p",["\u0000@@@@"]]""")]              // binary that is not Base64
    [InlineData("""[48,1,{},"p",[1e400]]""")]                     // a number no double holds
    [InlineData("""[48,1,{},"p",[1],{"\udc00":1}]""")]            // a key that is no text
    [InlineData("""[48,1,{},"p",[1,]]""")]                        // grammar
    [InlineData("""[50,1,{},[1],[2]]""")]                         // ArgumentsKw that is a list
    [InlineData("""[70,1,{},{"a":1}]""")]                         // Arguments that is a map
    public void What_decoding_refuses_the_router_refuses(string frame)
    {
        Assert.Throws<WampProtocolException>(() => Decode(Json, Encoding.UTF8.GetBytes(frame)));
        Assert.Throws<WampProtocolException>(() => Read(frame));
    }

    [Fact]
    public void Invalid_UTF8_and_nesting_too_deep_are_refused_in_a_kept_payload()
    {
        byte[] invalid = [.. "[48,1,{},\"p\",[\""u8, 0xC3, 0x28, .. "\"]]"u8];
        Assert.Throws<WampProtocolException>(() => Decode(Json, invalid));
        Assert.Throws<WampProtocolException>(() => Routing.Deserialize(new ReadOnlySequence<byte>(invalid)));
        Assert.Throws<WampProtocolException>(() => Routing.Deserialize(SegmentedSequence.Create(invalid, 3)));

        string deep = "[48,1,{},\"p\"," + new string('[', ValueWriter.MaxDepth) + new string(']', ValueWriter.MaxDepth) + "]";
        Assert.Throws<WampProtocolException>(() => Decode(Json, Encoding.UTF8.GetBytes(deep)));
        Assert.Throws<WampProtocolException>(() => Read(deep));
    }

    [Fact]
    public void Threads_reading_a_kept_payload_at_once_see_one_decoded_value()
    {
        var call = (CallMessage)Read("""[48,7,{},"com.p",[{"a":1},[2]]]""");
        var seen = new object?[16];
        Parallel.For(0, seen.Length, i => seen[i] = call.Arguments![0]);
        Assert.All(seen, value => Assert.Same(seen[0], value));
    }

    private static IWampSerializer RoutingOf(string name) => WampSerializers.SelectForRouting([name])[0];

    /// <summary>Any frame, in one piece or in 3-byte segments: the router accepts what decoding accepts, with equal values.</summary>
    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Wire))]
    public void Messages_read_one_after_another_share_nothing(string serializer)
    {
        // The router's readers collect a message's fields in one list per thread (MessageFieldsList): a message read
        // earlier, a refused one with too many fields and a re-entrant read in between must not see each other's.
        var routing = RoutingOf(serializer);
        var plain = Get(serializer);
        var call = (CallMessage)Decode(routing, EncodeFields(plain, 48L, 7L, Dict(), "com.a", List(1L, "x"), Dict(("k", true))));
        Assert.Throws<WampProtocolException>(() => Decode(routing, EncodeFields(plain, [.. Enumerable.Repeat<object?>(50L, 20)])));
        var error = (ErrorMessage)Decode(routing, EncodeFields(plain, 8L, 48L, 9L, Dict(("d", 2L)), "com.error", List(3L)));
        Assert.Equal(3L, error.Arguments![0]); // decoded on first use, on this thread, between two reads
        var result = (ResultMessage)Decode(routing, EncodeFields(plain, 50L, 11L, Dict(), List("y")));

        Assert.Equal((7L, "com.a", 2, "x", true), (call.RequestId, call.Procedure, call.Arguments!.Count, call.Arguments[1], call.ArgumentsKw!["k"]));
        Assert.Equal((WampMessageType.Call, 9L, "com.error", 2L), (error.RequestType, error.RequestId, error.Error, error.Details["d"]));
        Assert.Equal((11L, "y"), (result.RequestId, result.Arguments![0]));
    }

    private static void ReadsAsDecodingDoes(string serializer, byte[] frame)
    {
        IWampSerializer plain = Get(serializer), routing = RoutingOf(serializer);
        WampMessage? expected = null;
        try { expected = Decode(plain, frame); }
        catch (WampProtocolException) { }
        foreach (var input in new[] { new ReadOnlySequence<byte>(frame), SegmentedSequence.Create(frame, 3) })
        {
            if (expected is null)
            {
                Assert.Throws<WampProtocolException>(() => routing.Deserialize(input));
                continue;
            }
            var kept = routing.Deserialize(input);
            Assert.True(WampValue.DeepEquals(WampMessageCodec.ToFields(expected), WampMessageCodec.ToFields(kept)), Convert.ToHexString(frame));
            // Written out again by the router and decoded: the same message.
            Assert.True(WampValue.DeepEquals(WampMessageCodec.ToFields(expected), WampMessageCodec.ToFields(Decode(plain, Encode(routing, kept)))));
        }
    }

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Wire))]
    public void Mutated_frames_are_read_as_decoding_reads_them(string serializer)
        => Gen.Select(WireFuzz.PlausibleFields, WireFuzz.Edits)
            .Sample((fields, edits) =>
            {
                if (WireFuzz.TryEncode(serializer, fields) is not { } frame) return;
                ReadsAsDecodingDoes(serializer, frame);
                ReadsAsDecodingDoes(serializer, WireFuzz.Mutate(frame, edits));
            }, time: 2, threads: 1);

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Wire))]
    public void Structurally_mutated_frames_are_read_as_decoding_reads_them(string serializer)
        => Gen.Frequency((1, WireFuzz.PlausibleFields), (3, WireFuzz.MutatedFields))
            .Sample(fields =>
            {
                if (WireFuzz.TryEncode(serializer, fields) is { } frame) ReadsAsDecodingDoes(serializer, frame);
            }, time: 2, threads: 1);

    [Fact]
    public void A_forwarded_MessagePack_payload_is_written_as_it_came()
    {
        // float32 1.5 and a str8 header for a short string: decoding and encoding again would write float64 and fixstr.
        byte[] args = [0x92, 0xCA, 0x3F, 0xC0, 0x00, 0x00, 0xD9, 0x01, (byte)'x'];
        byte[] frame = [0x95, 0x30, 0x07, 0x80, 0xA1, (byte)'p', .. args];
        var routing = RoutingOf("msgpack");
        var call = (CallMessage)Decode(routing, frame);
        var kept = Assert.IsType<EncodedArguments>(call.Arguments);
        Assert.Equal(2, kept.Count);

        var written = Encode(routing, new InvocationMessage(9, 11, WampValue.NoDetails, call.Arguments));
        Assert.Equal([0x95, 0x44, 0x09, 0x0B, 0x80, .. args], written);
        Assert.False(kept.IsDecoded);
        // Read by anyone else: the values decoding gives.
        Assert.Equal(1.5, kept[0]);
        Assert.Equal("x", kept[1]);
    }

    [Fact]
    public void A_MessagePack_payload_holding_undefined_is_decoded_as_decoding_does()
    {
        // msgpackr (wampy.js) sends JavaScript undefined as fixext 1 type 0: decoded as nil, so never forwarded as it came.
        byte[] frame = [0x95, 0x30, 0x07, 0x80, 0xA1, (byte)'p', 0x92, 0x01, 0xD4, 0x00, 0x00];
        var call = (CallMessage)Decode(RoutingOf("msgpack"), frame);
        Assert.IsType<List<object?>>(call.Arguments);
        Assert.Equal([1L, null], call.Arguments!);
    }

    [Fact]
    public void A_forwarded_CBOR_payload_is_written_as_it_came()
    {
        // A half-precision 1.5 and an indefinite-length array: decoding and encoding again would write neither.
        byte[] args = [0x9F, 0xF9, 0x3E, 0x00, 0x61, (byte)'x', 0xFF];
        byte[] frame = [0x85, 0x18, 0x30, 0x07, 0xA0, 0x61, (byte)'p', .. args];
        var routing = RoutingOf("cbor");
        var call = (CallMessage)Decode(routing, frame);
        var kept = Assert.IsType<EncodedArguments>(call.Arguments);
        Assert.Equal(2, kept.Count);

        var written = Encode(routing, new InvocationMessage(9, 11, WampValue.NoDetails, call.Arguments));
        Assert.Equal([0x85, 0x18, 0x44, 0x09, 0x0B, 0xA0, .. args], written);
        Assert.False(kept.IsDecoded);
        Assert.Equal(1.5, kept[0]);
        Assert.Equal("x", kept[1]);
    }

    [Theory]
    [InlineData(new byte[] { 0x82, 0x01, 0xC1, 0x1A, 0x65, 0x00, 0x00, 0x00 })] // tag 1 (epoch time): decoding keeps the number only
    [InlineData(new byte[] { 0x82, 0x01, 0xC2, 0x41, 0x05 })]                   // a bignum: decoded to a plain integer
    [InlineData(new byte[] { 0x82, 0x01, 0xF7 })]                               // undefined: decoded as null
    public void A_CBOR_payload_that_decoding_changes_is_decoded(byte[] args)
    {
        byte[] frame = [0x85, 0x18, 0x30, 0x07, 0xA0, 0x61, (byte)'p', .. args];
        var call = (CallMessage)Decode(RoutingOf("cbor"), frame);
        Assert.IsType<List<object?>>(call.Arguments);
        Assert.True(WampValue.DeepEquals(((CallMessage)Decode(Get("cbor"), frame)).Arguments, call.Arguments));
    }

    [Fact]
    public void Invalid_UTF8_in_a_kept_CBOR_payload_is_refused()
    {
        byte[] frame = [0x85, 0x18, 0x30, 0x07, 0xA0, 0x61, (byte)'p', 0x81, 0x62, 0xC3, 0x28];
        Assert.Throws<WampProtocolException>(() => Decode(Get("cbor"), frame));
        Assert.Throws<WampProtocolException>(() => Decode(RoutingOf("cbor"), frame));
    }

    [Fact]
    public void Invalid_UTF8_in_a_kept_MessagePack_payload_is_refused()
    {
        byte[] frame = [0x95, 0x30, 0x07, 0x80, 0xA1, (byte)'p', 0x91, 0xA2, 0xC3, 0x28];
        Assert.Throws<WampProtocolException>(() => Decode(Get("msgpack"), frame));
        Assert.Throws<WampProtocolException>(() => Decode(RoutingOf("msgpack"), frame));
    }
}
