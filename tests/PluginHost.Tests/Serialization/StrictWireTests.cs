using PluginHost.Wamp.Messages;
using static PluginHost.Tests.Serialization.Wire;

namespace PluginHost.Tests.Serialization;

/// <summary>
/// Type codes and IDs to the letter of the spec, in every serializer (issue 10, part 4): integers, never narrowed,
/// IDs in [1, 2^53]; HELLO announces roles; nesting bounded but roomy.
/// </summary>
public class StrictWireTests
{
    private static readonly Dictionary<string, object?> Roles = Dict(("roles", Dict(("caller", Dict()))));

    public static TheoryData<string, int> Refused()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in new[] { "json", "msgpack", "cbor" })
            for (int i = 0; i < RefusedFields.Length; i++) data.Add(name, i);
        return data;
    }

    private static readonly (object?[] Fields, string Reason)[] RefusedFields =
    [
        ([4294967297L, "realm1", Roles], "unknown message type 4294967297"), // 2^32 + 1: was read as HELLO
        ([4294967344L, 5L, Dict(), "com.timeservice.now"], "unknown message type 4294967344"), // 2^32 + 48: was a CALL
        ([-4294967248L, 5L, Dict(), "p"], "unknown message type -4294967248"),
        ([1.0, "realm1", Roles], "message type 1 is not an integer"),
        ([48.0, 5L, Dict(), "p"], "message type 48 is not an integer"),
        ([ulong.MaxValue, "realm1", Roles], "unknown message type"),
        ([1L, "realm1", Dict()], "HELLO.Details.roles is missing"),
        ([1L, "realm1", Dict(("roles", Dict()))], "HELLO.Details.roles is empty"),
        ([1L, "realm1", Dict(("roles", List("caller")))], "HELLO.Details.roles is not a dictionary"),
        ([1L, "realm1", Dict(("roles", Dict(("dealer", Dict()))))], "unknown role \"dealer\""),
        ([1L, "realm1", Dict(("roles", Dict(("caller", true))))], "HELLO.Details.roles.caller is not a dictionary"),
        ([48L, 0L, Dict(), "p"], "Request 0 is outside [1, 2^53]"),
        ([32L, 0L, Dict(), "t"], "Request 0 is outside [1, 2^53]"),
        ([70L, 0L, Dict()], "Request 0 is outside [1, 2^53]"),
        ([34L, 1L, 0L], "Subscription 0 is outside [1, 2^53]"),
        ([35L, 0L], "Request 0 is outside [1, 2^53]"), // request 0 only in the revocation form (with Details)
        ([48L, 1.5, Dict(), "p"], "Request 1.5 is not an integer"),
        ([48L, (1L << 53) + 1, Dict(), "p"], "outside [1, 2^53]"),
        ([8L, 4294967344L, 1L, Dict(), "e"], "unknown ERROR.Request.Type 4294967344"),
        ([8L, 48.0, 1L, Dict(), "e"], "ERROR.Request.Type 48 is not an integer"),
    ];

    [Theory]
    [MemberData(nameof(Refused))]
    public void TypeCodesAndIdsOutsideTheSpecAreRefused(string serializer, int index)
    {
        var s = Get(serializer);
        var (fields, reason) = RefusedFields[index];
        // System.Text.Json writes the double 1.0 as "1"; the JSON case is written by hand so that 1.0 stays a float token.
        var bytes = serializer == "json" ? System.Text.Encoding.UTF8.GetBytes(JsonText(fields)) : EncodeFields(s, fields);
        var ex = Assert.Throws<WampProtocolException>(() => Decode(s, bytes));
        Assert.Contains(reason, ex.Message);
    }

    /// <summary>JSON text of a value tree, doubles always with a fraction or exponent (as a peer might send them).</summary>
    internal static string JsonText(object? v) => v switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        string str => System.Text.Json.JsonSerializer.Serialize(str),
        double d => d == Math.Floor(d) && Math.Abs(d) < 1e15 ? d.ToString("F1", System.Globalization.CultureInfo.InvariantCulture) : d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        long or ulong => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)!,
        IDictionary<string, object?> map => "{" + string.Join(",", map.Select(e => JsonText(e.Key) + ":" + JsonText(e.Value))) + "}",
        System.Collections.IEnumerable list => "[" + string.Join(",", list.Cast<object?>().Select(JsonText)) + "]",
        _ => throw new ArgumentException(v.GetType().Name),
    };

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Wire))]
    public void RevocationsKeepRequestZero(string serializer)
    {
        var s = Get(serializer);
        var unsubscribed = Assert.IsType<UnsubscribedMessage>(Decode(s, EncodeFields(s, 35L, 0L, Dict(("subscription", 7L), ("reason", "x")))));
        Assert.Equal(0, unsubscribed.RequestId);
        var unregistered = Assert.IsType<UnregisteredMessage>(Decode(s, EncodeFields(s, 67L, 0L, Dict(("registration", 7L)))));
        Assert.Equal(0, unregistered.RequestId);
    }

    [Fact]
    public void JsonIdsMustBeIntegerTokens()
    {
        var json = Get("json");
        var ex = Assert.Throws<WampProtocolException>(() => Decode(json, "[48,5.0,{},\"p\"]"u8.ToArray()));
        Assert.Contains("Request 5 is not an integer", ex.Message);
        Assert.Throws<WampProtocolException>(() => Decode(json, "[48,5e0,{},\"p\"]"u8.ToArray()));
        Assert.Throws<WampProtocolException>(() => Decode(json, "[1.0,\"realm1\",{\"roles\":{\"caller\":{}}}]"u8.ToArray()));
        Assert.Equal(5, Assert.IsType<CallMessage>(Decode(json, "[48,5,{},\"p\"]"u8.ToArray())).RequestId);
    }

    [Theory]
    [InlineData("msgpack")]
    [InlineData("cbor")]
    public void BinaryIdsMayBeIntegralFloat64AsJavaScriptEncodersWriteThem(string serializer)
    {
        // msgpackr and cbor-x (wampy.js) encode every number above 2^32 as a float64; router-issued ids reach 2^53.
        var s = Get(serializer);
        double big = 1L << 52;
        var unsubscribe = Assert.IsType<UnsubscribeMessage>(Decode(s, EncodeFields(s, 34L, 1L, big)));
        Assert.Equal(1L << 52, unsubscribe.Subscription);
        var max = Assert.IsType<UnsubscribeMessage>(Decode(s, EncodeFields(s, 34L, 1L, (double)WampIds.Max)));
        Assert.Equal(WampIds.Max, max.Subscription);
        Assert.Throws<WampProtocolException>(() => Decode(s, EncodeFields(s, 34L, 1L, 0.0)));
        Assert.Throws<WampProtocolException>(() => Decode(s, EncodeFields(s, 34L, 1L, 2.5)));
        Assert.Throws<WampProtocolException>(() => Decode(s, EncodeFields(s, 34L, 1L, 18014398509481984.0))); // 2^54
        Assert.Throws<WampProtocolException>(() => Decode(s, EncodeFields(s, 34.0, 1L, 7L))); // type codes: never
    }

    private static object Nest(int levels) => levels == 0 ? "leaf" : List(Nest(levels - 1));

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Wire))]
    public void DeepLegitimatePayloadsPassAndAbsurdOnesAreRefused(string serializer)
    {
        var s = Get(serializer);
        // A document as deep as System.Text.Json reads by default (64), as a CALL argument and a keyword argument.
        var call = Assert.IsType<CallMessage>(Decode(s, EncodeFields(s, 48L, 1L, Dict(), "p", List(Nest(64)), Dict(("doc", Nest(64))))));
        Assert.True(WampValue.DeepEquals(Nest(64), call.Arguments![0]));
        // The limit: 128 levels in all (message array, Arguments, 126 more).
        Decode(s, EncodeFields(s, 48L, 1L, Dict(), "p", List(Nest(125))));
        var ex = Assert.Throws<WampProtocolException>(() => Decode(s, RawNested(serializer, 1000)));
        Assert.Contains("128", ex.Message);
    }

    /// <summary>A CALL whose first argument is nested <paramref name="depth"/> arrays deep, written by hand (the encoders refuse it).</summary>
    internal static byte[] RawNested(string serializer, int depth)
    {
        var head = EncodeFields(Get(serializer), 48L, 1L, Dict(), "p");
        var bytes = new List<byte>();
        switch (serializer)
        {
            case "json":
                bytes.AddRange(head[..^1]);
                bytes.Add((byte)',');
                bytes.AddRange(Enumerable.Repeat((byte)'[', depth));
                bytes.AddRange(Enumerable.Repeat((byte)']', depth));
                bytes.Add((byte)']');
                break;
            case "msgpack":
                bytes.Add(0x95); // fixarray of 5 instead of 4
                bytes.AddRange(head[1..]);
                bytes.AddRange(Enumerable.Repeat((byte)0x91, depth));
                bytes.Add(0xc0);
                break;
            default:
                bytes.Add(0x85);
                bytes.AddRange(head[1..]);
                bytes.AddRange(Enumerable.Repeat((byte)0x81, depth));
                bytes.Add(0xf6);
                break;
        }
        return bytes.ToArray();
    }
}
