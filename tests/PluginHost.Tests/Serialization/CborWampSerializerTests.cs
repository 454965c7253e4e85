using System.Buffers;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Serialization;

namespace PluginHost.Tests.Serialization;

/// <summary>CBOR-specific behaviour against hand-assembled bytes.</summary>
public class CborWampSerializerTests
{
    private static readonly CborWampSerializer Cbor = CborWampSerializer.Instance;

    private static WampMessage Parse(params byte[] bytes) => Cbor.Deserialize(new ReadOnlySequence<byte>(bytes));

    // [36, 1, 2, {}, <args>] with the argument list supplied as raw CBOR.
    private static object?[] EventArgs(params byte[] args)
    {
        byte[] bytes = [0x85, 0x18, 0x24, 0x01, 0x02, 0xa0, .. args];
        return [.. ((EventMessage)Parse(bytes)).Arguments!];
    }

    [Fact]
    public void ReadsDefiniteEncoding()
    {
        var a = EventArgs(0x82, 0x42, 0x01, 0x02, 0x61, (byte)'a');
        Assert.Equal(new byte[] { 1, 2 }, Assert.IsType<byte[]>(a[0]));
        Assert.Equal("a", a[1]);
    }

    [Fact]
    public void ReadsIndefiniteLengthItems()
    {
        // [_ 36, 1, 2, {_ }, [_ (_ h'01', h'02'), (_ "a", "b"), {_ "k": 1}]]
        var m = (EventMessage)Parse(0x9f, 0x18, 0x24, 0x01, 0x02, 0xbf, 0xff,
            0x9f, 0x5f, 0x41, 0x01, 0x41, 0x02, 0xff, 0x7f, 0x61, (byte)'a', 0x61, (byte)'b', 0xff,
            0xbf, 0x61, (byte)'k', 0x01, 0xff, 0xff, 0xff);
        Assert.Equal(new byte[] { 1, 2 }, Assert.IsType<byte[]>(m.Arguments![0]));
        Assert.Equal("ab", m.Arguments[1]);
        Assert.Equal(1L, Assert.IsType<Dictionary<string, object?>>(m.Arguments[2])["k"]);
    }

    [Fact]
    public void ReadsAllFloatWidths()
    {
        var a = EventArgs(0x83, 0xf9, 0x3e, 0x00, 0xfa, 0x3f, 0xc0, 0x00, 0x00, 0xfb, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a);
        Assert.Equal(1.5, Assert.IsType<double>(a[0]));
        Assert.Equal(1.5, Assert.IsType<double>(a[1]));
        Assert.Equal(0.1, Assert.IsType<double>(a[2]));
    }

    [Fact]
    public void IntegerRanges()
    {
        var a = EventArgs(0x85,
            0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // 2^64-1
            0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // long.MinValue
            0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // -2^64
            0x1b, 0, 0, 0, 0, 0, 0, 0, 7, // non-minimal 7
            0x20); // -1
        Assert.Equal(ulong.MaxValue, Assert.IsType<ulong>(a[0]));
        Assert.Equal(long.MinValue, Assert.IsType<long>(a[1]));
        Assert.Equal(-18446744073709551616.0, Assert.IsType<double>(a[2]));
        Assert.Equal(7L, Assert.IsType<long>(a[3]));
        Assert.Equal(-1L, Assert.IsType<long>(a[4]));
    }

    [Fact]
    public void TagsAreSkippedAndBignumsNarrowed()
    {
        var a = EventArgs(0x84,
            0xc1, 0x1a, 0x5f, 0x5e, 0x10, 0x00, // epoch time tag on an int
            0xc2, 0x48, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // bignum 2^64-1
            0xc3, 0x41, 0x00, // negative bignum -1
            0xc2, 0x49, 0x01, 0, 0, 0, 0, 0, 0, 0, 0); // bignum 2^64
        Assert.Equal(0x5f5e1000L, a[0]);
        Assert.Equal(ulong.MaxValue, a[1]);
        Assert.Equal(-1L, a[2]);
        Assert.Equal(18446744073709551616.0, a[3]);

        // self-describe tag 55799 around the whole message
        var m = Parse(0xd9, 0xd9, 0xf7, 0x82, 0x18, 0x23, 0x05);
        Assert.Equal(5L, ((UnsubscribedMessage)m).RequestId);
    }

    [Fact]
    public void UndefinedReadsAsNull()
    {
        Assert.Null(EventArgs(0x81, 0xf7)[0]);
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0x85, 0x18, 0x24, 0x01 })] // truncated
    [InlineData(new byte[] { 0x83, 0x01, 0x61 })] // truncated text
    [InlineData(new byte[] { 0xa1, 0x61, (byte)'a', 0x01 })] // map, not an array
    [InlineData(new byte[] { 0x83, 0x01, 0x61, (byte)'r', 0xa1, 0x01, 0x02 })] // integer map key
    [InlineData(new byte[] { 0x83, 0x01, 0x61, (byte)'r', 0xa1, 0x41, 0x61, 0x02 })] // byte-string map key
    [InlineData(new byte[] { 0x83, 0x01, 0x61, 0xff, 0xa0 })] // invalid UTF-8 text
    [InlineData(new byte[] { 0x83, 0x01, 0x61, (byte)'r', 0xa0, 0x00 })] // trailing byte
    [InlineData(new byte[] { 0x83, 0x01, 0xf0, 0xa0 })] // unassigned simple value
    [InlineData(new byte[] { 0xff })] // stray break
    [InlineData(new byte[] { 0x83, 0x01, 0x1c, 0xa0 })] // reserved additional info 28
    [InlineData(new byte[] { 0x9a, 0x7f, 0xff, 0xff, 0xff, 0x01 })] // array claiming 2^31-1 items
    [InlineData(new byte[] { 0x83, 0x02, 0x61, (byte)'r', 0xa0 })] // WELCOME with a string session
    [InlineData(new byte[] { 0x83, 0x07, 0x61, (byte)'r', 0xa0 })] // unknown message type 7
    [InlineData(new byte[] { 0x9f, 0x01, 0x61, (byte)'r', 0xa0 })] // indefinite array without break
    public void MalformedInputIsAProtocolError(byte[] bytes)
    {
        Assert.Throws<WampProtocolException>(() => Parse(bytes));
    }

    [Fact]
    public void DepthOver128IsRejected()
    {
        static byte[] Nested(int n)
        {
            var b = new List<byte> { 0x85, 0x18, 0x24, 0x01, 0x02, 0xa0 };
            for (int i = 0; i < n; i++) b.Add(0x81);
            b.Add(0xf6);
            return b.ToArray();
        }
        Parse(Nested(127));
        Assert.Throws<WampProtocolException>(() => Parse(Nested(128)));
    }

    [Fact]
    public void MultiSegmentInputIsDecoded()
    {
        byte[] bytes = [0x85, 0x18, 0x24, 0x01, 0x02, 0xa0, 0x81, 0x63, (byte)'a', (byte)'b', (byte)'c'];
        var seq = SegmentedSequence.Create(bytes, 3);
        var m = (EventMessage)Cbor.Deserialize(seq);
        Assert.Equal("abc", m.Arguments![0]);
    }
}
