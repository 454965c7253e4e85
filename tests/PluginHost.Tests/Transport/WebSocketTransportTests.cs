using System.Net;
using System.Net.WebSockets;
using System.Text;
using PluginHost.Listeners;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;
using static PluginHost.Tests.Transport.TransportTestKit;

namespace PluginHost.Tests.Transport;

public class WebSocketTransportTests
{
    private static WebSocketTransportConfig Config(WebSocketOptions? options = null, params string[] serializers) => new()
    {
        Id = "ws1",
        Endpoint = Loopback,
        WebSocket = new WebSocketServiceConfig { Serializers = serializers, Options = options ?? new WebSocketOptions() },
    };

    /// <summary>A raw client offering exactly <paramref name="protocols"/>, recording the HTTP status on failure.</summary>
    private static async Task<(ClientWebSocket Socket, Exception? Error)> RawConnectAsync(StartedTransport transport,
        IEnumerable<string> protocols, string? origin = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        foreach (var p in protocols.Distinct()) socket.Options.AddSubProtocol(p);
        if (origin is not null) socket.Options.SetRequestHeader("Origin", origin);
        try
        {
            await socket.ConnectAsync(WsUri(transport), CancellationToken.None).WaitAsync(Wait);
            return (socket, null);
        }
        catch (WebSocketException e)
        {
            return (socket, e);
        }
    }

    [Theory]
    [MemberData(nameof(SerializerNames), MemberType = typeof(TransportTestKit))]
    public async Task RoundTripsEachSerializer(string serializerName)
    {
        var sessions = new EchoSessions();
        await using var transports = await StartAsync(sessions, Config());
        var serializer = WampSerializers.ByName(serializerName)!;
        await using var client = await WampTransportConnector.ConnectWebSocketAsync(WsUri(transports["ws1"]), [serializer]);
        Assert.Equal(serializer.Subprotocol, client.Details.Protocol);

        var messages = new WampMessage[] { Call(1, "hello", 42L), Call(2, "ünïcode", 1.5, true), Call(3) };
        await client.SendAsync(messages);
        foreach (var expected in messages)
            AssertSame(expected, await client.ReceiveAsync().AsTask().WaitAsync(Wait));

        await client.CloseAsync();
        Assert.Null(await client.ReceiveAsync().AsTask().WaitAsync(Wait)); // close handshake completes
        Assert.Null(await sessions.NextEndAsync());                         // server saw a clean close
    }

