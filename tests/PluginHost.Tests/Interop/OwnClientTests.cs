using PluginHost.Wamp.Client;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;

namespace PluginHost.Tests.Interop;

/// <summary>
/// Our own client library against our node over real sockets: WebSocket and RawSocket,
/// every serializer, with a payload that exercises the value model (binary, unicode, nesting, big integers).
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class OwnClientTests(InteropNodeFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private async Task<WampSession> JoinAsync(string transport, string serializerName)
    {
        var serializer = WampSerializers.ByName(serializerName)!;
        IWampConnection connection = transport == "ws"
            ? await WampTransportConnector.ConnectWebSocketAsync(new Uri(fixture.WebSocketUrl), [serializer])
            : await WampTransportConnector.ConnectRawSocketAsync("127.0.0.1", fixture.Node.Port("raw"), serializer);
        return await WampSession.JoinAsync(connection, "realm1").WaitAsync(Patience);
    }

    [Theory]
    [InlineData("ws", "json")]
    [InlineData("ws", "msgpack")]
    [InlineData("ws", "cbor")]
    [InlineData("rs", "json")]
    [InlineData("rs", "msgpack")]
    [InlineData("rs", "cbor")]
    public async Task Rpc_and_pubsub_round_trip(string transport, string serializer)
    {
        await using var callee = await JoinAsync(transport, serializer);
        // The caller uses the other transport with JSON, so the router converts between serializers.
        await using var caller = await JoinAsync(transport == "ws" ? "rs" : "ws", "json");
        var procedure = $"com.own.echo.{transport}.{serializer}";

        await using var registration = await callee.RegisterAsync(procedure,
            (inv, _) => ValueTask.FromResult<WampResult?>(new WampResult(inv.Args, inv.ArgsKw)));
        object?[] args = [new byte[] { 0, 1, 2, 255 }, "ü€𝄞", 1L << 53, -3.5, true, null,
            new List<object?> { 1L, "two" }, new Dictionary<string, object?> { ["k"] = "v" }];
        var kwargs = new Dictionary<string, object?> { ["nested"] = new Dictionary<string, object?> { ["list"] = new List<object?> { 1L } } };

        var result = await caller.CallAsync(procedure, args, kwargs).WaitAsync(Patience);
        Assert.True(WampValue.DeepEquals(args, result.Args), "args changed on the way");
        Assert.True(WampValue.DeepEquals(kwargs, result.ArgsKw), "kwargs changed on the way");

        var received = new TaskCompletionSource<WampEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        var topic = $"com.own.topic.{transport}.{serializer}";
        await using var subscription = await callee.SubscribeAsync(topic, e => { received.TrySetResult(e); return ValueTask.CompletedTask; });
        var publication = await caller.PublishAsync(topic, args, kwargs, new PublishOptions { Acknowledge = true }).WaitAsync(Patience);
        var ev = await received.Task.WaitAsync(Patience);
        Assert.Equal(publication, ev.PublicationId);
        Assert.True(WampValue.DeepEquals(args, ev.Args), "event args changed on the way");
    }
}
