using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Transport;

/// <summary>
/// One established WAMP transport (after the WebSocket upgrade or RawSocket handshake):
/// a reliable, ordered, message-based, bidirectional channel (basic/transports.md).
///
/// Threading contract: one reader calls <see cref="ReceiveAsync"/> at a time and one writer
/// calls <see cref="SendAsync"/> at a time (the session's single writer loop); the two may
/// run concurrently. <see cref="CloseAsync"/> may be called from anywhere, any number of times.
/// </summary>
public interface IWampConnection : IAsyncDisposable
{
    /// <summary>Who is on the other end, for logs and session details.</summary>
    TransportDetails Details { get; }

    /// <summary>
    /// The next message, or null when the peer closed the transport cleanly.
    /// Malformed input throws <see cref="WampProtocolException"/>; a broken transport throws IOException-like errors.
    /// </summary>
    ValueTask<WampMessage?> ReceiveAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends messages in order. Implementations write the whole batch before one flush
    /// (one syscall for many frames), so callers should pass everything that is queued.
    /// </summary>
    ValueTask SendAsync(IReadOnlyList<WampMessage> messages, CancellationToken cancellationToken = default);

    /// <summary>Closes the transport (idempotent). Pending receives complete with null or an exception.</summary>
    ValueTask CloseAsync(string? reason = null);
}

/// <summary>Facts about a transport, reported in WELCOME/session meta (transport dict) and logs.</summary>
public sealed record TransportDetails(
    string Type,              // "websocket", "rawsocket", "inprocess"
    string SerializerName,    // "json", "msgpack", "cbor", or "none" for in-process
    string? Peer = null,      // "tcp4:127.0.0.1:53412"
    string? Protocol = null)  // negotiated WebSocket subprotocol
{
    /// <summary>Set on TLS listeners: client certificate and channel id (authentication reads them).</summary>
    public TlsDetails? Tls { get; init; }

    /// <summary>The transport dict of session meta events and WELCOME details.</summary>
    public Dictionary<string, object?> ToDict()
    {
        var dict = new Dictionary<string, object?>
        {
            ["type"] = Type,
            ["serializer"] = SerializerName,
            ["peer"] = Peer,
            ["protocol"] = Protocol,
        };
        Tls?.AddTo(dict);
        return dict;
    }
}

/// <summary>Conveniences over <see cref="IWampConnection"/>.</summary>
public static class WampConnectionExtensions
{
    /// <summary>Sends one message.</summary>
    public static ValueTask SendAsync(this IWampConnection connection, WampMessage message, CancellationToken cancellationToken = default)
        => connection.SendAsync([message], cancellationToken);
}
