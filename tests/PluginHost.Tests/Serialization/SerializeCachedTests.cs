using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Serialization;
using static PluginHost.Tests.Serialization.Wire;

namespace PluginHost.Tests.Serialization;

public class SerializeCachedTests
{
    private static EventMessage Sample() => new(1, 2, Dict(), List("payload", 42L));

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Wire))]
    public void SecondCallReusesTheEncodedBytes(string serializer)
    {
        var s = Get(serializer);
        var m = Sample();
        var first = s.SerializeCached(m);
        var second = s.SerializeCached(m);
        Assert.Equal(Encode(s, m), first.ToArray());
        Assert.True(first.Span == second.Span, "same memory expected");
    }

    [Fact]
    public void AnotherSerializerEncodesAfresh()
    {
        var m = Sample();
        var json = WampSerializers.Json.SerializeCached(m);
        var cbor = WampSerializers.Cbor.SerializeCached(m);
        Assert.Equal(Encode(WampSerializers.Json, m), json.ToArray());
        Assert.Equal(Encode(WampSerializers.Cbor, m), cbor.ToArray());
        Assert.Equal(Encode(WampSerializers.Json, m), WampSerializers.Json.SerializeCached(m).ToArray());
    }

    [Fact]
    public void WithCopiesDoNotInheritTheCache()
    {
        var m = Sample();
        WampSerializers.Json.SerializeCached(m);
        var copy = m with { Publication = 3 };
        Assert.Equal("[36,1,3,{},[\"payload\",42]]", System.Text.Encoding.UTF8.GetString(WampSerializers.Json.SerializeCached(copy).Span));
    }

    [Fact]
    public void CachingDoesNotChangeEqualityOrHashCode()
    {
        var args = List("payload");
        var details = Dict();
        var a = new EventMessage(1, 2, details, args);
        var b = new EventMessage(1, 2, details, args);
        int hash = a.GetHashCode();
        WampSerializers.MsgPack.SerializeCached(a);
        Assert.Equal(b, a);
        Assert.Equal(hash, a.GetHashCode());
    }

    [Fact]
    public void ConcurrentCallersAllGetCorrectBytes()
    {
        var m = Sample();
        var expected = Encode(WampSerializers.MsgPack, m);
        Parallel.For(0, 200, i =>
        {
            var s = WampSerializers.All[i % 3];
            var bytes = s.SerializeCached(m).ToArray();
            if (s == WampSerializers.MsgPack) Assert.Equal(expected, bytes);
            Assert.IsType<EventMessage>(Decode(s, bytes));
        });
    }
}
