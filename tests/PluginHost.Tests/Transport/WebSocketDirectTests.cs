using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using PluginHost.Listeners;
using PluginHost.Wamp.Router;
using PluginHost.Wamp.Transport;
using static PluginHost.Tests.Transport.TransportTestKit;

namespace PluginHost.Tests.Transport;

/// <summary>
/// WAMP WebSocket upgrades answered on the connection itself (Listeners/WebSocketUpgrade.cs) and the RFC 6455 framing
/// of <see cref="PipeWebSocketConnection"/>, driven byte by byte by a hand-made client; what is not a plain upgrade
/// goes on to the HTTP pipeline.
/// </summary>
public class WebSocketDirectTests
{
    /// <summary>Echoes every message and records which connection class served each session and how it ended.</summary>
    private sealed class RecordingEcho
    {
        public Channel<Type> Served { get; } = Channel.CreateUnbounded<Type>();
        public EchoSessions Echo { get; } = new();

        public Task HandleAsync(IWampConnection connection, TransportAuthConfig auth, CancellationToken cancellationToken)
        {
            Served.Writer.TryWrite(connection.GetType());
            return Echo.HandleAsync(connection, auth, cancellationToken);
        }

        public Task<Type> NextServedAsync() => Served.Reader.ReadAsync().AsTask().WaitAsync(Wait);
    }

    private static Task<RouterTransports> StartAsync(RecordingEcho sessions, TransportConfig transport)
        => RouterTransports.StartAsync([transport], sessions.HandleAsync);

    private static WebSocketTransportConfig Ws(WebSocketOptions? options = null) => new()
    {
        Id = "ws1",
        Endpoint = Loopback,
        WebSocket = new WebSocketServiceConfig { Options = options ?? new WebSocketOptions() },
    };

    private const string CallJson = """[48,1,{},"com.example.echo"]""";

    [Fact]
    public async Task APlainUpgradeIsServedOnTheConnectionItself()
    {
        var sessions = new RecordingEcho();
        await using var transports = await StartAsync(sessions, Ws());
        await using var client = await WampTransportConnector.ConnectWebSocketAsync(WsUri(transports["ws1"], "/ws"), [Wamp.Serialization.WampSerializers.Json]);
        Assert.Equal(typeof(PipeWebSocketConnection), await sessions.NextServedAsync());
        await client.SendAsync(Call(7, "direct"));
        AssertSame(Call(7, "direct"), await client.ReceiveAsync().AsTask().WaitAsync(Wait));
        await client.CloseAsync();
        Assert.Null(await client.ReceiveAsync().AsTask().WaitAsync(Wait));
        Assert.Null(await sessions.Echo.NextEndAsync()); // the close handshake completed both ways
    }

    [Fact]
    public async Task PermessageDeflateIsNegotiatedByTheHttpPipelineInstead()
    {
        var sessions = new RecordingEcho();
        await using var transports = await StartAsync(sessions, Ws(new WebSocketOptions { Deflate = new DeflateOptions() }));
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("wamp.2.json");
        socket.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        await socket.ConnectAsync(WsUri(transports["ws1"]), CancellationToken.None).WaitAsync(Wait);
        Assert.Equal(typeof(WebSocketConnection), await sessions.NextServedAsync());
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(Wait);

        using var plain = new ClientWebSocket(); // the same endpoint, no deflate offered: served directly
        plain.Options.AddSubProtocol("wamp.2.json");
        await plain.ConnectAsync(WsUri(transports["ws1"]), CancellationToken.None).WaitAsync(Wait);
        Assert.Equal(typeof(PipeWebSocketConnection), await sessions.NextServedAsync());
    }