    [Theory]
    [MemberData(nameof(SerializerNames), MemberType = typeof(TransportTestKit))]
    public async Task FrameTypeFollowsTheSerializer(string serializerName)
    {
        var serializer = WampSerializers.ByName(serializerName)!;
        await using var transports = await StartAsync(new EchoSessions(), Config());
        var (socket, error) = await RawConnectAsync(transports["ws1"], [serializer.Subprotocol]);
        using (socket)
        {
            Assert.Null(error);
            var type = serializer.IsBinary ? WebSocketMessageType.Binary : WebSocketMessageType.Text; // JSON text, msgpack/cbor binary
            var bytes = serializer.SerializeCached(Call(5, "typed")).ToArray();
            await socket.SendAsync(bytes, type, true, CancellationToken.None);
            var buffer = new byte[1024];
            var result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None).AsTask().WaitAsync(Wait);
            Assert.Equal(type, result.MessageType);
            Assert.Equal(bytes, buffer[..result.Count]);
        }
    }

    [Fact]
    public async Task PicksTheClientsFirstSupportedSubprotocol()
    {
        await using var transports = await StartAsync(new EchoSessions(), Config());
        var preferred = WampSerializers.All[^1].Subprotocol;
        var (socket, error) = await RawConnectAsync(transports["ws1"], ["wamp.2.unknown", preferred, WampSerializers.All[0].Subprotocol]);
        using (socket)
        {
            Assert.Null(error);
            Assert.Equal(preferred, socket.SubProtocol);
        }
    }

    [Theory]
    [InlineData("wamp.2.unknown,mqtt", null)]
    [InlineData("wamp.2.json", "msgpack")] // known to us, but not configured on this transport
    public async Task RejectsClientsOfferingNoSupportedSubprotocol(string offered, string? configured)
    {
        await using var transports = await StartAsync(new EchoSessions(), Config(null, configured is null ? [] : [configured]));
        var (socket, error) = await RawConnectAsync(transports["ws1"], offered.Split(','));
        using (socket)
        {
            Assert.NotNull(error);
            Assert.Equal(HttpStatusCode.BadRequest, socket.HttpStatusCode);
        }
    }

    [Fact]
    public async Task MissingSubprotocolIsRejectedWhenRequired()
    {
        await using var transports = await StartAsync(new EchoSessions(), Config(new WebSocketOptions { RequireWebSocketSubprotocol = true }));
        var (socket, error) = await RawConnectAsync(transports["ws1"], []);
        using (socket)
        {
            Assert.NotNull(error);
            Assert.Equal(HttpStatusCode.BadRequest, socket.HttpStatusCode);
        }
    }

    [Fact]
    public async Task MissingSubprotocolMeansJsonWhenNotRequired()
    {
        await using var transports = await StartAsync(new EchoSessions(), Config(new WebSocketOptions { RequireWebSocketSubprotocol = false }));
        var (socket, error) = await RawConnectAsync(transports["ws1"], []);
        using (socket)
        {
            Assert.Null(error);
            var json = Encoding.UTF8.GetBytes("""[48,7,{},"com.example.echo",[1]]""");
            await socket.SendAsync(json, WebSocketMessageType.Text, true, CancellationToken.None);
            var buffer = new byte[1024];
            var result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None).AsTask().WaitAsync(Wait);
            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            Assert.Equal(json, buffer[..result.Count]);
        }
    }

    [Theory]
    [InlineData("https://app.example.com", true)]
    [InlineData("http://localhost:8080", true)]
    [InlineData("https://evil.example.org", false)]
    [InlineData("https://example.com.evil.org", false)]
    [InlineData(null, true)] // non-browser clients send no Origin
    [InlineData("null", false)]
    public async Task ChecksAllowedOrigins(string? origin, bool allowed)
    {
        var options = new WebSocketOptions { AllowedOrigins = ["https://*.example.com", "http://localhost:*"], AllowNullOrigin = false };
        await using var transports = await StartAsync(new EchoSessions(), Config(options));
        var (socket, error) = await RawConnectAsync(transports["ws1"], ["wamp.2.json"], origin);
        using (socket)
        {
            if (allowed) Assert.Null(error);
            else Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
        }
    }

    [Fact]
    public async Task OversizedMessageClosesWith1009()
    {
        var sessions = new EchoSessions();
        await using var transports = await StartAsync(sessions, Config(new WebSocketOptions { MaxMessageSize = 1024 }));
        var (socket, error) = await RawConnectAsync(transports["ws1"], ["wamp.2.json"]);
        using (socket)
        {
            Assert.Null(error);
            var big = Encoding.UTF8.GetBytes($$"""[48,1,{},"com.example.echo",["{{new string('x', 2000)}}"]]""");
            await socket.SendAsync(big, WebSocketMessageType.Text, true, CancellationToken.None);
            var result = await socket.ReceiveAsync(new byte[64].AsMemory(), CancellationToken.None).AsTask().WaitAsync(Wait);
            Assert.Equal(WebSocketMessageType.Close, result.MessageType);
            Assert.Equal(WebSocketCloseStatus.MessageTooBig, socket.CloseStatus);
        }
        Assert.IsType<WampProtocolException>(await sessions.NextEndAsync());
    }

    [Fact]
    public async Task ReassemblesFragmentedMessages()
    {
        await using var transports = await StartAsync(new EchoSessions(), Config());
        var (socket, error) = await RawConnectAsync(transports["ws1"], ["wamp.2.json"]);
        using (socket)
        {
            Assert.Null(error);
            // Larger than the initial 4 KiB receive buffer, sent in three fragments.
            var json = Encoding.UTF8.GetBytes($$"""[48,1,{},"com.example.echo",["{{new string('y', 10000)}}"]]""");
            await socket.SendAsync(json.AsMemory(0, 10), WebSocketMessageType.Text, false, CancellationToken.None);
            await socket.SendAsync(json.AsMemory(10, 5000), WebSocketMessageType.Text, false, CancellationToken.None);
            await socket.SendAsync(json.AsMemory(5010), WebSocketMessageType.Text, true, CancellationToken.None);

            var received = new MemoryStream();
            var buffer = new byte[4096];
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None).AsTask().WaitAsync(Wait);
                received.Write(buffer, 0, result.Count);
            } while (!result.EndOfMessage);
            Assert.Equal(json, received.ToArray());
        }
    }

    [Fact]
    public async Task ServerCloseEndsTheClientsReceiveWithNull()
    {
        var closed = new TaskCompletionSource();
        WampSessionHandler closeAfterFirst = async (connection, _, ct) =>
        {
            await connection.ReceiveAsync(ct);
            await connection.CloseAsync("bye");
            Assert.Null(await connection.ReceiveAsync(ct)); // the client's close reply
            closed.SetResult();
        };
        await using var transports = await RouterTransports.StartAsync([Config()], closeAfterFirst);
        await using var client = await WampTransportConnector.ConnectWebSocketAsync(WsUri(transports["ws1"]), [WampSerializers.Json]);
        await client.SendAsync(Call(1));
        Assert.Null(await client.ReceiveAsync().AsTask().WaitAsync(Wait));
        Assert.Null(await client.ReceiveAsync().AsTask().WaitAsync(Wait)); // and stays closed
        await closed.Task.WaitAsync(Wait);
    }

    [Fact]
    public async Task MalformedMessageIsAProtocolError()
    {
        var sessions = new EchoSessions();
        await using var transports = await StartAsync(sessions, Config());
        var (socket, error) = await RawConnectAsync(transports["ws1"], ["wamp.2.json"]);
        using (socket)
        {
            Assert.Null(error);
            await socket.SendAsync(Encoding.UTF8.GetBytes("[48, not json"), WebSocketMessageType.Text, true, CancellationToken.None);
            Assert.IsType<WampProtocolException>(await sessions.NextEndAsync());
        }
        // The host keeps serving.
        await using var client = await WampTransportConnector.ConnectWebSocketAsync(WsUri(transports["ws1"]), [WampSerializers.Json]);
        await client.SendAsync(Call(1));
        AssertSame(Call(1), await client.ReceiveAsync().AsTask().WaitAsync(Wait));
    }
}
