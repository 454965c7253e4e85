namespace PluginHost.Wamp.Client;

/// <summary>
/// One local event handler. Several handlers may share one router subscription (the router
/// returns the same id when a session subscribes to a topic twice); UNSUBSCRIBE goes out only
/// when the last of them is removed.
/// </summary>
public sealed class WampSubscription : IAsyncDisposable
{
    private readonly WampSession _session;
    private readonly Func<WampEvent, ValueTask> _handler;
    private readonly SerialQueue _queue;
    private volatile bool _active = true;
    private int _unsubscribed;

    internal WampSubscription(WampSession session, string topic, string key, Func<WampEvent, ValueTask> handler, SerialQueue queue)
    {
        _session = session;
        Topic = topic;
        Key = key;
        _handler = handler;
        _queue = queue;
    }

    /// <summary>The router's subscription id (valid once SubscribeAsync returned).</summary>
    public long Id { get; internal set; }

    /// <summary>The subscribed URI (or pattern).</summary>
    public string Topic { get; }

    /// <summary>Topic plus match policy: subscribe/unsubscribe for the same key are serialized.</summary>
    internal string Key { get; }

    /// <summary>Queues an event; this handler sees its events one at a time, in arrival order.
    /// The session counts it as pending from here until its handler has returned (or it was dropped).</summary>
    internal void Enqueue(WampEvent e)
    {
        _session.EventQueued();
        _queue.Enqueue(() => HandleAsync(e));
    }

    private async ValueTask HandleAsync(WampEvent e)
    {
        try
        {
            if (_active) await _handler(e).ConfigureAwait(false);
        }
        finally
        {
            _session.EventHandled();
        }
    }

    /// <summary>Stops delivery to this handler at once (queued events are dropped), then unsubscribes
    /// at the router if no other local handler uses the subscription. Idempotent.</summary>
    public async Task UnsubscribeAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _unsubscribed, 1) != 0) return;
        _active = false;
        await _session.UnsubscribeAsync(this, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Unsubscribes (once; later calls do nothing).</summary>
    public async ValueTask DisposeAsync() => await UnsubscribeAsync().ConfigureAwait(false);
}
