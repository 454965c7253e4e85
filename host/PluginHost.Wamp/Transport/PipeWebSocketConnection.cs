using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Serialization;
using static PluginHost.Wamp.Transport.WebSocketFrames;

namespace PluginHost.Wamp.Transport;

/// <summary>
/// WAMP over a WebSocket served straight from a connection's duplex pipe: the router's side, once the listener has
/// answered the opening handshake itself (PluginHost's WebSocketUpgrade). Frames are parsed from the bytes as they
/// arrive, every frame already received is handled before the next read, and a batch of outgoing messages is written
/// as frames into the pipe with one flush. Nothing is held per idle connection but this object: no HTTP request
/// state, no WebSocket object, no buffer (a message is unmasked into a pooled buffer returned once it is decoded).
///
/// CONCURRENCY: as <see cref="IWampConnection"/> says, one reader and one writer at a time. Besides the session's
/// writer, three others write control frames: the reader (PONG, the close reply), <see cref="WebSocketKeepAlive"/>
/// (PING) and <see cref="CloseAsync"/> (CLOSE); every write goes through <c>_writeLock</c>, so frames never
/// interleave. <c>_gate</c> guards the hand-over between a receive in progress and disposal (who completes the input).
/// The keep-alive fields are written by the reader and the keep-alive sweep with Volatile/Interlocked.
/// </summary>
public sealed class PipeWebSocketConnection : IWampConnection
{
    private const int MaxBatchBytes = 64 * 1024;   // a batched WebSocket message is closed once it reaches this size
    private const int MaxCloseReasonBytes = MaxControlPayload - 2;
    private const int MinMessageBuffer = 256;
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly IWampSerializer _serializer;
    private readonly byte _messageOpcode;
    private readonly bool _batched;
    private readonly int _maxMessageSize;
    private readonly Action<object, string> _abortTransport; // a static delegate and its state: no closure per connection
    private readonly object _abortState;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Lock _gate = new();
    private Queue<WampMessage>? _received; // batched mode: decoded, not yet returned (reader only)

    // Reader-owned parse state: the data frame whose payload is arriving and the message it belongs to.
    private long _frameRemaining, _frameOffset;
    private uint _frameMask;
    private bool _inFrame, _frameFin, _inMessage;
    private byte _messageType;
    private byte[]? _message;
    private int _messageLength;
    private byte[]? _pongPayload; // the latest PING's payload, answered once the read buffer is released

    private bool _receiving, _inputCompleted, _disposed; // under _gate
    private bool _closeSent, _outputCompleted;           // under _writeLock
    private int _closeStarted;                           // 1 once a close frame is on its way (or the connection failed)
    private volatile bool _closeReceived, _failed;
    private TaskCompletionSource? _receiveEnded;         // under _gate: DisposeAsync waits on it while a receive runs
    private string? _abortReason;
    private CancellationToken _watchedToken;             // reader only: the token WatchCancellation registered
    private CancellationTokenRegistration _cancellation;

    // Keep-alive (WebSocketKeepAlive): when the last PING went out, and by when something must have come back (0 = nothing due).
    private long _lastPingAt, _answerDue;
    private int _pingQueued;

    /// <param name="abortTransport">Drops the connection under the WebSocket at once, given <paramref name="abortState"/> (the reason is for the log).</param>
    /// <param name="abortState">What <paramref name="abortTransport"/> is called with (the listener's connection).</param>
    public PipeWebSocketConnection(IDuplexPipe pipe, IWampSerializer serializer, TransportDetails details, Action<object, string> abortTransport, object abortState,
        int maxMessageSize = WebSocketConnection.DefaultMaxMessageSize, bool batched = false)
    {
        _input = pipe.Input;
        _output = pipe.Output;
        _serializer = serializer;
        _abortTransport = abortTransport;
        _abortState = abortState;
        _maxMessageSize = maxMessageSize > 0 ? maxMessageSize : WebSocketConnection.DefaultMaxMessageSize;
        _batched = batched;
        // basic/transports.md: JSON travels in text frames, the binary serializers in binary frames.
        _messageOpcode = serializer.IsBinary ? Binary : Text;
        Details = details;
        _lastPingAt = Environment.TickCount64;
    }

    /// <inheritdoc/>
    public TransportDetails Details { get; }

    /// <summary>Where this connection's bytes are counted (set by the listener that accepted it).</summary>
    public Metrics.TransportTraffic? Traffic { get; init; }

