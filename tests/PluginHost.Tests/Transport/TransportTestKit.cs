using System.Buffers;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using PluginHost.Listeners;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;

namespace PluginHost.Tests.Transport;

/// <summary>Echo session handler: answers each received message with itself, recording how each session ended.</summary>
internal sealed class EchoSessions
{
    /// <summary>One entry per finished session: null for a clean end, else the exception.</summary>
    public Channel<Exception?> Ended { get; } = Channel.CreateUnbounded<Exception?>();

    public async Task HandleAsync(IWampConnection connection, TransportAuthConfig auth, CancellationToken cancellationToken)
    {
        try
        {
            while (await connection.ReceiveAsync(cancellationToken) is { } message)
                await connection.SendAsync([message], cancellationToken);
            Ended.Writer.TryWrite(null);
        }
        catch (Exception e)
        {
            Ended.Writer.TryWrite(e);
            throw;
        }
    }

    public Task<Exception?> NextEndAsync() => Ended.Reader.ReadAsync().AsTask().WaitAsync(TransportTestKit.Wait);
}

internal static class TransportTestKit
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    public static EndpointConfig Loopback => new() { Port = 0, Interface = "127.0.0.1" };

    public static Task<RouterTransports> StartAsync(EchoSessions sessions, params TransportConfig[] transports)
        => RouterTransports.StartAsync(transports, sessions.HandleAsync);

    public static CallMessage Call(long requestId, params object?[] args)
        => new(requestId, new Dictionary<string, object?>(), "com.example.echo", args);

    /// <summary>Messages are compared by their JSON text (records holding dictionaries compare by reference).</summary>
    public static string Text(WampMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        WampSerializers.Json.Serialize(message, buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static void AssertSame(WampMessage expected, WampMessage? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(Text(expected), Text(actual!));
    }

    public static IEnumerable<object[]> SerializerNames() => WampSerializers.All.Select(s => new object[] { s.Name });

    public static Uri WsUri(StartedTransport transport, string path = "/")
        => new($"ws://127.0.0.1:{transport.Port}{path}");

    public static HttpClient Http(StartedTransport transport) => new(new HttpClientHandler { AllowAutoRedirect = false })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{transport.Port}"),
        Timeout = Wait,
    };
}

/// <summary>A bare TCP client for RawSocket wire-level tests.</summary>
internal sealed class RawTcpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    private RawTcpClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public static async Task<RawTcpClient> ConnectAsync(int port)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync("127.0.0.1", port).WaitAsync(TransportTestKit.Wait);
        return new RawTcpClient(socket);
    }

    /// <summary>Each call is a separate send (with NoDelay, a separate TCP segment).</summary>
    public async Task WriteAsync(params byte[] bytes) => await _stream.WriteAsync(bytes).AsTask().WaitAsync(TransportTestKit.Wait);

    public async Task<byte[]> ReadAsync(int count)
    {
        var buffer = new byte[count];
        await _stream.ReadExactlyAsync(buffer).AsTask().WaitAsync(TransportTestKit.Wait);
        return buffer;
    }

    /// <summary>Reads until the server closes the connection (FIN or RST); returns what arrived before.</summary>
    public async Task<byte[]> ReadToCloseAsync()
    {
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = await _stream.ReadAsync(buffer).AsTask().WaitAsync(TransportTestKit.Wait)) > 0)
                received.Write(buffer, 0, n);
        }
        catch (IOException) { } // connection reset also counts as closed
        return received.ToArray();
    }

    public static byte[] Frame(byte type, byte[] payload)
    {
        var frame = new byte[4 + payload.Length];
        RawSocketProtocol.WriteFrameHeader(frame, type, payload.Length);
        payload.CopyTo(frame, 4);
        return frame;
    }

    public async Task HandshakeAsync(byte serializerId = 1, int lengthExponent = 15)
    {
        await WriteAsync(0x7F, (byte)((lengthExponent << 4) | serializerId), 0, 0);
        var reply = await ReadAsync(4);
        Assert.Equal(0x7F, reply[0]);
        Assert.Equal(serializerId, reply[1] & 0x0F);
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();
}
