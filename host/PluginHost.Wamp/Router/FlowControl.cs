namespace PluginHost.Wamp.Router;

/// <summary>
/// One session's share of its realm's flow control (the rules are in Realm.cs, CONCURRENCY DESIGN): how many messages
/// and estimated bytes were accepted for it and not yet handed to its transport, whether that makes it CONGESTED, and
/// the slow-consumer watchdog armed when it does.
///
/// THREADS: <see cref="Reserve"/>/<see cref="Accepted"/>/<see cref="Unreserve"/> are called by whoever sends to the
/// session (the realm loop once joined, the reader before); <see cref="Written"/> by the session's writer;
/// <see cref="Release"/> by whoever ends the session; the watchdog runs on the thread pool. Counts are Interlocked;
/// the flow word (state in the low 2 bits, an epoch above, incremented on every Normal → Congested transition, so a
/// watchdog acts only on the congestion period that armed it) changes only by CAS, so each transition, and its
/// change of the realm's congestion count, happens exactly once.
/// </summary>
internal sealed class FlowControl
{
    private const int Normal = 0, Congested = 1, Dead = 2, StateMask = 3, EpochUnit = 4;

    private readonly RouterSession _session; // its realm (where congestion counts) and its close as a slow consumer
    private readonly TimeSpan _slowConsumerTimeout;
    private readonly TimeProvider _time;
    private int _queued;
    private long _queuedBytes;
    private int _flow;

    /// <param name="options">The limits: hard limits MaxOutboundQueue / MaxOutboundBytes, high-water at half, low-water at a quarter.</param>
    /// <param name="session">The session: congestion counts in the realm it has joined; when it stays congested past
    /// the timeout, <see cref="RouterSession.CloseAsSlowConsumer"/> is called once, off the loop (it has already left flow
    /// control). A reference, not two delegates: one per session fewer objects (issue 13, memory per idle session).</param>
    public FlowControl(RouterOptions options, RouterSession session)
    {
        _session = session;
        _slowConsumerTimeout = options.SlowConsumerTimeout;
        _time = options.TimeProvider;
        MaxMessages = Math.Max(1, options.MaxOutboundQueue);
        HighWater = Math.Max(1, options.MaxOutboundQueue / 2);
        LowWater = Math.Min(HighWater - 1, options.MaxOutboundQueue / 4);
        MaxBytes = Math.Max(1, options.MaxOutboundBytes);
        HighWaterBytes = Math.Max(1, MaxBytes / 2);
        LowWaterBytes = Math.Min(HighWaterBytes - 1, MaxBytes / 4);
    }

    public int MaxMessages { get; }
    public int HighWater { get; }
    public int LowWater { get; }
    public long MaxBytes { get; }
    public long HighWaterBytes { get; }
    public long LowWaterBytes { get; }

    /// <summary>Messages accepted and not yet written (queue plus the batch being written).</summary>
    public int Queued => Volatile.Read(ref _queued);

    /// <summary>Estimated bytes accepted and not yet written.</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    /// <summary>Between crossing the high-water mark and draining to the low-water mark (rule 1).</summary>
    public bool IsCongested => (Volatile.Read(ref _flow) & StateMask) == Congested;

    /// <summary>Diagnostics (tests): the most messages accepted and not yet written at once (approximate under races).</summary>
    public int PeakQueued { get; private set; }

    /// <summary>Diagnostics (tests): the most estimated bytes accepted and not yet written at once (approximate).</summary>
    public long PeakQueuedBytes { get; private set; }

    /// <summary>
    /// Counts a message of <paramref name="size"/> estimated bytes as queued, before it is written to the queue (so that
    /// the writer's subtraction can never run ahead). False when the byte hard limit was already reached: judged on what
    /// was queued before this message, so the queue may pass it by one message (each is bounded by the transport's
    /// max_message_size), and a subscriber that reads every large event is never closed by a race with its writer.
    /// The caller then calls <see cref="Unreserve"/>, as it does when the queue itself refuses the message.
    /// </summary>
    public bool Reserve(int size, out int queued, out long bytes)
    {
        bytes = Interlocked.Add(ref _queuedBytes, size);
        queued = Interlocked.Increment(ref _queued);
        return bytes - size < MaxBytes;
    }

