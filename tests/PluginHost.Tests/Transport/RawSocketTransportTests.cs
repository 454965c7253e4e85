using System.Buffers;
using System.Text;
using PluginHost.Listeners;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;
using static PluginHost.Tests.Transport.TransportTestKit;

namespace PluginHost.Tests.Transport;

public class RawSocketTransportTests
{
    private static RawSocketTransportConfig Config(int maxMessageSize = 16 * 1024 * 1024, params string[] serializers) => new()
    {
        Id = "rs1",
        Endpoint = Loopback,
        MaxMessageSize = maxMessageSize,
        Serializers = serializers,
    };

    private static byte[] Json(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>JSON on the wire under a different RawSocket id: a serializer the router does not know.</summary>
    private sealed class UnknownSerializer : IWampSerializer
    {
        public string Name => "unknown";
        public string Subprotocol => "wamp.2.unknown";
        public bool IsBinary => false;
        public byte RawSocketId => 9;
        public void Serialize(WampMessage message, IBufferWriter<byte> output) => WampSerializers.Json.Serialize(message, output);
        public WampMessage Deserialize(ReadOnlySequence<byte> data) => WampSerializers.Json.Deserialize(data);
    }

    [Theory]
    [MemberData(nameof(SerializerNames), MemberType = typeof(TransportTestKit))]
    public async Task RoundTripsEachSerializer(string serializerName)
    {
        var sessions = new EchoSessions();
        await using var transports = await StartAsync(sessions, Config());
        var serializer = WampSerializers.ByName(serializerName)!;
        await using var client = await WampTransportConnector.ConnectRawSocketAsync("127.0.0.1", transports["rs1"].Port, serializer, 65536);
        Assert.Equal(RawSocketProtocol.MaxLengthLimit, client.SendLimit); // the router announced 16 MiB
        Assert.Equal(65536, client.ReceiveLimit);

        var messages = new WampMessage[] { Call(1, "a"), Call(2, new string('z', 5000)), Call(3, 3L) };
        await client.SendAsync(messages);
        foreach (var expected in messages)
            AssertSame(expected, await client.ReceiveAsync().AsTask().WaitAsync(Wait));

        await client.CloseAsync();
        Assert.Null(await sessions.NextEndAsync());
    }

    [Fact]
    public async Task HandshakeReplyEchoesSerializerWithRoutersMaxLength()
    {
        await using var transports = await StartAsync(new EchoSessions(), Config(maxMessageSize: 65536));
        await using var tcp = await RawTcpClient.ConnectAsync(transports["rs1"].Port);
        await tcp.WriteAsync(0x7F, 0xF1, 0, 0);
        Assert.Equal(new byte[] { 0x7F, 0x71, 0, 0 }, await tcp.ReadAsync(4)); // 2^(9+7) = 64 KiB, JSON
    }

    [Fact]
    public async Task UnsupportedSerializerGetsErrorReply()
    {
        await using var transports = await StartAsync(new EchoSessions(), Config());
        await using var tcp = await RawTcpClient.ConnectAsync(transports["rs1"].Port);
        await tcp.WriteAsync(0x7F, 0xF9, 0, 0);
        Assert.Equal(new byte[] { 0x7F, 0x10, 0, 0 }, await tcp.ReadToCloseAsync());
    }

    [Fact]
    public async Task ReservedHandshakeBitsGetErrorReply()
    {
        await using var transports = await StartAsync(new EchoSessions(), Config());
        await using var tcp = await RawTcpClient.ConnectAsync(transports["rs1"].Port);
        await tcp.WriteAsync(0x7F, 0xF1, 0, 1);
        Assert.Equal(new byte[] { 0x7F, 0x30, 0, 0 }, await tcp.ReadToCloseAsync());
    }

    [Fact]
    public async Task NonRawSocketClientIsDroppedWithoutReply()
    {
        await using var transports = await StartAsync(new EchoSessions(), Config());
        await using var tcp = await RawTcpClient.ConnectAsync(transports["rs1"].Port);
        await tcp.WriteAsync(Json("GET / HTTP/1.1\r\n\r\n"));
        Assert.Empty(await tcp.ReadToCloseAsync());
    }

    [Fact]
    public async Task ClientConnectorReportsRefusedSerializer()
    {
        await using var transports = await StartAsync(new EchoSessions(), Config());
        var e = await Assert.ThrowsAsync<RawSocketHandshakeException>(() =>
            WampTransportConnector.ConnectRawSocketAsync("127.0.0.1", transports["rs1"].Port, new UnknownSerializer()));
        Assert.Equal(RawSocketHandshakeError.SerializerUnsupported, e.Error);
    }

    [Fact]
    public async Task AnswersPingWithPongEchoingThePayload()
    {
        await using var transports = await StartAsync(new EchoSessions(), Config());
        await using var tcp = await RawTcpClient.ConnectAsync(transports["rs1"].Port);
        await tcp.HandshakeAsync();
        var payload = Json("ping-payload");
        await tcp.WriteAsync(RawTcpClient.Frame(RawSocketProtocol.FramePing, payload));
        Assert.Equal(RawTcpClient.Frame(RawSocketProtocol.FramePong, payload), await tcp.ReadAsync(4 + payload.Length));
    }

    [Fact]
    public async Task ReassemblesFramesSplitAcrossTcpWrites()
    {
        await using var transports = await StartAsync(new EchoSessions(), Config());
        await using var tcp = await RawTcpClient.ConnectAsync(transports["rs1"].Port);
        await tcp.HandshakeAsync();
        var frame = RawTcpClient.Frame(0, Json("""[48,1,{},"com.example.echo",["split"]]"""));
        await tcp.WriteAsync(frame[..2]);   // half a header
        await tcp.WriteAsync(frame[2..7]);  // rest of the header, start of the payload
        await tcp.WriteAsync(frame[7..]);
        Assert.Equal(frame, await tcp.ReadAsync(frame.Length));

        // Two frames (and a PING) in one write are all handled.
        var second = RawTcpClient.Frame(0, Json("""[48,2,{},"com.example.echo"]"""));
        var ping = RawTcpClient.Frame(RawSocketProtocol.FramePing, []);
        byte[] batch = [.. frame, .. ping, .. second];
        await tcp.WriteAsync(batch);
        var pong = RawTcpClient.Frame(RawSocketProtocol.FramePong, []);
        byte[] expected = [.. frame, .. pong, .. second];
        Assert.Equal(expected, await tcp.ReadAsync(expected.Length));
    }

    [Fact]
    public async Task FrameLongerThanAnnouncedLimitFailsTheConnection()
    {
        var sessions = new EchoSessions();
        await using var transports = await StartAsync(sessions, Config(maxMessageSize: 1024));
        await using var tcp = await RawTcpClient.ConnectAsync(transports["rs1"].Port);
        await tcp.HandshakeAsync();
        await tcp.WriteAsync(RawTcpClient.Frame(0, new byte[2000]));
        Assert.IsType<WampProtocolException>(await sessions.NextEndAsync());
        Assert.Empty(await tcp.ReadToCloseAsync());
    }

    [Fact]
    public async Task SenderRespectsThePeersLimit()
    {
        await using var transports = await StartAsync(new EchoSessions(), Config(maxMessageSize: 1024));
        await using var client = await WampTransportConnector.ConnectRawSocketAsync("127.0.0.1", transports["rs1"].Port, WampSerializers.Json);
        Assert.Equal(1024, client.SendLimit);
        await Assert.ThrowsAsync<WampMessageTooLargeException>(() => client.SendAsync(Call(1, new string('x', 2000))).AsTask());
        await client.SendAsync(Call(2, "small")); // the stream is still in sync
        AssertSame(Call(2, "small"), await client.ReceiveAsync().AsTask().WaitAsync(Wait));
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0, 0, 2, 0x5B, 0x5D })]        // reserved bits set in the frame header
    [InlineData(new byte[] { 0x05, 0, 0, 2, 0x5B, 0x5D })]        // frame type 5 does not exist
    [InlineData(new byte[] { 0x00, 0, 0, 5, 0x5B, 0x31, 0x2C, 0x32, 0x5D })] // [1,2] is no valid HELLO
    [InlineData(new byte[] { 0x00, 0, 0, 3, 0x5B, 0x7B, 0x7D })]  // [{} is not JSON
    public async Task MalformedFramesAreProtocolErrors(byte[] bytes)
    {
        var sessions = new EchoSessions();
        await using var transports = await StartAsync(sessions, Config());
        await using (var tcp = await RawTcpClient.ConnectAsync(transports["rs1"].Port))
        {
            await tcp.HandshakeAsync();
            await tcp.WriteAsync(bytes);
            Assert.IsType<WampProtocolException>(await sessions.NextEndAsync());
            await tcp.ReadToCloseAsync();
        }
        // The host keeps serving.
        await using var client = await WampTransportConnector.ConnectRawSocketAsync("127.0.0.1", transports["rs1"].Port, WampSerializers.Json);
        await client.SendAsync(Call(1));
        AssertSame(Call(1), await client.ReceiveAsync().AsTask().WaitAsync(Wait));
    }

    [Theory]
    [InlineData(512, 0)]
    [InlineData(1000, 0)]
    [InlineData(1024, 1)]
    [InlineData(65536, 7)]
    [InlineData(16 * 1024 * 1024, 15)]
    [InlineData(int.MaxValue, 15)]
    public void LengthExponentRoundsDownToAPowerOfTwo(int maxMessageSize, int exponent)
        => Assert.Equal(exponent, RawSocketProtocol.LengthExponent(maxMessageSize));

    [Fact]
    public void SixteenMebibyteFrameUsesTheXBit()
    {
        var header = new byte[4];
        RawSocketProtocol.WriteFrameHeader(header, RawSocketProtocol.FramePong, 1 << 24);
        Assert.Equal(new byte[] { 0x0A, 0, 0, 0 }, header);
        Assert.Equal((0, 2, 1 << 24), RawSocketProtocol.ReadFrameHeader(header));
    }
}
