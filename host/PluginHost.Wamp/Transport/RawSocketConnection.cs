using System.Buffers;
using System.IO.Pipelines;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Serialization;
using static PluginHost.Wamp.Transport.RawSocketProtocol;

namespace PluginHost.Wamp.Transport;

/// <summary>
/// WAMP RawSocket (advanced/transport_rawsocket.md) over a duplex pipe: a Kestrel connection's
/// transport on the router side, or pipes over a NetworkStream on the client side.
/// Create one with <see cref="AcceptAsync"/> (router handshake) or <see cref="ConnectAsync"/> (client handshake).
/// </summary>
public sealed class RawSocketConnection : IWampConnection
{
    /// <summary>Router side: where this connection's bytes are counted (set by the listener that accepted it); null on clients.</summary>
    public Metrics.TransportTraffic? Traffic { get; set; }

    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly IWampSerializer _serializer;
    private readonly int _receiveLimit; // what we announced: larger incoming frames fail the connection
    private readonly int _sendLimit;    // what the peer announced: we never send more
    private readonly IAsyncDisposable? _owner;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Lock _gate = new();
    private bool _closed, _receiving, _inputCompleted, _outputCompleted;

    private RawSocketConnection(IDuplexPipe pipe, IWampSerializer serializer, int receiveLimit, int sendLimit,
        string? peer, IAsyncDisposable? owner, TlsDetails? tls = null)
    {
        _input = pipe.Input;
        _output = pipe.Output;
        _serializer = serializer;
        _receiveLimit = receiveLimit;
        _sendLimit = sendLimit;
        _owner = owner;
        Details = new TransportDetails("rawsocket", serializer.Name, peer) { Tls = tls };
    }

    /// <inheritdoc/>
    public TransportDetails Details { get; }

    /// <summary>Largest frame payload we accept (announced in the handshake).</summary>
    public int ReceiveLimit => _receiveLimit;

    /// <summary>Largest frame payload the peer accepts.</summary>
    public int SendLimit => _sendLimit;

    /// <summary>
    /// Router side of the handshake. Returns null when the peer hung up before sending a hello.
    /// Throws <see cref="RawSocketHandshakeException"/> after sending the error reply (or with no reply
    /// when the first octet is not 0x7F: the spec says to just fail the connection).
    /// </summary>
    public static async Task<RawSocketConnection?> AcceptAsync(IDuplexPipe pipe, Func<byte, IWampSerializer?> serializerById,
        int maxMessageSize, string? peer = null, TlsDetails? tls = null, CancellationToken cancellationToken = default)
    {
        var hello = await ReadHandshakeAsync(pipe.Input, cancellationToken).ConfigureAwait(false);
        if (hello is null) return null;
        if (hello[0] != Magic)
            throw new RawSocketHandshakeException($"not a RawSocket client: first octet 0x{hello[0]:X2}");

        // The last two octets are reserved and must be zero.
        if (hello[2] != 0 || hello[3] != 0)
            await RefuseAsync(pipe.Output, RawSocketHandshakeError.ReservedBitsUsed, "reserved handshake octets are not zero").ConfigureAwait(false);

        byte serializerId = (byte)(hello[1] & 0x0F);
        var serializer = serializerId == 0 ? null : serializerById(serializerId);
        if (serializer is null)
            await RefuseAsync(pipe.Output, RawSocketHandshakeError.SerializerUnsupported, $"serializer {serializerId} is not supported").ConfigureAwait(false);

        // Every length 2^9..2^24 is acceptable to us: we never send more than the client's limit,
        // so error 2 (max length unacceptable) is never needed.
        int peerLimit = LengthFromExponent(hello[1] >> 4);
        int ourExponent = LengthExponent(maxMessageSize);
        var reply = new byte[HandshakeSize];
        WriteHandshake(reply, ourExponent, serializerId); // reply echoes the serializer, with our own length
        await pipe.Output.WriteAsync(reply, cancellationToken).ConfigureAwait(false);
        return new RawSocketConnection(pipe, serializer!, LengthFromExponent(ourExponent), peerLimit, peer, owner: null, tls);
    }

    /// <summary>
    /// Client side of the handshake: sends the hello and reads the router's reply.
    /// <paramref name="owner"/> (socket, stream) is disposed with the connection.
    /// </summary>
    public static async Task<RawSocketConnection> ConnectAsync(IDuplexPipe pipe, IWampSerializer serializer, int maxMessageSize,
        string? peer = null, IAsyncDisposable? owner = null, CancellationToken cancellationToken = default)
    {
        int ourExponent = LengthExponent(maxMessageSize);
        var hello = new byte[HandshakeSize];
        WriteHandshake(hello, ourExponent, serializer.RawSocketId);
        await pipe.Output.WriteAsync(hello, cancellationToken).ConfigureAwait(false);

        var reply = await ReadHandshakeAsync(pipe.Input, cancellationToken).ConfigureAwait(false)
            ?? throw new RawSocketHandshakeException("router closed the connection during the RawSocket handshake");
        if (reply[0] != Magic)
            throw new RawSocketHandshakeException($"not a RawSocket router: first octet 0x{reply[0]:X2}");
        // An error reply has serializer 0 and the error code in the high nibble.
        if ((reply[1] & 0x0F) == 0)
        {
            var error = (RawSocketHandshakeError)(reply[1] >> 4);
            throw new RawSocketHandshakeException($"router refused the RawSocket handshake: {error}", error);
        }
        if ((reply[1] & 0x0F) != serializer.RawSocketId)
            throw new RawSocketHandshakeException($"router replied with serializer {reply[1] & 0x0F}, we asked for {serializer.RawSocketId}");
        int peerLimit = LengthFromExponent(reply[1] >> 4);
        return new RawSocketConnection(pipe, serializer, LengthFromExponent(ourExponent), peerLimit, peer, owner);
    }