    [Fact]
    public async Task AnHttpRequestFirstLeavesTheConnectionToHttpWhichStillUpgradesLater()
    {
        using var doc = JsonDocument.Parse("[1]");
        var sessions = new RecordingEcho();
        var web = new WebTransportConfig
        {
            Id = "web1",
            Endpoint = Loopback,
            Paths = new Dictionary<string, WebPathConfig> { ["info"] = new JsonPathConfig(doc.RootElement.Clone()), ["ws"] = new WebSocketPathConfig() },
        };
        await using var transports = await StartAsync(sessions, web);
        await using var tcp = await RawTcpClient.ConnectAsync(transports["web1"].Port);
        await tcp.WriteAsync(Encoding.ASCII.GetBytes("GET /info HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        string response = await ReadHeadAsync(tcp);
        Assert.StartsWith("HTTP/1.1 200", response);
        Assert.Equal("[1]", Encoding.ASCII.GetString(await tcp.ReadAsync(3)));

        await tcp.WriteAsync(UpgradeRequest("/ws"));
        Assert.StartsWith("HTTP/1.1 101", await ReadHeadAsync(tcp));
        Assert.Equal(typeof(WebSocketConnection), await sessions.NextServedAsync()); // the HTTP pipeline's own upgrade
    }

    [Fact]
    public async Task AFragmentedMessageWithAPingBetweenItsFragments()
    {
        var sessions = new RecordingEcho();
        await using var transports = await StartAsync(sessions, Ws());
        await using var ws = await UpgradedAsync(transports["ws1"].Port);
        byte[] call = Encoding.UTF8.GetBytes(CallJson);
        await ws.WriteAsync(ClientFrame(0x01, call[..10]));                    // text, not FIN
        await ws.WriteAsync(ClientFrame(0x89, "abc"u8.ToArray()));              // PING between the fragments
        await ws.WriteAsync(ClientFrame(0x00, call[10..20]));                   // continuation, not FIN
        await ws.WriteAsync(ClientFrame(0x80, call[20..]));                     // continuation, FIN
        var pong = await ReadServerFrameAsync(ws);
        Assert.Equal((byte)0x8A, pong.First);
        Assert.Equal("abc", Encoding.ASCII.GetString(pong.Payload));            // 5.5.3: the PING's payload echoed
        var echo = await ReadServerFrameAsync(ws);
        Assert.Equal((byte)0x81, echo.First);                                   // FIN + text: JSON travels in text frames
        Assert.Equal(CallJson, Encoding.UTF8.GetString(echo.Payload));
    }

    [Fact]
    public async Task AMessageWithA64BitLengthArrivingInPieces()
    {
        var sessions = new RecordingEcho();
        await using var transports = await StartAsync(sessions, Ws());
        await using var ws = await UpgradedAsync(transports["ws1"].Port);
        string big = new('x', 70_000);
        byte[] call = Encoding.UTF8.GetBytes("[48,2,{},\"com.example.echo\",[\"" + big + "\"]]");
        byte[] frame = ClientFrame(0x81, call, forceWideLength: true);
        for (int i = 0; i < frame.Length; i += 8192) await ws.WriteAsync(frame[i..Math.Min(frame.Length, i + 8192)]);
        var echo = await ReadServerFrameAsync(ws);
        Assert.Equal(Encoding.UTF8.GetString(call), Encoding.UTF8.GetString(echo.Payload));
    }

    public static TheoryData<string, byte[], ushort> Violations() => new()
    {
        { "unmasked frame", UnmaskedFrame(0x81, Encoding.UTF8.GetBytes(CallJson)), 1002 },
        { "reserved bit", ClientFrame(0xC1, Encoding.UTF8.GetBytes(CallJson)), 1002 },
        { "reserved opcode", ClientFrame(0x83, [1]), 1002 },
        { "fragmented ping", ClientFrame(0x09, [1]), 1002 },
        { "ping of 126 bytes", ClientFrame(0x89, new byte[126]), 1002 },
        { "continuation of nothing", ClientFrame(0x80, Encoding.UTF8.GetBytes(CallJson)), 1002 },
        { "invalid UTF-8 in a text message", ClientFrame(0x81, [0x22, 0xC3, 0x28, 0x22]), 1007 },
        { "close frame with a reserved code", ClientFrame(0x88, [0x03, 0xED]), 1002 }, // 1005 must not be sent
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public async Task AFramingViolationFailsTheConnectionWithItsCloseCode(string violation, byte[] frame, ushort code)
    {
        var sessions = new RecordingEcho();
        await using var transports = await StartAsync(sessions, Ws());
        await using var ws = await UpgradedAsync(transports["ws1"].Port);
        await ws.WriteAsync(frame);
        var close = await ReadServerFrameAsync(ws);
        Assert.True(close.First == 0x88, violation);
        Assert.Equal(code, BinaryPrimitives.ReadUInt16BigEndian(close.Payload));
        Assert.Empty(await ws.ReadToCloseAsync());                     // 7.1.7: the server drops the connection after it
        Assert.IsAssignableFrom<IOException>(await sessions.Echo.NextEndAsync());
    }

    [Fact]
    public async Task APeersCloseIsAnsweredWithItsCodeAndTheSessionEndsCleanly()
    {
        var sessions = new RecordingEcho();
        await using var transports = await StartAsync(sessions, Ws());
        await using var ws = await UpgradedAsync(transports["ws1"].Port);
        await ws.WriteAsync(ClientFrame(0x88, [0x0B, 0xB9, (byte)'b', (byte)'y', (byte)'e'])); // 3001 "bye"
        var close = await ReadServerFrameAsync(ws);
        Assert.Equal((byte)0x88, close.First);
        Assert.Equal(3001, BinaryPrimitives.ReadUInt16BigEndian(close.Payload));
        Assert.Empty(await ws.ReadToCloseAsync());
        Assert.Null(await sessions.Echo.NextEndAsync());
    }

    [Fact]
    public async Task AutoPingKeepsAPeerThatAnswersAndPingsItAgain()
    {
        var sessions = new RecordingEcho();
        await using var transports = await StartAsync(sessions, Ws(new WebSocketOptions { AutoPingIntervalMs = 50, AutoPingTimeoutMs = 100 }));
        await using var ws = await UpgradedAsync(transports["ws1"].Port);
        for (int i = 0; i < 4; i++)
        {
            var ping = await ReadServerFrameAsync(ws);
            Assert.Equal((byte)0x89, ping.First);
            await ws.WriteAsync(ClientFrame(0x8A, ping.Payload)); // answered: the connection stays
        }
        await ws.WriteAsync(ClientFrame(0x81, Encoding.UTF8.GetBytes(CallJson)));
        (byte First, byte[] Payload) frame;
        do frame = await ReadServerFrameAsync(ws); while (frame.First == 0x89); // pings may come before the echo
        Assert.Equal(CallJson, Encoding.UTF8.GetString(frame.Payload));
    }

    [Fact]
    public void HandshakeParsing()
    {
        static WebSocketHandshake.Outcome Parse(string head) => WebSocketHandshake.TryParse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(head)), out _, out _);
        string plain = Encoding.ASCII.GetString(UpgradeRequest("/ws?x=1"));
        Assert.Equal(WebSocketHandshake.Outcome.Upgrade, WebSocketHandshake.TryParse(
            new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(plain + "[1,")), out var request, out int length));
        Assert.Equal("/ws", request!.Path);
        Assert.Equal(["wamp.2.json", "wamp.2.msgpack"], request.Protocols);
        Assert.Equal(plain.Length, length); // frames after the head stay for the WebSocket
        Assert.Equal(WebSocketHandshake.Outcome.NeedMore, Parse(plain[..40]));
        Assert.Equal(WebSocketHandshake.Outcome.NeedMore, Parse("GE"));
        Assert.Equal(WebSocketHandshake.Outcome.NotPlainUpgrade, Parse("POST /ws HTTP/1.1\r\n"));             // told from 4 bytes
        Assert.Equal(WebSocketHandshake.Outcome.NotPlainUpgrade, Parse(plain.Replace("HTTP/1.1", "HTTP/1.0")));
        Assert.Equal(WebSocketHandshake.Outcome.NotPlainUpgrade, Parse(plain.Replace("/ws?x=1", "/w%73")));   // Kestrel decodes, then routes
        Assert.Equal(WebSocketHandshake.Outcome.NotPlainUpgrade, Parse(plain.Replace("Host: 127.0.0.1\r\n", "Host: a\r\nHost: b\r\n")));
        Assert.Equal(WebSocketHandshake.Outcome.NotPlainUpgrade, Parse(plain.Replace("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8")));
        Assert.Equal(WebSocketHandshake.Outcome.NotPlainUpgrade, Parse(plain.Replace("dGhlIHNhbXBsZSBub25jZQ==", "c2hvcnQ=")));
        Assert.Equal(WebSocketHandshake.Outcome.NotPlainUpgrade, Parse(plain.Replace("Upgrade: websocket\r\n", "Upgrade: websocket\r\n folded\r\n")));
        Assert.Equal(WebSocketHandshake.Outcome.NotPlainUpgrade, Parse(plain.Replace("\r\n\r\n", "\r\nContent-Length: 0\r\n\r\n")));
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketHandshake.AcceptHash("dGhlIHNhbXBsZSBub25jZQ==")); // RFC 6455 1.3
        Assert.Equal(WebSocketHandshake.Outcome.NotPlainUpgrade, Parse(plain.Replace("GET /ws?x=1 ", "GET  /ws ")));  // two spaces
        Assert.Equal(WebSocketHandshake.Outcome.NotPlainUpgrade, Parse(plain.Replace("GET /ws?x=1 ", "GET  ")));       // no target
        Assert.Equal(WebSocketHandshake.Outcome.NotPlainUpgrade, Parse(plain.Replace("Connection: keep-alive, Upgrade", "Connection: keep-alive, Upgraded")));
        Assert.Equal(WebSocketHandshake.Outcome.NotPlainUpgrade, Parse(plain.Replace("Host: 127.0.0.1", "Host: 127.0.0.1/x")));

