using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Client;

public sealed partial class WampSession
{
    /// <summary>
    /// Queues a request: allocating its id, registering <paramref name="pending"/> and writing
    /// the message happen atomically under one lock, so request ids reach the wire in
    /// sequence (a non-sequential id is a protocol violation) and a request can never be
    /// registered after the session ended (it would hang). Waits while the outbox is full.
    /// </summary>
    internal async ValueTask EnqueueRequestAsync(Func<long, WampMessage> build, PendingRequest? pending, CancellationToken ct)
        => await EnqueueAsync(build, allocateId: true, pending, guard: null, throwIfNotOpen: true, ct).ConfigureAwait(false);

    /// <summary>
    /// Queues a message without a request id of its own (YIELD, ERROR, CANCEL). Returns false,
    /// without throwing, when the session is no longer open or <paramref name="guard"/>
    /// (evaluated under the send lock) refuses.
    /// </summary>
    internal async ValueTask<bool> SendResponseAsync(WampMessage message, Func<bool>? guard = null, CancellationToken ct = default)
        => await EnqueueAsync(_ => message, allocateId: false, null, guard, throwIfNotOpen: false, ct).ConfigureAwait(false);

    private async ValueTask<bool> EnqueueAsync(Func<long, WampMessage> build, bool allocateId, PendingRequest? pending,
        Func<bool>? guard, bool throwIfNotOpen, CancellationToken ct)
    {
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            lock (_sendLock)
            {
                if (_state != State.Open)
                    return throwIfNotOpen ? throw NotOpenException() : false;
                // Only writers holding _sendLock add items, so a free slot now is still free at TryWrite.
                if (_outbox.Reader.Count < OutboxCapacity)
                {
                    if (guard is not null && !guard()) return false;
                    long id = allocateId ? _requestIds.Next() : 0;
                    if (pending is not null)
                    {
                        pending.RequestId = id;
                        _pending[id] = pending;
                    }
                    _outbox.Writer.TryWrite(build(id));
                    return true;
                }
            }
            // False means the outbox was completed: the next round reports the closed session.
            await _outbox.Writer.WaitToWriteAsync(ct).ConfigureAwait(false);
        }
    }

    private WampException NotOpenException() => _closeInfo is { } info
        ? info.ToException()
        : new WampException(_leaveReason, "the session is leaving");

    /// <summary>
    /// Leaves the realm: GOODBYE, then waits (at most WampJoinOptions.LeaveTimeout) for the
    /// router's GOODBYE and closes the transport. Returns how the session ended; calling it on
    /// an ended session just returns that. Pending requests fail with the close reason.
    /// </summary>
    public async Task<WampCloseInfo> LeaveAsync(string reason = WampCloseReasons.Normal, string? message = null,
        CancellationToken cancellationToken = default)
    {
        var details = new Dictionary<string, object?>();
        if (message is not null) details["message"] = message;
        // The limit covers queueing the GOODBYE too: a stalled transport must not hang LeaveAsync.
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_options.LeaveTimeout);
        try
        {
            // The guard flips the state while the GOODBYE is written, so nothing can follow it.
            await EnqueueAsync(_ => new GoodbyeMessage(details, reason), allocateId: false, null,
                guard: () => { _state = State.Leaving; _leaveReason = reason; return true; },
                throwIfNotOpen: false, limit.Token).ConfigureAwait(false);
            return await Closed.WaitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Terminate(new WampCloseInfo(reason, "no GOODBYE from the router", details, WampCloseInitiator.Local));
            return await Closed.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Terminate(new WampCloseInfo(reason, "leave canceled", details, WampCloseInitiator.Local));
            throw;
        }
    }

    /// <summary>Leaves if still open, then waits for the transport loops to finish.</summary>
    public async ValueTask DisposeAsync()
    {
        try { await LeaveAsync().ConfigureAwait(false); }
        catch (Exception) { Terminate(new WampCloseInfo(_leaveReason, "disposed", WampResult.NoDict, WampCloseInitiator.Local)); }
        await Task.WhenAll(_receiveLoop, _writeLoop).ConfigureAwait(false);
        _shutdown.Dispose();
    }

    /// <summary>
    /// Ends the session once: no more sends, every pending request fails, running invocations
    /// are cancelled, <see cref="Closed"/> completes. The writer then sends
    /// <paramref name="finalMessage"/> (if any) instead of whatever is still queued, and closes
    /// the transport, which also stops the receive loop.
    /// </summary>
    private void Terminate(WampCloseInfo info, WampMessage? finalMessage = null)
    {
        lock (_sendLock)
        {
            if (_closeInfo is not null) return;
            _closeInfo = info;
            _state = State.Closed;
            _finalMessage = finalMessage;
        }
        _outbox.Writer.TryComplete();
        var error = info.ToException();
        foreach (var id in _pending.Keys)
            if (_pending.TryRemove(id, out var pending)) pending.Fail(error);
        foreach (var id in _invocations.Keys)
            if (_invocations.TryRemove(id, out var invocation)) invocation.Interrupt();
        _closed.TrySetResult(info);
        try { _shutdown.CancelAfter(CloseGrace); } catch (ObjectDisposedException) { }
    }

    /// <summary>Answers a protocol violation by the router: ABORT and close.</summary>
    private void AbortProtocolViolation(string message)
    {
        var details = new Dictionary<string, object?> { ["message"] = message };
        Terminate(new WampCloseInfo(WampErrors.ProtocolViolation, message, details, WampCloseInitiator.Local),
            new AbortMessage(details, WampErrors.ProtocolViolation));
    }
}
