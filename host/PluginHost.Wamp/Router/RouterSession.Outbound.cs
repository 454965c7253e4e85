using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Router;

// The session's bounded outbound queue and its writer.
//
// The writer is not a task that lives as long as the session: it is queued on the thread pool when the queue goes from
// empty to not empty (or is completed) and it ends when the queue is empty again, so an idle session holds no writer
// state machine, no channel and no pending wait (issue 13: memory per idle session). One writer at a time (_writing),
// so frames leave in the order the realm loop queued them. The realm loop only enqueues: never blocks, never awaits.
// Guarded by lock (_queue): _queue, _writing, _outboundComplete. The writer alone touches _batch.
internal sealed partial class RouterSession : IThreadPoolWorkItem
{
    private readonly Queue<WampMessage> _queue = new();
    private readonly int _queueCapacity;
    private bool _writing;           // a writer is queued or running
    private bool _outboundComplete;  // nothing more is queued: the writer writes what is there, then closes the transport
    private List<WampMessage>? _batch;
    // Set when the writer has written the last frames and closed the transport; created by whichever of the writer and
    // EndAsync comes first (only an ending session needs it: ~90 B less per idle session, issue 13).
    private TaskCompletionSource? _writerDone;

    private TaskCompletionSource WriterDone
    {
        get
        {
            var done = Volatile.Read(ref _writerDone);
            if (done is not null) return done;
            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return Interlocked.CompareExchange(ref _writerDone, done, null) ?? done;
        }
    }

    /// <summary>Queues a message; false when the queue is complete, or full (<see cref="RouterOptions.MaxOutboundQueue"/>).</summary>
    private bool TryEnqueue(WampMessage message)
    {
        lock (_queue)
        {
            if (_outboundComplete || _queue.Count >= _queueCapacity) return false;
            _queue.Enqueue(message);
            if (_writing) return true;
            _writing = true;
        }
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        return true;
    }

    /// <summary>Nothing more is queued: the writer writes what is queued, then closes the transport. Idempotent.</summary>
    private void CompleteQueue()
    {
        if (IsRemote) return; // another node's session: no queue, no writer, its transport is the cluster's
        lock (_queue)
        {
            if (_outboundComplete) return;
            _outboundComplete = true;
            if (_writing) return;
            _writing = true;
        }
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    void IThreadPoolWorkItem.Execute() => _ = WriteAsync();

    /// <summary>Writes until the queue is empty; each round takes everything queued: one SendAsync (one flush) for all.</summary>
    private async Task WriteAsync() // never throws; allocates a task only when a write does not complete at once
    {
        var batch = _batch ??= [];
        try
        {
            while (true)
            {
                lock (_queue)
                {
                    while (_queue.TryDequeue(out var message)) batch.Add(message);
                    if (batch.Count == 0)
                    {
                        if (_outboundComplete) break; // all written: close below (_writing stays set, so this runs once)
                        _writing = false;
                        return;
                    }
                }
                await _connection.SendAsync(batch).ConfigureAwait(false);
                // Flow control, rule 1: written, so no longer queued; drained to low-water ends a congestion.
                long written = 0;
                foreach (var m in batch) written += OutboundSize.Of(m); // cached on the message by Send: no walk
                _flow.Written(batch.Count, written);
                batch.Clear();
            }
        }
        catch (Exception e)
        {
            _log.SendFailed(e, Id);
            batch.Clear();
            lock (_queue)
            {
                _outboundComplete = true;
                _queue.Clear();
            }
        }
        Volatile.Write(ref _closed, 1);
        _flow.Release(); // rule 4: however the session ends, it no longer holds the realm back
        await CloseTransportAsync("session closed").ConfigureAwait(false);
        WriterDone.TrySetResult();
    }
}
