using System.IO.Pipelines;
using System.Net.Sockets;
using System.Net.WebSockets;
using PluginHost.Wamp.Serialization;

namespace PluginHost.Wamp.Transport;

/// <summary>Client side: opens WAMP transports to a router.</summary>
public static class WampTransportConnector
{
    /// <summary>
    /// Connects to a ws:// or wss:// URL, offering the serializers' subprotocols in order of preference,
    /// and speaks the one the router picked.
    /// </summary>
    public static Task<WebSocketConnection> ConnectWebSocketAsync(Uri url, IReadOnlyList<IWampSerializer> serializers,
        CancellationToken cancellationToken = default)
        => ConnectWebSocketAsync(url, serializers, configure: null, WebSocketConnection.DefaultMaxMessageSize, cancellationToken);

    /// <param name="configure">Adjusts the client options (headers such as Origin, certificates, proxies).</param>
    /// <param name="maxMessageSize">Largest message accepted from the router.</param>
    public static async Task<WebSocketConnection> ConnectWebSocketAsync(Uri url, IReadOnlyList<IWampSerializer> serializers,
        Action<ClientWebSocketOptions>? configure, int maxMessageSize, CancellationToken cancellationToken = default)
    {
        if (url.Scheme is not ("ws" or "wss"))
            throw new ArgumentException($"WebSocket URL must be ws:// or wss://, got {url}", nameof(url));
        if (serializers.Count == 0)
            throw new ArgumentException("at least one serializer is needed", nameof(serializers));

        var socket = new ClientWebSocket();
        try
        {
            foreach (var serializer in serializers)
                socket.Options.AddSubProtocol(serializer.Subprotocol);
            configure?.Invoke(socket.Options);
            await socket.ConnectAsync(url, cancellationToken).ConfigureAwait(false);

            // The router must select one of the offered subprotocols; otherwise we cannot know the encoding.
            var chosen = serializers.FirstOrDefault(s => s.Subprotocol == socket.SubProtocol);
            if (chosen is null)
            {
                socket.Abort();
                throw new IOException($"router at {url} did not select a WAMP subprotocol (offered {string.Join(", ", serializers.Select(s => s.Subprotocol))})");
            }
            var details = new TransportDetails("websocket", chosen.Name, Peer: url.ToString(), Protocol: socket.SubProtocol);
            return new WebSocketConnection(socket, chosen, details, maxMessageSize);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Connects over TCP and performs the RawSocket handshake. <paramref name="maxMessageSize"/> is what we
    /// announce (rounded down to a power of two between 512 B and 16 MiB).
    /// </summary>
    public static async Task<RawSocketConnection> ConnectRawSocketAsync(string host, int port, IWampSerializer serializer,
        int maxMessageSize = RawSocketProtocol.MaxLengthLimit, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        NetworkStream? stream = null;
        try
        {
            await socket.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
            var pipe = new StreamDuplexPipe(
                PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true)),
                PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true)));
            string peer = socket.RemoteEndPoint is { } ep ? $"tcp:{ep}" : $"tcp:{host}:{port}";
            return await RawSocketConnection.ConnectAsync(pipe, serializer, maxMessageSize, peer, stream, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            if (stream is not null) await stream.DisposeAsync().ConfigureAwait(false);
            else socket.Dispose();
            throw;
        }
    }

    private sealed record StreamDuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
