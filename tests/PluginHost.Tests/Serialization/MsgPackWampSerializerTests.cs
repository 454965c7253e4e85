using System.Buffers;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Serialization;

namespace PluginHost.Tests.Serialization;

/// <summary>MessagePack-specific behaviour against hand-assembled bytes.</summary>
public class MsgPackWampSerializerTests
{
    private static readonly MsgPackWampSerializer MsgPack = MsgPackWampSerializer.Instance;

    private static WampMessage Parse(params byte[] bytes) => MsgPack.Deserialize(new ReadOnlySequence<byte>(bytes));

    private static byte[] Encode(WampMessage m)
    {
        var buffer = new ArrayBufferWriter<byte>();
        MsgPack.Serialize(m, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    [Fact]
    public void ReadsAutobahnStyleStr8AndBin()
    {
        // [36, 1, 2, {}, [str8 "a", bin8 01 02]]
        var m = (EventMessage)Parse(0x95, 0x24, 0x01, 0x02, 0x80, 0x92, 0xd9, 0x01, (byte)'a', 0xc4, 0x02, 0x01, 0x02);
        Assert.Equal("a", m.Arguments![0]);
        Assert.Equal(new byte[] { 1, 2 }, Assert.IsType<byte[]>(m.Arguments[1]));
    }

    [Fact]
    public void WritesCompactIntegersStringsAndBin()
    {
        var m = new EventMessage(1, 2, new Dictionary<string, object?>(), new List<object?> { "a", new byte[] { 9 }, 300L, -1L });
        Assert.Equal(new byte[] { 0x95, 0x24, 0x01, 0x02, 0x80, 0x94, 0xa1, (byte)'a', 0xc4, 0x01, 0x09, 0xcd, 0x01, 0x2c, 0xff }, Encode(m));
    }

    [Fact]
    public void IntegersKeepTheirRange()
    {
        // [36, 1, 2, {}, [uint64 max, int64 min, uint64 holding 5, float32 1.5]]
        var m = (EventMessage)Parse(0x95, 0x24, 0x01, 0x02, 0x80, 0x94,
            0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0,
            0xcf, 0, 0, 0, 0, 0, 0, 0, 5,
            0xca, 0x3f, 0xc0, 0, 0);
        Assert.Equal(ulong.MaxValue, Assert.IsType<ulong>(m.Arguments![0]));
        Assert.Equal(long.MinValue, Assert.IsType<long>(m.Arguments[1]));
        Assert.Equal(5L, Assert.IsType<long>(m.Arguments[2]));
        Assert.Equal(1.5, Assert.IsType<double>(m.Arguments[3]));
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0x95, 0x24, 0x01, 0x02 })] // truncated
    [InlineData(new byte[] { 0x93, 0x01, 0xa1, (byte)'r' })] // truncated HELLO
    [InlineData(new byte[] { 0x81, 0xa1, (byte)'a', 0x01 })] // map, not an array
    [InlineData(new byte[] { 0x93, 0x01, 0xa1, (byte)'r', 0x81, 0x01, 0x02 })] // non-string map key
    [InlineData(new byte[] { 0x93, 0x01, 0xa1, (byte)'r', 0x81, 0xc4, 0x01, 0x61, 0x02 })] // bin map key
    [InlineData(new byte[] { 0x93, 0x01, 0xd4, 0x01, 0x00, 0x80 })] // fixext1 where the realm goes
    [InlineData(new byte[] { 0x93, 0x01, 0xa1, 0xff, 0x80 })] // invalid UTF-8 string
    [InlineData(new byte[] { 0x93, 0x01, 0xa1, (byte)'r', 0x80, 0x00 })] // trailing byte
    [InlineData(new byte[] { 0x93, 0x01, 0xc1, 0x80 })] // never-used code 0xc1
    [InlineData(new byte[] { 0xdd, 0x7f, 0xff, 0xff, 0xff, 0x01 })] // array32 claiming 2^31-1 items
    [InlineData(new byte[] { 0x93, 0x02, 0xa1, (byte)'r', 0x80 })] // WELCOME with a string session
    [InlineData(new byte[] { 0x93, 0x07, 0xa1, (byte)'r', 0x80 })] // unknown message type 7
    public void MalformedInputIsAProtocolError(byte[] bytes)
    {
        Assert.Throws<WampProtocolException>(() => Parse(bytes));
    }

    [Fact]
    public void MsgpackrUndefinedReadsAsNull()
    {
        // [PUBLISH, 1, {"a": undefined}, "t"] as msgpackr (wampy.js) encodes it: undefined = fixext1 type 0, data 0.
        var message = (PublishMessage)Parse([0x94, 0x10, 0x01, 0x81, 0xa1, (byte)'a', 0xd4, 0x00, 0x00, 0xa1, (byte)'t']);
        Assert.True(message.Options.ContainsKey("a"));
        Assert.Null(message.Options["a"]);
    }

    [Fact]
    public void DepthOver128IsRejected()
    {
        static byte[] Nested(int n)
        {
            var b = new List<byte> { 0x95, 0x24, 0x01, 0x02, 0x80 };
            for (int i = 0; i < n; i++) b.Add(0x91);
            b.Add(0xc0);
            return b.ToArray();
        }
        Parse(Nested(127));
        Assert.Throws<WampProtocolException>(() => Parse(Nested(128)));
    }
}
