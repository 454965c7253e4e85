using System.Collections.Concurrent;
using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Client;

public sealed partial class WampSession
{
    private readonly ConcurrentDictionary<long, RouterSubscription> _subscriptions = new();
    private readonly Dictionary<string, Task> _subscriptionOps = new();

    /// <summary>
    /// Publishes an event. With <see cref="PublishOptions.Acknowledge"/> it waits for PUBLISHED and
    /// returns the publication id (ERROR throws <see cref="WampException"/>); otherwise it returns
    /// null as soon as the PUBLISH is queued for sending.
    /// </summary>
    public async Task<long?> PublishAsync(string topic, IReadOnlyList<object?>? args = null,
        IReadOnlyDictionary<string, object?>? kwargs = null, PublishOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var publishOptions = ToDict(options);
        if (options?.Acknowledge != true)
        {
            await EnqueueRequestAsync(id => new PublishMessage(id, publishOptions, topic, args, kwargs), null, cancellationToken)
                .ConfigureAwait(false);
            return null;
        }
        var pending = new PendingRequest(WampMessageType.Publish);
        await EnqueueRequestAsync(id => new PublishMessage(id, publishOptions, topic, args, kwargs), pending, cancellationToken)
            .ConfigureAwait(false);
        var reply = await pending.GetReplyAsync(cancellationToken).ConfigureAwait(false);
        return ((PublishedMessage)reply).Publication;
    }

    private static Dictionary<string, object?> ToDict(PublishOptions? o)
    {
        var d = new Dictionary<string, object?>();
        if (o is null) return d;
        if (o.Acknowledge) d["acknowledge"] = true;
        if (o.ExcludeMe is { } excludeMe) d["exclude_me"] = excludeMe;
        if (o.DiscloseMe) d["disclose_me"] = true;
        if (o.Exclude is not null) d["exclude"] = o.Exclude.Cast<object?>().ToList();
        if (o.Eligible is not null) d["eligible"] = o.Eligible.Cast<object?>().ToList();
        if (o.ExcludeAuthId is not null) d["exclude_authid"] = o.ExcludeAuthId.Cast<object?>().ToList();
        if (o.ExcludeAuthRole is not null) d["exclude_authrole"] = o.ExcludeAuthRole.Cast<object?>().ToList();
        if (o.EligibleAuthId is not null) d["eligible_authid"] = o.EligibleAuthId.Cast<object?>().ToList();
        if (o.EligibleAuthRole is not null) d["eligible_authrole"] = o.EligibleAuthRole.Cast<object?>().ToList();
        return d;
    }

    /// <summary>
    /// Subscribes <paramref name="handler"/> to <paramref name="topic"/>. Each handler receives its
    /// events one at a time, in the order the router sent them, on the thread pool; a slow handler
    /// delays only itself (its backlog is buffered). Exceptions are logged and do not stop delivery.
    /// </summary>
    public async Task<WampSubscription> SubscribeAsync(string topic, Func<WampEvent, ValueTask> handler,
        SubscribeOptions? options = null, CancellationToken cancellationToken = default)
    {
        var match = options?.Match ?? UriMatch.Exact;
        var subscribeOptions = new Dictionary<string, object?>();
        if (match != UriMatch.Exact) subscribeOptions["match"] = WampOptionNames.Of(match);
        var subscription = new WampSubscription(this, topic, $"{match}:{topic}", handler, new SerialQueue(_logger, "event"));
        await SerializePerTopicAsync(subscription.Key, async () =>
        {
            var pending = new PendingRequest(WampMessageType.Subscribe, reply =>
            {
                if (reply is not SubscribedMessage subscribed) return;
                subscription.Id = subscribed.Subscription;
                _subscriptions.GetOrAdd(subscribed.Subscription, id => new RouterSubscription(id, topic)).Add(subscription);
            });
            await EnqueueRequestAsync(id => new SubscribeMessage(id, subscribeOptions, topic), pending, cancellationToken)
                .ConfigureAwait(false);
            await GetReplyOrUndoAsync(pending, subscription.UnsubscribeAsync, cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return subscription;
    }

    internal async Task UnsubscribeAsync(WampSubscription subscription, CancellationToken ct)
    {
        await SerializePerTopicAsync(subscription.Key, async () =>
        {
            if (!_subscriptions.TryGetValue(subscription.Id, out var shared) || shared.Remove(subscription) > 0) return;
            // Last local handler gone. The entry stays (dropping events) until UNSUBSCRIBED so that
            // events already on the way are not mistaken for garbage.
            var pending = new PendingRequest(WampMessageType.Unsubscribe, reply => _subscriptions.TryRemove(shared.Id, out var _));
            try
            {
                await EnqueueRequestAsync(id => new UnsubscribeMessage(id, shared.Id), pending, ct).ConfigureAwait(false);
                await pending.GetReplyAsync(ct).ConfigureAwait(false);
            }
            catch (WampException) when (Closed.IsCompleted)
            {
                // The session ended: its subscriptions ended with it.
            }
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs subscribe/unsubscribe operations for one topic+match one after another. Otherwise a
    /// SUBSCRIBE racing the UNSUBSCRIBE of the same topic would get the old subscription id back
    /// and then lose it when the UNSUBSCRIBE lands. Different topics still proceed concurrently.
    /// </summary>
    private async Task SerializePerTopicAsync(string key, Func<Task> operation)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task previous;
        lock (_subscriptionOps)
        {
            previous = _subscriptionOps.GetValueOrDefault(key) ?? Task.CompletedTask;
            _subscriptionOps[key] = done.Task;
        }
        try
        {
            await previous.ConfigureAwait(false); // never faults: it is another operation's `done`
            await operation().ConfigureAwait(false);
        }
        finally
        {
            lock (_subscriptionOps)
            {
                if (_subscriptionOps.TryGetValue(key, out var tail) && tail == done.Task) _subscriptionOps.Remove(key);
            }
            done.SetResult();
        }
    }

    private int _pendingEvents;

    /// <summary>
    /// Events received and not yet handled: queued for, or running in, their handlers. Events are queued by
    /// the receive loop in arrival order, so once the answer to a later request (e.g. PUBLISHED) arrived,
    /// every event the router sent before it is counted here until handled.
    /// </summary>
    public int PendingEvents => Volatile.Read(ref _pendingEvents);

    internal void EventQueued() => Interlocked.Increment(ref _pendingEvents);
    internal void EventHandled() => Interlocked.Decrement(ref _pendingEvents);

    private void OnEvent(EventMessage message)
    {
        // Unknown ids are dropped, not treated as violations: an EVENT can legitimately cross
        // an UNSUBSCRIBE/SUBSCRIBE pair for the same topic.
        if (!_subscriptions.TryGetValue(message.Subscription, out var shared)) return;
        var e = new WampEvent(message, shared.Topic);
        foreach (var subscription in shared.Handlers) subscription.Enqueue(e);
    }

    /// <summary>One router subscription and the local handlers attached to it.</summary>
    private sealed class RouterSubscription(long id, string topic)
    {
        private WampSubscription[] _handlers = [];

        public long Id { get; } = id;
        public string Topic { get; } = topic;
        public WampSubscription[] Handlers => Volatile.Read(ref _handlers);

        public void Add(WampSubscription s)
        {
            lock (this) _handlers = [.. _handlers, s];
        }

        /// <summary>Removes a handler; returns how many remain.</summary>
        public int Remove(WampSubscription s)
        {
            lock (this)
            {
                _handlers = _handlers.Where(h => h != s).ToArray();
                return _handlers.Length;
            }
        }
    }
}