    private static async Task RefuseAsync(PipeWriter output, RawSocketHandshakeError error, string message)
    {
        var reply = new byte[HandshakeSize];
        WriteHandshakeError(reply, error);
        await output.WriteAsync(reply).ConfigureAwait(false);
        throw new RawSocketHandshakeException($"RawSocket handshake refused: {message}", error);
    }

    private static async Task<byte[]?> ReadHandshakeAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length >= HandshakeSize)
            {
                var bytes = buffer.Slice(0, HandshakeSize).ToArray();
                input.AdvanceTo(buffer.GetPosition(HandshakeSize));
                return bytes;
            }
            if (result.IsCompleted || result.IsCanceled)
            {
                input.AdvanceTo(buffer.End);
                return null;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <inheritdoc/>
    public async ValueTask<WampMessage?> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_closed) return null;
            _receiving = true;
        }
        try
        {
            while (true)
            {
                // Frames that have already arrived are parsed without awaiting (TryRead).
                if (!_input.TryRead(out var result))
                    result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
                if (result.IsCanceled) return null; // CloseAsync
                var buffer = result.Buffer;

                while (TryReadFrame(ref buffer, out int frameType, out var payload))
                {
                    if (frameType == FrameMessage)
                    {
                        Traffic?.AddReceived((int)payload.Length);
                        try { return _serializer.Deserialize(payload); }
                        finally { _input.AdvanceTo(buffer.Start); } // the frame is consumed even when it is malformed
                    }
                    if (frameType == FramePing)
                        await SendControlFrameAsync(FramePong, payload).ConfigureAwait(false); // PONG echoes the PING payload
                    // PONG: we send no PINGs of our own, nothing waits for it.
                }

                if (result.IsCompleted)
                {
                    _input.AdvanceTo(buffer.End);
                    if (buffer.Length > 0) throw new WampProtocolException("RawSocket connection closed in the middle of a frame");
                    return null;
                }
                _input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        finally
        {
            lock (_gate)
            {
                _receiving = false;
                if (_closed) CompleteInput();
            }
        }
    }

    private bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out int frameType, out ReadOnlySequence<byte> payload)
    {
        payload = default;
        frameType = 0;
        if (buffer.Length < FrameHeaderSize) return false;
        Span<byte> header = stackalloc byte[FrameHeaderSize];
        buffer.Slice(0, FrameHeaderSize).CopyTo(header);
        (int reserved, frameType, int length) = ReadFrameHeader(header);
        if (reserved != 0)
            throw new WampProtocolException($"RawSocket frame header has reserved bits set (0x{header[0]:X2})");
        if (frameType > FramePong)
            throw new WampProtocolException($"RawSocket frame type {frameType} is unknown");
        // A frame longer than the length we announced fails the connection.
        if (length > _receiveLimit)
            throw new WampProtocolException($"RawSocket frame of {length} bytes exceeds the negotiated maximum of {_receiveLimit}");
        if (buffer.Length < FrameHeaderSize + length) return false;
        payload = buffer.Slice(FrameHeaderSize, length);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    /// <inheritdoc/>
    public async ValueTask SendAsync(IReadOnlyList<WampMessage> messages, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_outputCompleted) throw new IOException("RawSocket connection is closed");
            WampMessageTooLargeException? tooLarge = null;
            var scratch = ScratchBuffers.Rent();
            try
            {
                foreach (var message in messages)
                {
                    // WriteFrame copies into the pipe, so the scratch buffer is free again for the next message.
                    ReadOnlyMemory<byte> bytes = _serializer.SerializeForSend(message, scratch);
                    if (bytes.Length > _sendLimit)
                    {
                        tooLarge = new WampMessageTooLargeException(bytes.Length, _sendLimit);
                        break;
                    }
                    WriteFrame(FrameMessage, new ReadOnlySequence<byte>(bytes));
                    Traffic?.AddSent(bytes.Length);
                }
            }
            finally
            {
                ScratchBuffers.Return(scratch);
            }
            await FlushAsync(cancellationToken).ConfigureAwait(false); // one flush for the whole batch
            if (tooLarge is not null) throw tooLarge;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async ValueTask SendControlFrameAsync(byte frameType, ReadOnlySequence<byte> payload)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_outputCompleted) return;
            WriteFrame(frameType, payload);
            await FlushAsync(default).ConfigureAwait(false);
        }
        catch (IOException) when (_closed)
        {
            // CloseAsync cancelled the flush: the receive loop ends with null, not an error.
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private void WriteFrame(byte frameType, in ReadOnlySequence<byte> payload)
    {
        WriteFrameHeader(_output.GetSpan(FrameHeaderSize), frameType, (int)payload.Length);
        _output.Advance(FrameHeaderSize);
        foreach (var segment in payload)
            _output.Write(segment.Span);
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        var flush = await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (flush.IsCanceled || flush.IsCompleted)
            throw new IOException("RawSocket connection is closed");
    }

    /// <inheritdoc/>
    public async ValueTask CloseAsync(string? reason = null)
    {
        bool receiving;
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
            receiving = _receiving;
            // The reader completes the input itself when it returns; otherwise do it here.
            if (!receiving) CompleteInput();
        }
        if (receiving) _input.CancelPendingRead();
        _output.CancelPendingFlush(); // a writer blocked on back-pressure gives up the lock
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!_outputCompleted)
            {
                _outputCompleted = true;
                await _output.CompleteAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _writeLock.Release();
        }
        if (_owner is not null) await _owner.DisposeAsync().ConfigureAwait(false);
    }

    private void CompleteInput()
    {
        if (_inputCompleted) return;
        _inputCompleted = true;
        _input.Complete();
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => CloseAsync();
}