        // Header names in any case, lists with spaces and empty entries, the values a session keeps.
        string varied = plain.Replace("Upgrade: websocket", "UPGRADE:\tWebSocket ").Replace("Connection:", "connection:")
            .Replace("Sec-WebSocket-Protocol: wamp.2.json, wamp.2.msgpack", "sec-websocket-PROTOCOL: wamp.2.cbor ,, wamp.2.json")
            .Replace("\r\n\r\n", "\r\nOrigin: http://example.com\r\nCookie: a=1\r\ncookie: b=2\r\nSec-WebSocket-Extensions: x, Permessage-Deflate\r\n\r\n");
        Assert.Equal(WebSocketHandshake.Outcome.Upgrade, WebSocketHandshake.TryParse(
            new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(varied)), out var other, out _));
        Assert.Equal(["wamp.2.cbor", "wamp.2.json"], other!.Protocols);
        Assert.Equal("http://example.com", other.Origin);
        Assert.Equal(["a=1", "b=2"], other.Cookies);
        Assert.True(other.OffersDeflate);
        Assert.Equal("dGhlIHNhbXBsZSBub25jZQ==", other.Key);
        Assert.Equal(WebSocketHandshake.Outcome.NotPlainUpgrade, Parse(varied.Replace("Cookie: a=1", "Origin: http://other.example")));  // two origins
    }

    [Fact]
    public void PathsAreRoutedAsTheHttpPipelineRoutesThem()
    {
        var ws = new WebSocketPathConfig();
        var nested = new WebSocketPathConfig();
        var root = new WebSocketPathConfig();
        var paths = new Dictionary<string, WebPathConfig>
        {
            ["ws"] = ws,
            ["api"] = new NestedPathConfig(new Dictionary<string, WebPathConfig> { ["live"] = nested }),
            ["info"] = new RedirectPathConfig("https://example.com"),
        };
        Assert.Same(ws.WebSocket, WebPipeline.FindWebSocket(paths, "/ws"));
        Assert.Same(ws.WebSocket, WebPipeline.FindWebSocket(paths, "/WS/below"));  // app.Map: case-insensitive, answers below
        Assert.Null(WebPipeline.FindWebSocket(paths, "/wsx"));
        Assert.Same(nested.WebSocket, WebPipeline.FindWebSocket(paths, "/api/live"));
        Assert.Null(WebPipeline.FindWebSocket(paths, "/api"));
        Assert.Null(WebPipeline.FindWebSocket(paths, "/info"));
        Assert.Null(WebPipeline.FindWebSocket(paths, "/"));
        var withRoot = new Dictionary<string, WebPathConfig>(paths) { ["/"] = root };
        Assert.Same(root.WebSocket, WebPipeline.FindWebSocket(withRoot, "/anything/else"));
        Assert.Null(WebPipeline.FindWebSocket(withRoot, "/info"));
    }

    // ---- a hand-made client ----

    private static byte[] UpgradeRequest(string path) => Encoding.ASCII.GetBytes(
        $"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: wamp.2.json, wamp.2.msgpack\r\n\r\n");

    private static async Task<RawTcpClient> UpgradedAsync(int port)
    {
        var tcp = await RawTcpClient.ConnectAsync(port);
        await tcp.WriteAsync(UpgradeRequest("/"));
        string head = await ReadHeadAsync(tcp);
        Assert.StartsWith("HTTP/1.1 101", head);
        Assert.Contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", head);
        Assert.Contains("Sec-WebSocket-Protocol: wamp.2.json\r\n", head);
        return tcp;
    }

    private static async Task<string> ReadHeadAsync(RawTcpClient tcp)
    {
        var head = new StringBuilder();
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal)) head.Append((char)(await tcp.ReadAsync(1))[0]);
        return head.ToString();
    }

    private static async Task<(byte First, byte[] Payload)> ReadServerFrameAsync(RawTcpClient tcp)
    {
        var header = await tcp.ReadAsync(2);
        Assert.Equal(0, header[1] & 0x80); // 5.1: a server never masks
        long length = header[1] & 0x7F;
        if (length == 126) length = BinaryPrimitives.ReadUInt16BigEndian(await tcp.ReadAsync(2));
        else if (length == 127) length = (long)BinaryPrimitives.ReadUInt64BigEndian(await tcp.ReadAsync(8));
        return (header[0], length == 0 ? [] : await tcp.ReadAsync((int)length));
    }

    private static byte[] ClientFrame(byte first, byte[] payload, bool forceWideLength = false)
    {
        byte[] mask = [0x37, 0xFA, 0x21, 0x3D];
        var frame = new List<byte> { first };
        if (payload.Length < 126 && !forceWideLength) frame.Add((byte)(0x80 | payload.Length));
        else if (payload.Length <= ushort.MaxValue && !forceWideLength)
        {
            frame.Add(0x80 | 126);
            frame.AddRange([(byte)(payload.Length >> 8), (byte)payload.Length]);
        }
        else
        {
            frame.Add(0x80 | 127);
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(length, (ulong)payload.Length);
            frame.AddRange(length);
        }
        frame.AddRange(mask);
        for (int i = 0; i < payload.Length; i++) frame.Add((byte)(payload[i] ^ mask[i % 4]));
        return [.. frame];
    }

    private static byte[] UnmaskedFrame(byte first, byte[] payload) => [first, (byte)payload.Length, .. payload];
}
