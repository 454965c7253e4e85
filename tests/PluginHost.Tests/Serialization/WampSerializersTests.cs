using PluginHost.Wamp.Serialization;

namespace PluginHost.Tests.Serialization;

public class WampSerializersTests
{
    [Fact]
    public void AllListsJsonMsgPackCborWithTheirIdentifiers()
    {
        Assert.Equal(["json", "msgpack", "cbor"], WampSerializers.All.Select(s => s.Name));
        Assert.Equal(["wamp.2.json", "wamp.2.msgpack", "wamp.2.cbor"], WampSerializers.All.Select(s => s.Subprotocol));
        Assert.Equal(new byte[] { 1, 2, 3 }, WampSerializers.All.Select(s => s.RawSocketId));
        Assert.Equal([false, true, true], WampSerializers.All.Select(s => s.IsBinary));
    }

    [Fact]
    public void Lookups()
    {
        Assert.Same(WampSerializers.Json, WampSerializers.ByName("json"));
        Assert.Same(WampSerializers.MsgPack, WampSerializers.ByName("MsgPack"));
        Assert.Null(WampSerializers.ByName("ubjson"));
        Assert.Same(WampSerializers.Cbor, WampSerializers.BySubprotocol("wamp.2.cbor"));
        Assert.Null(WampSerializers.BySubprotocol("wamp.2.json.batched"));
        Assert.Same(WampSerializers.MsgPack, WampSerializers.ByRawSocketId(2));
        Assert.Null(WampSerializers.ByRawSocketId(0));
        Assert.Null(WampSerializers.ByRawSocketId(4));
    }

    [Fact]
    public void SelectKeepsOrderDropsRepeatsAndDefaultsToAll()
    {
        Assert.Same(WampSerializers.All, WampSerializers.Select(null));
        Assert.Same(WampSerializers.All, WampSerializers.Select([]));
        Assert.Equal([WampSerializers.Cbor, WampSerializers.Json], WampSerializers.Select(["cbor", "json", "cbor"]));
    }

    [Fact]
    public void SelectRejectsUnknownNamesByName()
    {
        var ex = Assert.Throws<ArgumentException>(() => WampSerializers.Select(["json", "ubjson"]));
        Assert.Contains("ubjson", ex.Message);
    }
}
