using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.RegularExpressions;
using PluginHost.Tests.Serialization;
using PluginHost.Tests.Support;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Serialization;
using static PluginHost.Tests.Serialization.Wire;

namespace PluginHost.Tests.Interop;

/// <summary>
/// Issue 10, part 4, against a real node: hand-made frames over a real WebSocket (System.Net's ClientWebSocket) and a
/// real RawSocket (TCP, handshake by hand), in json, msgpack and cbor. Each hole of the report is answered with ABORT
/// wamp.error.protocol_violation, and what applications legitimately send still works.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class StrictWireNodeTests(InteropNodeFixture fixture)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private static readonly Dictionary<string, object?> Roles =
        Dict(("roles", Dict(("caller", Dict()), ("callee", Dict()), ("publisher", Dict()), ("subscriber", Dict()))));

    public static TheoryData<string, string> Wires()
    {
        var data = new TheoryData<string, string>();
        foreach (var transport in new[] { "websocket", "rawsocket" })
            foreach (var serializer in new[] { "json", "msgpack", "cbor" })
                data.Add(transport, serializer);
        return data;
    }

    /// <summary>The frame for <paramref name="fields"/>; JSON is written by hand so that 1.0 stays a float token.</summary>
    private static byte[] Frame(string serializer, params object?[] fields)
        => serializer == "json" ? System.Text.Encoding.UTF8.GetBytes(StrictWireTests.JsonText(fields)) : EncodeFields(Get(serializer), fields);

    private async Task<RawPeer> Connect(string transport, string serializer)
        => transport == "websocket"
            ? await RawPeer.WebSocketAsync(new Uri(fixture.WebSocketUrl), Get(serializer))
            : await RawPeer.RawSocketAsync(fixture.Node.Port("raw"), Get(serializer));

    private static void AssertProtocolViolation(WampMessage? reply, string expected)
    {
        var abort = Assert.IsType<AbortMessage>(reply);
        Assert.Equal(WampErrors.ProtocolViolation, abort.Reason);
        Assert.Contains(expected, abort.Details.GetString("message"));
    }

    private async Task<RawPeer> Joined(string transport, string serializer)
    {
        var peer = await Connect(transport, serializer);
        await peer.SendAsync(Frame(serializer, 1L, "realm1", Roles));
        Assert.IsType<WelcomeMessage>(await peer.ReceiveAsync());
        return peer;
    }

    [Theory]
    [MemberData(nameof(Wires))]
    public async Task HelloWithATypeCodeTruncatingTo1IsAborted(string transport, string serializer)
    {
        await using var peer = await Connect(transport, serializer);
        await peer.SendAsync(Frame(serializer, 4294967297L, "realm1", Roles));
        AssertProtocolViolation(await peer.ReceiveAsync(), "unknown message type 4294967297");
        Assert.Null(await peer.ReceiveAsync()); // and the transport closes
    }

    [Theory]
    [MemberData(nameof(Wires))]
    public async Task CallWithATypeCodeTruncatingTo48IsAborted(string transport, string serializer)
    {
        await using var peer = await Joined(transport, serializer);
        await peer.SendAsync(Frame(serializer, 4294967344L, 5L, Dict(), "com.timeservice.now"));
        AssertProtocolViolation(await peer.ReceiveAsync(), "unknown message type 4294967344");
    }

    [Theory]
    [MemberData(nameof(Wires))]
    public async Task FloatTypeCodeIsAborted(string transport, string serializer)
    {
        await using var peer = await Connect(transport, serializer);
        await peer.SendAsync(Frame(serializer, 1.0, "realm1", Roles));
        AssertProtocolViolation(await peer.ReceiveAsync(), "message type 1 is not an integer");
    }

    [Theory]
    [MemberData(nameof(Wires))]
    public async Task HelloWithoutRolesIsAborted(string transport, string serializer)
    {
        await using var peer = await Connect(transport, serializer);
        await peer.SendAsync(Frame(serializer, 1L, "realm1", Dict(("authmethods", List("anonymous")))));
        AssertProtocolViolation(await peer.ReceiveAsync(), "HELLO.Details.roles is missing");
    }

    [Theory]
    [MemberData(nameof(Wires))]
    public async Task CallWithRequestIdZeroIsAborted(string transport, string serializer)
    {
        await using var peer = await Joined(transport, serializer);
        await peer.SendAsync(Frame(serializer, 48L, 0L, Dict(), "com.timeservice.now"));
        AssertProtocolViolation(await peer.ReceiveAsync(), "Request 0 is outside [1, 2^53]");
    }

    private static object Nest(int levels) => levels == 0 ? "leaf" : List(Nest(levels - 1));

    [Theory]
    [MemberData(nameof(Wires))]
    public async Task DeepLegitimatePayloadsAreRoutedAndAbsurdNestingIsAborted(string transport, string serializer)
    {
        await using var peer = await Joined(transport, serializer);
        // Subscribe and publish to ourselves: the 64-level document (System.Text.Json's default depth) goes in and out.
        await peer.SendAsync(Frame(serializer, 32L, 1L, Dict(), "com.example.deep"));
        Assert.IsType<SubscribedMessage>(await peer.ReceiveAsync());
        await peer.SendAsync(Frame(serializer, 16L, 2L, Dict(("acknowledge", true), ("exclude_me", false)), "com.example.deep",
            List(Nest(64)), Dict(("doc", Nest(64)))));
        var replies = new[] { await peer.ReceiveAsync(), await peer.ReceiveAsync() };
        Assert.Single(replies.OfType<PublishedMessage>());
        var evt = Assert.Single(replies.OfType<EventMessage>());
        Assert.True(WampValue.DeepEquals(Nest(64), evt.Arguments![0]));
        Assert.True(WampValue.DeepEquals(Nest(64), evt.ArgumentsKw!["doc"]));

        await peer.SendAsync(StrictWireTests.RawNested(serializer, 10_000));
        AssertProtocolViolation(await peer.ReceiveAsync(), "128");
    }

    /// <summary>One peer speaking raw frames: only the framing is done here, never the WAMP rules.</summary>
    private sealed class RawPeer : IAsyncDisposable
    {
        private readonly IWampSerializer _serializer;
        private readonly ClientWebSocket? _ws;
        private readonly TcpClient? _tcp;
        private readonly NetworkStream? _stream;

        private RawPeer(IWampSerializer serializer, ClientWebSocket? ws, TcpClient? tcp)
        {
            _serializer = serializer;
            _ws = ws;
            _tcp = tcp;
            _stream = tcp?.GetStream();
        }

        public static async Task<RawPeer> WebSocketAsync(Uri url, IWampSerializer serializer)
        {
            var ws = new ClientWebSocket();
            ws.Options.AddSubProtocol(serializer.Subprotocol);
            using var cts = new CancellationTokenSource(Wait);
            await ws.ConnectAsync(url, cts.Token);
            return new RawPeer(serializer, ws, null);
        }

        public static async Task<RawPeer> RawSocketAsync(int port, IWampSerializer serializer)
        {
            var tcp = new TcpClient();
            using var cts = new CancellationTokenSource(Wait);
            await tcp.ConnectAsync("127.0.0.1", port, cts.Token);
            var peer = new RawPeer(serializer, null, tcp);
            // 0x7F magic, max length 2^(9+15) = 16 MiB, serializer id; the router answers with its own.
            await peer._stream!.WriteAsync(new byte[] { 0x7F, (byte)(0xF0 | serializer.RawSocketId), 0, 0 }, cts.Token);
            var reply = new byte[4];
            await peer._stream.ReadExactlyAsync(reply, cts.Token);
            Assert.Equal(0x7F, reply[0]);
            Assert.Equal(serializer.RawSocketId, reply[1] & 0x0F);
            return peer;
        }

        public async Task SendAsync(byte[] frame)
        {
            using var cts = new CancellationTokenSource(Wait);
            if (_ws is not null)
            {
                await _ws.SendAsync(frame, _serializer.IsBinary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, true, cts.Token);
                return;
            }
            var header = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(header, frame.Length); // type 0 (regular message) in the top byte
            await _stream!.WriteAsync(header, cts.Token);
            await _stream.WriteAsync(frame, cts.Token);
        }

        /// <summary>The next WAMP message, or null when the router closed the transport.</summary>
        public async Task<WampMessage?> ReceiveAsync()
        {
            using var cts = new CancellationTokenSource(Wait);
            var buffer = new ArrayBufferWriter<byte>();
            if (_ws is not null)
            {
                while (true)
                {
                    ValueWebSocketReceiveResult r;
                    try { r = await _ws.ReceiveAsync(buffer.GetMemory(4096), cts.Token); }
                    catch (WebSocketException) { return null; }
                    if (r.MessageType == WebSocketMessageType.Close) return null;
                    buffer.Advance(r.Count);
                    if (r.EndOfMessage) break;
                }
            }
            else
            {
                while (true)
                {
                    var header = new byte[4];
                    try { await _stream!.ReadExactlyAsync(header, cts.Token); }
                    catch (EndOfStreamException) { return null; }
                    catch (IOException) { return null; }
                    int length = header[1] << 16 | header[2] << 8 | header[3];
                    var payload = new byte[length];
                    await _stream.ReadExactlyAsync(payload, cts.Token);
                    if ((header[0] & 0x07) != 0) continue; // PING/PONG: not a WAMP message
                    buffer.Write(payload);
                    break;
                }
            }
            return _serializer.Deserialize(new ReadOnlySequence<byte>(buffer.WrittenMemory));
        }

        public ValueTask DisposeAsync()
        {
            _ws?.Dispose();
            _tcp?.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>A fuzzer's flood of malformed messages, on a node of its own: one full log line, then one count per 10 s.</summary>
public sealed class MalformedFloodLogTests
{
    [Fact]
    public async Task AFloodOfMalformedConnectionsIsOneLineAndOneCount()
    {
        await using var node = await NodeProcess.StartAsync(InteropNodeFixture.Config);
        var json = System.Text.Encoding.UTF8.GetBytes("[1.0,\"realm1\",{\"roles\":{\"caller\":{}}}]");
        const int connections = 40;
        for (int i = 0; i < connections; i++)
        {
            using var ws = new ClientWebSocket();
            ws.Options.AddSubProtocol("wamp.2.json");
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await ws.ConnectAsync(new Uri($"ws://127.0.0.1:{node.Port("web")}/ws"), cts.Token);
            await ws.SendAsync(json, WebSocketMessageType.Text, true, cts.Token);
            var buffer = new byte[4096];
            var reply = await ws.ReceiveAsync(buffer, cts.Token);
            Assert.Contains("wamp.error.protocol_violation", System.Text.Encoding.UTF8.GetString(buffer, 0, reply.Count));
        }
        // The window's count arrives when its 10 s are over (the router's timer); every violation is in it.
        var count = await node.WaitForLineAsync(@"(\d+) more protocol violations from tcp4:127\.0\.0\.1 in the last 10 s", timeout: TimeSpan.FromSeconds(60));
        Assert.Equal(connections - 1, int.Parse(count.Groups[1].Value));
        Assert.Single(Regex.Matches(node.Log, @"ABORT wamp\.error\.protocol_violation to tcp4:127\.0\.0\.1:\d+: message type 1 is not an integer"));
    }
}
