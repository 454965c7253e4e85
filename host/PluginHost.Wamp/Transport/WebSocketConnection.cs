using System.Buffers;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Serialization;

namespace PluginHost.Wamp.Transport;

/// <summary>
/// WAMP over a WebSocket (basic/transports.md): one WAMP message per WebSocket message, text
/// frames for JSON and binary frames for msgpack/cbor; in batched mode (the ".batched" subprotocols,
/// <see cref="BatchedFraming"/>) one WebSocket message carries a writer batch of WAMP messages. Works over
/// Kestrel's server-side sockets and <see cref="ClientWebSocket"/> alike.
/// </summary>
public sealed class WebSocketConnection : IWampConnection
{
    /// <summary>Router side: where this connection's bytes are counted (set by the listener that accepted it); null on clients.</summary>
    public Metrics.TransportTraffic? Traffic { get; init; }

    /// <summary>The largest message accepted from the peer unless told otherwise (16 MiB).</summary>
    public const int DefaultMaxMessageSize = 16 * 1024 * 1024;
    private const int InitialBufferSize = 4 * 1024;
    private const int MaxBatchBytes = 64 * 1024; // a batched WebSocket message is closed once it reaches this size
    private const int MaxCloseReasonBytes = 123;       // RFC 6455 5.5: control payload ≤ 125 incl. the 2-byte code
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private readonly WebSocket _socket;
    private readonly IWampSerializer _serializer;
    private readonly int _maxMessageSize;
    private readonly WebSocketMessageType _messageType;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly TaskCompletionSource _closeReceived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private byte[]? _buffer;
    private bool _receiving, _disposed;
    private int _closeStarted;

    private readonly CoalescingStream? _coalescer;
    private readonly bool _batched;
    // The host's hard abort of the connection under the WebSocket (Kestrel: HttpContext.Abort). WebSocket.Abort
    // alone leaves the TCP connection to the server, which keeps it (and its unsent bytes) while a peer that does
    // not read never drains it: a close that does not complete within CloseTimeout ends with this.
    private readonly Action? _abortTransport;
    private readonly Queue<WampMessage>? _received; // batched mode only: decoded, not yet returned (reader only)

    /// <param name="coalescer">
    /// The stream under <paramref name="socket"/> when it is a <see cref="CoalescingStream"/>: a batch of
    /// messages is then written to the transport in one write (one flush) instead of one per frame.
    /// </param>
    public WebSocketConnection(WebSocket socket, IWampSerializer serializer, TransportDetails details, int maxMessageSize = DefaultMaxMessageSize,
        CoalescingStream? coalescer = null, bool batched = false, Action? abortTransport = null)
    {
        _socket = socket;
        _abortTransport = abortTransport;
        _batched = batched;
        if (batched) _received = new Queue<WampMessage>();
        _coalescer = coalescer;
        _serializer = serializer;
        _maxMessageSize = maxMessageSize > 0 ? maxMessageSize : DefaultMaxMessageSize;
        _messageType = serializer.IsBinary ? WebSocketMessageType.Binary : WebSocketMessageType.Text;
        Details = details;
    }

    /// <inheritdoc/>
    public TransportDetails Details { get; }

