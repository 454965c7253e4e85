using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Serialization;

namespace PluginHost.Tests.Serialization;

/// <summary>JSON-specific behaviour: exact text, the binary convention, number typing.</summary>
public class JsonWampSerializerTests
{
    private static readonly JsonWampSerializer Json = JsonWampSerializer.Instance;

    private static string Text(WampMessage m)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Json.Serialize(m, buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static WampMessage Parse(string json) => Json.Deserialize(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void CallEncodesAsExpectedText()
    {
        var m = new CallMessage(1, new Dictionary<string, object?>(), "com.x", new List<object?> { 1L, "a" });
        Assert.Equal("""[48,1,{},"com.x",[1,"a"]]""", Text(m));
    }

    [Fact]
    public void EventWithOnlyKwargsWritesEmptyArgs()
    {
        var m = new EventMessage(5, 6, new Dictionary<string, object?>(), [], new Dictionary<string, object?> { ["k"] = true });
        Assert.Equal("""[36,5,6,{},[],{"k":true}]""", Text(m));
    }

    [Fact]
    public void EmptyTrailingPayloadIsOmitted()
    {
        var m = new ResultMessage(7, new Dictionary<string, object?>(), [], new Dictionary<string, object?>());
        Assert.Equal("""[50,7,{}]""", Text(m));
    }

    [Fact]
    public void HelloAndUnsubscribedText()
    {
        var hello = new HelloMessage("realm1", new Dictionary<string, object?>
        {
            ["roles"] = new Dictionary<string, object?> { ["subscriber"] = new Dictionary<string, object?>() },
            ["authid"] = "ünï ✓",
        });
        Assert.Equal("""[1,"realm1",{"roles":{"subscriber":{}},"authid":"ünï ✓"}]""", Text(hello));
        Assert.Equal("[35,9]", Text(new UnsubscribedMessage(9)));
    }

    [Fact]
    public void BinaryIsNulPrefixedBase64()
    {
        var m = new PublishMessage(1, new Dictionary<string, object?>(), "t", new List<object?> { new byte[] { 1, 2, 3, 0xfb, 0xff } });
        Assert.Equal("[16,1,{},\"t\",[\"\\u0000AQID+/8=\"]]", Text(m));
        var back = (PublishMessage)Parse(Text(m));
        Assert.Equal(new byte[] { 1, 2, 3, 0xfb, 0xff }, Assert.IsType<byte[]>(back.Arguments![0]));
    }

    [Fact]
    public void EmptyBinaryRoundTrips()
    {
        var back = (PublishMessage)Parse("[16,1,{},\"t\",[\"\\u0000\"]]");
        Assert.Empty(Assert.IsType<byte[]>(back.Arguments![0]));
    }

    [Fact]
    public void StringsWithNulElsewhereStayStrings()
    {
        var back = (PublishMessage)Parse("[16,1,{},\"t\",[\"a\\u0000b\", \"\\n\"]]");
        Assert.Equal("a\0b", back.Arguments![0]);
        Assert.Equal("\n", back.Arguments![1]);
    }

    [Fact]
    public void NumbersAreTypedByTheirText()
    {
        var back = (PublishMessage)Parse("[16,1,{},\"t\",[1, -1, 9223372036854775807, 9223372036854775808, 18446744073709551615, 18446744073709551616, 1.0, 1e2, -9223372036854775809, 0.1]]");
        var a = back.Arguments!;
        Assert.Equal(1L, Assert.IsType<long>(a[0]));
        Assert.Equal(-1L, Assert.IsType<long>(a[1]));
        Assert.Equal(long.MaxValue, Assert.IsType<long>(a[2]));
        Assert.Equal(9223372036854775808UL, Assert.IsType<ulong>(a[3]));
        Assert.Equal(ulong.MaxValue, Assert.IsType<ulong>(a[4]));
        Assert.Equal(18446744073709551616.0, Assert.IsType<double>(a[5]));
        Assert.Equal(1.0, Assert.IsType<double>(a[6]));
        Assert.Equal(100.0, Assert.IsType<double>(a[7]));
        Assert.Equal(-9223372036854775809.0, Assert.IsType<double>(a[8]));
        Assert.Equal(0.1, Assert.IsType<double>(a[9]));
    }

    [Fact]
    public void DoublesRoundTripExactly()
    {
        double[] values = [0.1, 1.0 / 3, double.Epsilon, double.MaxValue, -2.5e-300, 123456789.123456789];
        var m = new PublishMessage(1, new Dictionary<string, object?>(), "t", values.Select(v => (object?)v).ToList());
        var back = (PublishMessage)Parse(Text(m));
        for (int i = 0; i < values.Length; i++) Assert.Equal(values[i], Convert.ToDouble(back.Arguments![i]));
    }

    [Fact]
    public void NonFiniteDoublesAreRejectedOnOutput()
    {
        var m = new PublishMessage(1, new Dictionary<string, object?>(), "t", new List<object?> { double.NaN });
        Assert.Throws<ArgumentException>(() => Text(m));
    }

    [Fact]
    public void JsonElementAndNodeAreWrittenAsJson()
    {
        var element = JsonDocument.Parse("""{"a":[1,2.5,"x",null,true],"b":"\u0000AQ=="}""").RootElement;
        var node = JsonNode.Parse("""{"n":{"m":[false]}}""")!;
        var m = new PublishMessage(1, new Dictionary<string, object?>(), "t", new List<object?> { element, node, JsonValue.Create(42) });
        Assert.Equal("[16,1,{},\"t\",[{\"a\":[1,2.5,\"x\",null,true],\"b\":\"\\u0000AQ==\"},{\"n\":{\"m\":[false]}},42]]", Text(m));
    }

    [Fact]
    public void RelaxedEscapingStillEscapesQuotesAndControls()
    {
        var m = new PublishMessage(1, new Dictionary<string, object?>(), "t", new List<object?> { "q\"b\\c\u0001<&>" });
        Assert.Equal("[16,1,{},\"t\",[\"q\\\"b\\\\c\\u0001<&>\"]]", Text(m));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("[48,1,{},\"p\"")]
    [InlineData("[48,1,{},\"p\"] x")]
    [InlineData("[48,1,{},\"p\"][48,1,{},\"p\"]")]
    [InlineData("[48,1,{},\"p\",]")]
    [InlineData("[48,1,{},'p']")]
    [InlineData("[48,1,{},\"p\"] // c")]
    [InlineData("{\"a\":1}")]
    [InlineData("[48,1,{},\"p\",[\"\\u0000not base64!\"]]")]
    [InlineData("[48,1,{},\"p\",[\"\\u0000AQI\"]]")]
    [InlineData("[48,1,{},\"p\",[1e400]]")]
    [InlineData("[48,1,{1:2},\"p\"]")]
    [InlineData("[NaN]")]
    public void MalformedJsonIsAProtocolError(string json)
    {
        Assert.Throws<WampProtocolException>(() => Parse(json));
    }

    [Fact]
    public void InvalidUtf8IsAProtocolError()
    {
        byte[] bytes = [.. "[1,\""u8, 0xff, 0xfe, .. "\",{}]"u8];
        Assert.Throws<WampProtocolException>(() => Json.Deserialize(new ReadOnlySequence<byte>(bytes)));
        byte[] overlong = [.. "[1,\"r\",{\""u8, 0xc0, 0xaf, .. "\":1}]"u8];
        Assert.Throws<WampProtocolException>(() => Json.Deserialize(new ReadOnlySequence<byte>(overlong)));
    }

    [Fact]
    public void DepthOver128IsRejected()
    {
        string Nested(int n) => "[16,1,{},\"t\"," + new string('[', n) + new string(']', n) + "]";
        // The message array is level 1, so 127 more levels are allowed.
        Parse(Nested(127));
        Assert.Throws<WampProtocolException>(() => Parse(Nested(128)));
    }
}