    /// <inheritdoc/>
    public ValueTask<WampMessage?> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        if (_received is not null && _received.TryDequeue(out var queued)) return new(queued);
        lock (_gate)
        {
            // After the close handshake (either side's close frame received) there is nothing more to read.
            if (_disposed || _closeReceived || _failed) return new((WampMessage?)null);
            _receiving = true;
        }
        return ReadMessageAsync(cancellationToken);
    }

    private enum Parsed { NeedMore, Message, Closed }

    /// <summary>
    /// Reads until a whole message (returned) or the peer's close frame (null). The caller has set <c>_receiving</c>;
    /// this clears it. One async method, so an idle session waits in one state machine.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<WampMessage?> ReadMessageAsync(CancellationToken cancellationToken)
    {
        bool gotMessage = false;
        try
        {
            WatchCancellation(cancellationToken);
            while (true)
            {
                // Frames that have already arrived are parsed without awaiting (TryRead).
                if (!_input.TryRead(out var result))
                    result = await _input.ReadAsync(CancellationToken.None).ConfigureAwait(false); // the token: WatchCancellation
                if (result.IsCanceled)
                {
                    _input.AdvanceTo(result.Buffer.Start);
                    cancellationToken.ThrowIfCancellationRequested();
                    continue; // a cancellation meant for an earlier read's token
                }
                var buffer = result.Buffer;
                Parsed parsed = Parsed.Message;
                ushort closeCode = 0;
                try
                {
                    parsed = ParseFrames(ref buffer, out closeCode);
                }
                finally
                {
                    // Consumed up to where parsing stopped. Only when it stopped for want of bytes is the rest examined
                    // (the next read waits for more); frames after a whole message are parsed by the next receive at once.
                    if (parsed == Parsed.NeedMore) _input.AdvanceTo(buffer.Start, buffer.End);
                    else _input.AdvanceTo(buffer.Start);
                }
                if (_pongPayload is { } ping)
                {
                    _pongPayload = null;
                    await SendControlAsync(Pong, ping).ConfigureAwait(false);
                }
                switch (parsed)
                {
                    case Parsed.Message:
                        var message = TakeMessage();
                        gotMessage = true;
                        return message;
                    case Parsed.Closed:
                        await AnswerCloseAsync(closeCode).ConfigureAwait(false);
                        return null;
                }
                if (result.IsCompleted)
                {
                    // 7.1.5: a TCP close without a close frame is an abnormal closure (1006), not a clean end.
                    throw new IOException(_inFrame || _inMessage || !buffer.IsEmpty
                        ? "the peer closed the connection in the middle of a WebSocket frame"
                        : "the peer closed the connection without the WebSocket close handshake");
                }
            }
        }
        catch (WebSocketFramingException e)
        {
            await FailAsync(e.CloseCode, e.Message).ConfigureAwait(false);
            // An oversized message is the peer's protocol error, as on every other transport; the rest break the transport.
            if (e.CloseCode == MessageTooBig) throw new WampProtocolException(e.Message, e);
            throw;
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // The transport was aborted under the read (Kestrel's ConnectionAbortedException is an OperationCanceledException).
            if (_abortReason is null && Volatile.Read(ref _closeStarted) != 0) return null;
            throw new IOException(_abortReason ?? "WebSocket connection aborted", e);
        }
        catch (Exception e) when (e is not (IOException or WampProtocolException or OperationCanceledException))
        {
            if (Volatile.Read(ref _closeStarted) != 0) return null; // we closed it ourselves
            throw new IOException($"WebSocket connection failed: {e.Message}", e);
        }
        finally
        {
            lock (_gate)
            {
                _receiving = false;
                // A disposal waiting for the peer's close frame goes on once the receive ended without a message.
                if (!gotMessage) _receiveEnded?.TrySetResult();
                if (_disposed) CompleteInput();
            }
        }
    }

    /// <summary>
    /// A receive's token cancels the pending pipe read. The session passes the same token to every receive, so it is
    /// registered once per connection rather than once per read (each registration costs a callback node and two
    /// interlocked operations on the token's source).
    /// </summary>
    private void WatchCancellation(CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled || cancellationToken == _watchedToken) return;
        lock (_gate)
        {
            // Under the gate with disposal, which disposes the registration: none may outlive the connection.
            if (_disposed) return;
            _cancellation.Dispose();
            _watchedToken = cancellationToken;
            _cancellation = cancellationToken.UnsafeRegister(static state => ((PipeReader)state!).CancelPendingRead(), _input);
        }
    }

    /// <summary>
    /// Handles every complete frame at the front of <paramref name="buffer"/> until a whole message or a close frame
    /// is there, and copies (unmasked) what has arrived of a data frame's payload into the message buffer, so a frame
    /// larger than the transport's read buffer never has to fit in it.
    /// </summary>
    private Parsed ParseFrames(ref ReadOnlySequence<byte> buffer, out ushort closeCode)
    {
        closeCode = 0;
        Span<byte> control = stackalloc byte[MaxControlPayload];
        while (true)
        {
            if (!_inFrame)
            {
                if (!TryReadHeader(buffer, out var header)) return Parsed.NeedMore;
                if (header.IsControl)
                {
                    if (buffer.Length < header.Size + header.PayloadLength) return Parsed.NeedMore; // ≤ 131 bytes: waits whole
                    var payload = control[..(int)header.PayloadLength];
                    CopyUnmasked(buffer.Slice(header.Size, header.PayloadLength), payload, header.Mask);
                    buffer = buffer.Slice(header.Size + header.PayloadLength);
                    Volatile.Write(ref _answerDue, 0); // any frame from the peer answers the keep-alive
                    switch (header.Opcode)
                    {
                        case Ping:
                            // 5.5.2-5.5.3: a PONG echoes the PING's payload; answering only the latest of several is allowed.
                            _pongPayload = payload.ToArray();
                            break;
                        case Close:
                            closeCode = ReadCloseFrame(payload);
                            _closeReceived = true;
                            return Parsed.Closed;
                        // Pong: nothing else waits for it.
                    }
                    continue;
                }
                StartDataFrame(header);
                buffer = buffer.Slice(header.Size);
            }

            long take = Math.Min(_frameRemaining, buffer.Length);
            if (take > 0)
            {
                CopyUnmasked(buffer.Slice(0, take), _message.AsSpan(_messageLength), _frameMask, _frameOffset);
                _messageLength += (int)take;
                _frameOffset += take;
                _frameRemaining -= take;
                buffer = buffer.Slice(take);
            }
            if (_frameRemaining > 0) return Parsed.NeedMore;
            _inFrame = false;
            Volatile.Write(ref _answerDue, 0);
            if (_frameFin)
            {
                _inMessage = false;
                return Parsed.Message;
            }
        }
    }

    private void StartDataFrame(in Header header)
    {
        if (header.Opcode == Continuation)
        {
            // 5.4: a continuation frame continues a fragmented message; there must be one.
            if (!_inMessage) throw new WebSocketFramingException(ProtocolError, "a continuation frame arrived with no message to continue");
        }
        else
        {
            // 5.4: the fragments of one message are not interleaved with another data message.
            if (_inMessage) throw new WebSocketFramingException(ProtocolError, "a new data frame arrived in the middle of a fragmented message");
            _inMessage = true;
            _messageType = header.Opcode;
            _messageLength = 0;
        }
        // Oversized messages fail the connection with 1009 (7.4.1) before their bytes are buffered.
        long total = _messageLength + header.PayloadLength;
        if (total > _maxMessageSize)
            throw new WebSocketFramingException(MessageTooBig, $"a message exceeds the maximum size of {_maxMessageSize} bytes");
        EnsureMessageCapacity((int)total);
        _inFrame = true;
        _frameFin = header.Fin;
        _frameRemaining = header.PayloadLength;
        _frameOffset = 0;
        _frameMask = header.Mask;
    }

    private void EnsureMessageCapacity(int needed)
    {
        if (_message is not null && _message.Length >= needed) return;
        int size = Math.Max(needed, MinMessageBuffer);
        if (_message is not null) size = (int)Math.Min(Math.Max(size, (long)_message.Length * 2), _maxMessageSize);
        var bigger = ArrayPool<byte>.Shared.Rent(size);
        if (_message is not null)
        {
            _message.AsSpan(0, _messageLength).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_message);
        }
        _message = bigger;
    }

    /// <summary>Decodes the whole message in the buffer and returns the buffer to the pool.</summary>
    private WampMessage TakeMessage()
    {
        var bytes = _message!;
        int length = _messageLength;
        _message = null;
        _messageLength = 0;
        try
        {
            // 8.1: a text message must be valid UTF-8; otherwise the connection fails with 1007.
            if (_messageType == Text && !Utf8.IsValid(bytes.AsSpan(0, length)))
                throw new WebSocketFramingException(InvalidPayload, "a text message is not valid UTF-8");
            Traffic?.AddReceived(length);
            if (!_batched) return _serializer.Deserialize(new ReadOnlySequence<byte>(bytes, 0, length));
            _received ??= new Queue<WampMessage>();
            foreach (var part in BatchedFraming.Split(_serializer, bytes.AsMemory(0, length)))
                _received.Enqueue(_serializer.Deserialize(new ReadOnlySequence<byte>(part)));
            return _received.Dequeue();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>5.5.1: the close frame's status code (1005 "none" when it has no payload).</summary>
    private static ushort ReadCloseFrame(ReadOnlySpan<byte> payload)
    {
        if (payload.Length == 0) return 1005;
        if (payload.Length == 1) throw new WebSocketFramingException(ProtocolError, "a close frame carries a 1-byte payload");
        ushort code = BinaryPrimitives.ReadUInt16BigEndian(payload);
        if (!IsValidReceivedCloseCode(code)) throw new WebSocketFramingException(ProtocolError, $"a close frame carries the invalid code {code}");
        if (!Utf8.IsValid(payload[2..])) throw new WebSocketFramingException(InvalidPayload, "a close frame's reason is not valid UTF-8");
        return code;
    }

    /// <summary>5.5.1: the peer started the close: our close frame answers it (echoing its code), unless ours is already out.</summary>
    private async ValueTask AnswerCloseAsync(ushort peerCode)
    {
        if (Interlocked.Exchange(ref _closeStarted, 1) != 0) return;
        await SendCloseAsync(peerCode == 1005 ? null : peerCode, null).ConfigureAwait(false);
    }

    /// <summary>7.1.7: fail the connection: a close frame with the code (best effort), and no waiting for the peer's.</summary>
    private async ValueTask FailAsync(ushort code, string reason)
    {
        _failed = true;
        if (Interlocked.Exchange(ref _closeStarted, 1) != 0) return;
        await SendCloseAsync(code, reason).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAsync(IReadOnlyList<WampMessage> messages, CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_closeSent || _outputCompleted) throw new IOException("WebSocket connection is closed");
            var scratch = ScratchBuffers.Rent();
            try
            {
                if (_batched) WriteBatched(messages, scratch);
                else
                {
                    foreach (var message in messages)
                    {
                        // WriteFrame copies into the pipe, so the scratch buffer is free again for the next message.
                        var bytes = _serializer.SerializeForSend(message, scratch);
                        WriteFrame(_output, _messageOpcode, bytes.Span);
                        Traffic?.AddSent(bytes.Length);
                    }
                }
            }
            finally
            {
                ScratchBuffers.Return(scratch);
            }
            await FlushAsync(cancellationToken).ConfigureAwait(false); // one flush for the whole batch
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Batched mode: the messages framed into WebSocket messages of up to <see cref="MaxBatchBytes"/> (caller holds the lock).</summary>
    private void WriteBatched(IReadOnlyList<WampMessage> messages, ArrayBufferWriter<byte> scratch)
    {
        var batch = ScratchBuffers.Rent();
        try
        {
            batch.ResetWrittenCount();
            for (int i = 0; i < messages.Count; i++)
            {
                BatchedFraming.Append(_serializer, _serializer.SerializeForSend(messages[i], scratch).Span, batch);
                if (batch.WrittenCount >= MaxBatchBytes || i == messages.Count - 1)
                {
                    WriteFrame(_output, _messageOpcode, batch.WrittenSpan);
                    Traffic?.AddSent(batch.WrittenCount);
                    batch.ResetWrittenCount();
                }
            }
        }
        finally
        {
            ScratchBuffers.Return(batch);
        }
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        var flush = await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (flush.IsCanceled || flush.IsCompleted) throw new IOException(_abortReason ?? "WebSocket connection is closed");
    }

    /// <summary>A PONG (from the reader) or PING (keep-alive) frame; nothing once our close frame is out.</summary>
    private async ValueTask SendControlAsync(byte opcode, ReadOnlyMemory<byte> payload)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_closeSent || _outputCompleted) return;
            WriteFrame(_output, opcode, payload.Span);
            await FlushAsync(default).ConfigureAwait(false);
        }
        catch (IOException) when (Volatile.Read(ref _closeStarted) != 0 || _abortReason is not null)
        {
            // The connection is closing or was dropped: the session learns it from its own read or write.
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Sends our close frame once. A writer stuck on a peer that does not read gets <see cref="CloseTimeout"/>, then the connection is dropped.</summary>
    private async ValueTask SendCloseAsync(ushort? code, string? reason)
    {
        if (!await _writeLock.WaitAsync(CloseTimeout).ConfigureAwait(false))
        {
            Abort("the close frame could not be sent: a write is blocked on a peer that does not read");
            return;
        }
        try
        {
            if (_closeSent || _outputCompleted) return;
            _closeSent = true;
            Span<byte> payload = stackalloc byte[MaxControlPayload];
            int length = 0;
            if (code is ushort status)
            {
                BinaryPrimitives.WriteUInt16BigEndian(payload, status);
                length = 2 + Encoding.UTF8.GetBytes(Truncate(reason), payload[2..]);
            }
            WriteFrame(_output, Close, payload[..length]);
            using var timeout = new CancellationTokenSource(CloseTimeout);
            await FlushAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            Abort("the close frame could not be sent");
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static string Truncate(string? reason)
    {
        if (reason is null) return "";
        if (Encoding.UTF8.GetByteCount(reason) <= MaxCloseReasonBytes) return reason;
        int length = Math.Min(reason.Length, MaxCloseReasonBytes);
        while (Encoding.UTF8.GetByteCount(reason.AsSpan(0, length)) > MaxCloseReasonBytes) length--;
        return reason[..length];
    }

    /// <summary>Starts the close handshake (1000 Normal Closure); the pending receive completes with null when the peer answers.</summary>
    public async ValueTask CloseAsync(string? reason = null)
    {
        if (Interlocked.Exchange(ref _closeStarted, 1) != 0) return;
        await SendCloseAsync(NormalClosure, reason).ConfigureAwait(false);
    }

    /// <summary>Drops the connection at once; a pending read or flush ends with an IOException naming <paramref name="reason"/>.</summary>
    internal void Abort(string reason)
    {
        Interlocked.CompareExchange(ref _abortReason, reason, null);
        _output.CancelPendingFlush();
        _abortTransport(_abortState, reason);
    }

    /// <summary>
    /// One step of the keep-alive (<see cref="WebSocketKeepAlive"/>): drops the connection when the last PING had no
    /// answer in time, and queues a PING when the interval has passed since the last one.
    /// </summary>
    internal void KeepAliveTick(long now, long intervalMs, long timeoutMs)
    {
        if (Volatile.Read(ref _closeStarted) != 0) return;
        long due = Volatile.Read(ref _answerDue);
        if (due != 0 && now >= due)
        {
            Abort($"no answer to a WebSocket ping within {timeoutMs} ms (auto_ping_timeout)");
            return;
        }
        if (now - Volatile.Read(ref _lastPingAt) < intervalMs) return;
        Volatile.Write(ref _lastPingAt, now);
        if (timeoutMs > 0 && due == 0) Volatile.Write(ref _answerDue, now + timeoutMs);
        if (Interlocked.Exchange(ref _pingQueued, 1) == 0) _ = PingAsync();
    }

    private async Task PingAsync()
    {
        try { await SendControlAsync(Ping, ReadOnlyMemory<byte>.Empty).ConfigureAwait(false); }
        catch (IOException) { } // the session's own read or write reports a broken connection
        finally { Volatile.Write(ref _pingQueued, 0); }
    }

    /// <summary>
    /// Closes (if not yet), waits up to <see cref="CloseTimeout"/> for the peer's close frame, then completes the pipe
    /// (the listener then shuts the socket down). A peer that does not finish the handshake in time is dropped.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        bool drain;
        Task? receiveEnded = null;
        lock (_gate)
        {
            if (_disposed) return;
            drain = !_receiving && !_closeReceived && !_failed && _abortReason is null;
            if (drain) _receiving = true;
            else if (_receiving && !_closeReceived && !_failed) receiveEnded = (_receiveEnded ??= new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
        try
        {
            if (drain) await DrainUntilCloseAsync().ConfigureAwait(false);
            else if (receiveEnded is not null) await receiveEnded.WaitAsync(CloseTimeout).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or WampProtocolException or OperationCanceledException or TimeoutException or InvalidOperationException)
        {
            // The peer did not finish the handshake in time, or broke it: the connection is dropped below.
        }
        if (!_closeReceived && !_failed) Abort("the peer did not finish the WebSocket close handshake");
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
        lock (_gate)
        {
            _disposed = true;
            _cancellation.Dispose();
            if (drain) _receiving = false;
            if (!_receiving) CompleteInput();
        }
    }

    /// <summary>After our close frame: reads (and drops) what the peer still sends until its close frame.</summary>
    private async Task DrainUntilCloseAsync()
    {
        using var timeout = new CancellationTokenSource(CloseTimeout);
        try
        {
            while (!_closeReceived)
            {
                _received?.Clear();
                lock (_gate) _receiving = true;
                if (await ReadMessageAsync(timeout.Token).ConfigureAwait(false) is null && !_closeReceived) return;
            }
        }
        finally
        {
            if (_message is not null)
            {
                ArrayPool<byte>.Shared.Return(_message);
                _message = null;
            }
        }
    }

    private void CompleteInput()
    {
        if (_inputCompleted) return;
        _inputCompleted = true;
        _input.Complete();
    }
}