    /// <inheritdoc/>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<WampMessage?> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        if (_received is not null && _received.TryDequeue(out var queued)) return queued;
        lock (_gate)
        {
            // After the close handshake (either side) there is nothing more to read.
            if (_disposed || _socket.State is WebSocketState.Closed or WebSocketState.Aborted or WebSocketState.CloseReceived) return null;
            _receiving = true;
        }
        try
        {
            // A zero-byte read waits for the next frame without a buffer, so an idle session holds none;
            // the buffer is rented once data is there and returned after the message.
            var next = await _socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
            if (next.MessageType == WebSocketMessageType.Close)
            {
                await OnCloseFrameAsync().ConfigureAwait(false);
                return null;
            }
            _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
            // An empty message (a frame with EndOfMessage and no payload) was consumed by the zero-byte read.
            int count = next.EndOfMessage ? 0 : await ReceiveMessageAsync(cancellationToken).ConfigureAwait(false);
            if (count < 0) return null;
            Traffic?.AddReceived(count);
            if (!_batched) return _serializer.Deserialize(new ReadOnlySequence<byte>(_buffer!, 0, count));
            foreach (var part in BatchedFraming.Split(_serializer, _buffer.AsMemory(0, count)))
                _received!.Enqueue(_serializer.Deserialize(new ReadOnlySequence<byte>(part)));
            return _received!.Dequeue();
        }
        catch (WebSocketException e)
        {
            if (_closeStarted != 0) return null; // we aborted it ourselves
            throw new IOException($"WebSocket failed: {e.Message}", e);
        }
        catch (ObjectDisposedException) when (_closeStarted != 0)
        {
            return null;
        }
        finally
        {
            lock (_gate)
            {
                _receiving = false;
                ReturnBuffer();
            }
        }
    }

    /// <summary>Reads one whole message (reassembling fragments) into the pooled buffer; -1 on close.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReceiveMessageAsync(CancellationToken cancellationToken)
    {
        int count = 0;
        while (true)
        {
            if (count == _buffer!.Length) Grow(count);
            var result = await _socket.ReceiveAsync(_buffer.AsMemory(count), cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await OnCloseFrameAsync().ConfigureAwait(false);
                return -1;
            }
            count += result.Count;
            // Oversized messages fail the connection with 1009 (RFC 6455 7.4.1).
            if (count > _maxMessageSize)
            {
                Interlocked.Exchange(ref _closeStarted, 1);
                await CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, $"message exceeds {_maxMessageSize} bytes").ConfigureAwait(false);
                throw new WampProtocolException($"WebSocket message exceeds the maximum size of {_maxMessageSize} bytes");
            }
            if (result.EndOfMessage) return count;
        }
    }

    private async ValueTask OnCloseFrameAsync()
    {
        _closeReceived.TrySetResult();
        // Peer-initiated close: answer with our close frame to finish the handshake.
        if (_socket.State == WebSocketState.CloseReceived)
            await CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null).ConfigureAwait(false);
    }

    private void Grow(int used)
    {
        // One byte beyond the limit is enough to detect an oversized message.
        int size = (int)Math.Min((long)_buffer!.Length * 2, (long)_maxMessageSize + 1);
        var bigger = ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan(0, used).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    private void ReturnBuffer()
    {
        if (_buffer is null) return;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = null;
    }

    /// <inheritdoc/>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAsync(IReadOnlyList<WampMessage> messages, CancellationToken cancellationToken = default)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_closeStarted != 0) throw new IOException("WebSocket connection is closed");
            if (_batched)
            {
                await SendBatchedAsync(messages, cancellationToken).ConfigureAwait(false);
                return;
            }
            var coalescer = messages.Count > 1 ? _coalescer : null;
            coalescer?.Cork();
            var scratch = ScratchBuffers.Rent();
            try
            {
                foreach (var message in messages)
                {
                    // The WebSocket copies the payload into its frame buffer, so the scratch buffer is free again after the await.
                    ReadOnlyMemory<byte> bytes = _serializer.SerializeForSend(message, scratch);
                    await _socket.SendAsync(bytes, _messageType, WebSocketMessageFlags.EndOfMessage, cancellationToken).ConfigureAwait(false);
                    Traffic?.AddSent(bytes.Length);
                }
            }
            finally
            {
                ScratchBuffers.Return(scratch);
                // One write (one flush, one send) for the whole batch.
                if (coalescer is not null) await coalescer.UncorkAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (WebSocketException e)
        {
            throw new IOException($"WebSocket failed: {e.Message}", e);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Batched mode: the messages framed into WebSocket messages of up to <see cref="MaxBatchBytes"/> (caller holds the send lock).</summary>
    private async ValueTask SendBatchedAsync(IReadOnlyList<WampMessage> messages, CancellationToken cancellationToken)
    {
        var scratch = ScratchBuffers.Rent();
        var batch = ScratchBuffers.Rent();
        try
        {
            foreach (var message in messages)
            {
                BatchedFraming.Append(_serializer, _serializer.SerializeForSend(message, scratch).Span, batch);
                if (batch.WrittenCount >= MaxBatchBytes)
                {
                    await _socket.SendAsync(batch.WrittenMemory, _messageType, WebSocketMessageFlags.EndOfMessage, cancellationToken).ConfigureAwait(false);
                    Traffic?.AddSent(batch.WrittenCount);
                    batch.ResetWrittenCount();
                }
            }
            if (batch.WrittenCount > 0)
            {
                await _socket.SendAsync(batch.WrittenMemory, _messageType, WebSocketMessageFlags.EndOfMessage, cancellationToken).ConfigureAwait(false);
                Traffic?.AddSent(batch.WrittenCount);
            }
        }
        finally
        {
            ScratchBuffers.Return(scratch);
            ScratchBuffers.Return(batch);
        }
    }

    /// <summary>Starts the close handshake (1000 Normal Closure); the pending receive completes with null when the peer answers.</summary>
    public async ValueTask CloseAsync(string? reason = null)
    {
        if (Interlocked.Exchange(ref _closeStarted, 1) != 0) return;
        await CloseOutputAsync(WebSocketCloseStatus.NormalClosure, reason).ConfigureAwait(false);
    }

    private async ValueTask CloseOutputAsync(WebSocketCloseStatus status, string? reason)
    {
        // Close frames go through the send lock: a WebSocket allows one sender at a time.
        if (!await _sendLock.WaitAsync(CloseTimeout).ConfigureAwait(false))
        {
            Abort();
            return;
        }
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(CloseTimeout);
                await _socket.CloseOutputAsync(status, Truncate(reason), timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            Abort();
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Aborts the WebSocket and the connection under it (descriptor and kernel buffers released at once).</summary>
    private void Abort()
    {
        _socket.Abort();
        try { _abortTransport?.Invoke(); }
        catch (ObjectDisposedException) { } // the connection is already gone
    }

    private static string? Truncate(string? reason)
    {
        if (reason is null || Encoding.UTF8.GetByteCount(reason) <= MaxCloseReasonBytes) return reason;
        int length = Math.Min(reason.Length, MaxCloseReasonBytes);
        while (Encoding.UTF8.GetByteCount(reason.AsSpan(0, length)) > MaxCloseReasonBytes) length--;
        return reason[..length];
    }

    /// <summary>Closes (if not yet), waits briefly for the peer's close frame, then releases the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        bool drain;
        lock (_gate)
        {
            if (_disposed) return;
            drain = !_receiving && _socket.State == WebSocketState.CloseSent;
            if (drain)
            {
                _receiving = true;
                _buffer ??= ArrayPool<byte>.Shared.Rent(InitialBufferSize);
            }
        }
        try
        {
            if (drain) await DrainUntilCloseAsync().ConfigureAwait(false);
            else if (_socket.State == WebSocketState.CloseSent) await _closeReceived.Task.WaitAsync(CloseTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or TimeoutException or ObjectDisposedException)
        {
            // The peer did not finish the handshake in time: the socket is dropped below.
        }
        // Not closed both ways (peer silent, not reading, or gone): the connection is aborted, not left to drain.
        if (_socket.State != WebSocketState.Closed) Abort();
        _socket.Dispose();
        lock (_gate)
        {
            _disposed = true;
            if (drain) _receiving = false;
            if (!_receiving) ReturnBuffer();
        }
    }

    private async Task DrainUntilCloseAsync()
    {
        using var timeout = new CancellationTokenSource(CloseTimeout);
        while (_socket.State == WebSocketState.CloseSent)
        {
            var result = await _socket.ReceiveAsync(_buffer.AsMemory(), timeout.Token).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close) return;
        }
    }
}