    /// <summary>Takes back a <see cref="Reserve"/> whose message was not queued.</summary>
    public void Unreserve(int size)
    {
        Interlocked.Decrement(ref _queued);
        Interlocked.Add(ref _queuedBytes, -size);
    }

    /// <summary>The reserved message is queued: rule 1, crossing high-water is the only costly case (a transition).</summary>
    public void Accepted(int queued, long bytes)
    {
        if (queued > PeakQueued) PeakQueued = queued;
        if (bytes > PeakQueuedBytes) PeakQueuedBytes = bytes;
        if ((queued >= HighWater || bytes >= HighWaterBytes) && (Volatile.Read(ref _flow) & StateMask) == Normal) BecomeCongested();
    }

    /// <summary>The writer handed <paramref name="count"/> messages (<paramref name="bytes"/> estimated) to the transport.</summary>
    public void Written(int count, long bytes)
    {
        Interlocked.Add(ref _queuedBytes, -bytes);
        Interlocked.Add(ref _queued, -count);
        if (DrainedToLowWater) TryLeaveCongestion();
    }

    /// <summary>The session is over (or closing as a slow consumer): it leaves flow control for good, releasing its congestion.</summary>
    public void Release()
    {
        while (true)
        {
            int flow = Volatile.Read(ref _flow);
            if ((flow & StateMask) == Dead) return;
            if (Interlocked.CompareExchange(ref _flow, Dead, flow) != flow) continue;
            if ((flow & StateMask) == Congested) _session.Realm!.RemoveCongestion();
            return;
        }
    }

    /// <summary>Rule 1, leaving congestion: both counts drained to their low-water marks.</summary>
    private bool DrainedToLowWater => Volatile.Read(ref _queued) <= LowWater && Interlocked.Read(ref _queuedBytes) <= LowWaterBytes;

    /// <summary>Normal -> Congested (rule 1), then arms the slow-consumer watchdog (rule 4).</summary>
    private void BecomeCongested()
    {
        var realm = _session.Realm;
        if (realm is null) return; // handshake messages before the join: not in a realm's flow control
        int flow = Volatile.Read(ref _flow);
        if ((flow & StateMask) != Normal) return;
        int congested = (flow & ~StateMask) + EpochUnit | Congested;
        if (Interlocked.CompareExchange(ref _flow, congested, flow) != flow) return; // ended, or another transition won
        realm.AddCongestion();
        // The writer may have drained to low-water between our count and the CAS, and seen Normal then: it
        // will not look again, so we do (the CAS and its Interlocked.Add are both full fences: one of us sees the other).
        if (DrainedToLowWater) TryLeaveCongestion();
        // Arm the watchdog off the loop: creating a timer takes the timer queue's lock, a thread-pool post does not.
        ThreadPool.UnsafeQueueUserWorkItem(static s => _ = s.Flow.WatchAsync(s.Word), (Flow: this, Word: congested), preferLocal: false);
    }

    /// <summary>Congested -> Normal when drained to low-water (rule 1).</summary>
    private void TryLeaveCongestion()
    {
        int flow = Volatile.Read(ref _flow);
        if ((flow & StateMask) != Congested) return;
        if (Interlocked.CompareExchange(ref _flow, flow & ~StateMask | Normal, flow) == flow) _session.Realm!.RemoveCongestion();
    }

    /// <summary>
    /// Rule 4: still in the same congestion period after SlowConsumerTimeout (the flow word is unchanged, epoch
    /// included) means congested all along: a slow consumer. It leaves flow control (releasing its congestion) and
    /// the session is told to close.
    /// </summary>
    private async Task WatchAsync(int congested)
    {
        await Task.Delay(_slowConsumerTimeout, _time).ConfigureAwait(false);
        if (Interlocked.CompareExchange(ref _flow, Dead, congested) != congested) return; // drained in time, or ended
        _session.Realm!.RemoveCongestion();
        _session.CloseAsSlowConsumer();
    }
}
