using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Router;

/// <summary>One retained event: the publication as it was routed, and who may receive it.</summary>
internal sealed class RetainedEvent(long sequence, string topic, long publication, ReceiverFilter? filter,
    Dictionary<string, object?> baseDetails, IReadOnlyList<object?>? arguments, IReadOnlyDictionary<string, object?>? argumentsKw)
{
    /// <summary>Order of retention within the realm (delivery order when several topics match).</summary>
    public long Sequence { get; } = sequence;
    public string Topic { get; } = topic;
    public long Publication { get; } = publication;
    /// <summary>The publication's black/white lists; null when every subscriber was eligible.</summary>
    public ReceiverFilter? Filter { get; } = filter;
    /// <summary>EVENT.Details as at publication (publisher disclosure, ppt_*), without topic and retained.</summary>
    public Dictionary<string, object?> BaseDetails { get; } = baseDetails;
    public IReadOnlyList<object?>? Arguments { get; } = arguments;
    public IReadOnlyDictionary<string, object?>? ArgumentsKw { get; } = argumentsKw;
}

/// <summary>
/// Event retention (advanced/pubsub_event_retention.md, broker feature event_retention) for one realm.
/// Runs only on the realm loop (see Realm.cs): no locks.
///
/// PUBLISH.Options.retain=true makes the (authorized) publication the topic's retained event, whether
/// or not anybody is subscribed. As in Crossbar, a publication every subscriber may receive replaces
/// everything retained on the topic, while one restricted by black/white lists (eligible*, exclude*) is
/// kept beside the earlier ones ("MAY include other supplemental events that have limited distribution").
///
/// SUBSCRIBE.Options.get_retained=true: right after SUBSCRIBED the subscriber gets, for every topic its
/// subscription matches (exact, prefix or wildcard), the MOST RECENT retained event it would have been
/// eligible to receive had it been subscribed at publication time (never one it would not: the spec's
/// MUST NOT), with EVENT.Details.retained=true. Publisher exclusion (exclude_me) is not applied: like
/// Crossbar, a publisher that subscribes later gets its own retained event (it is the topic's state).
/// With the memory store (or none) retention is in memory only and ends with the realm; with a persistent store
/// (Store/RealmStore.cs) every change is written behind and the retained events come back at realm start, except those
/// restricted by session-id lists (exclude/eligible), which mean nothing after a restart and stay in memory only.
/// </summary>
internal sealed class Retention
{
    /// <summary>At most this many restricted-distribution events are kept per topic beside the general one (oldest dropped).</summary>
    internal const int MaxRestrictedPerTopic = 16;

    private readonly Dictionary<string, List<RetainedEvent>> _byTopic = new(StringComparer.Ordinal);
    private long _sequence;

    public int TopicCount => _byTopic.Count;

    public void Retain(string topic, long publication, ReceiverFilter? filter, Dictionary<string, object?> baseDetails,
        IReadOnlyList<object?>? arguments, IReadOnlyDictionary<string, object?>? argumentsKw)
    {
        var retained = new RetainedEvent(++_sequence, topic, publication, filter, baseDetails, arguments, argumentsKw);
        if (!_byTopic.TryGetValue(topic, out var list)) _byTopic[topic] = list = new List<RetainedEvent>(1);
        if (filter is null) list.Clear(); // the new general retained event supersedes everything
        list.Add(retained);
        if (list.Count - (list[0].Filter is null ? 1 : 0) > MaxRestrictedPerTopic)
            list.RemoveAt(list.FindIndex(e => e.Filter is not null));
    }

    /// <summary>Retained events from the persistent store, in retention order (realm start).</summary>
    public void Load(IEnumerable<RetainedEvent> events)
    {
        foreach (var e in events)
        {
            if (!_byTopic.TryGetValue(e.Topic, out var list)) _byTopic[e.Topic] = list = new List<RetainedEvent>(1);
            list.Add(e);
            _sequence = Math.Max(_sequence, e.Sequence);
        }
    }

    /// <summary>What the persistent store keeps of one topic: its retained events without session-id lists.</summary>
    public RetainedEvent[] Durable(string topic)
        => _byTopic.TryGetValue(topic, out var list) ? list.Where(e => e.Filter is not { HasSessionLists: true }).ToArray() : [];

    /// <summary>get_retained: queues the retained events for <paramref name="sub"/> to <paramref name="subscriber"/> (after SUBSCRIBED).</summary>
    public void DeliverTo(RouterSession subscriber, Subscription sub)
    {
        var found = new List<RetainedEvent>();
        if (sub.Match == UriMatch.Exact)
        {
            if (_byTopic.TryGetValue(sub.Uri, out var list)) AddLatestEligible(list, subscriber, found);
        }
        else
        {
            foreach (var (topic, list) in _byTopic)
            {
                bool matches = sub.Match == UriMatch.Prefix ? UriMatcher.PrefixMatches(sub.Uri, topic) : UriMatcher.WildcardMatches(sub.Uri, topic);
                if (matches) AddLatestEligible(list, subscriber, found);
            }
            found.Sort((a, b) => a.Sequence.CompareTo(b.Sequence)); // oldest retention first: deterministic order
        }
        foreach (var e in found)
        {
            var details = new Dictionary<string, object?>(e.BaseDetails);
            // Pattern-based subscriptions: EVENT.Details.topic carries the concrete topic.
            if (sub.Match != UriMatch.Exact) details["topic"] = e.Topic;
            // Event retention: "MUST have Event.Details.retained|bool set to true".
            details["retained"] = true;
            subscriber.Send(new EventMessage(sub.Id, e.Publication, details, e.Arguments, e.ArgumentsKw));
        }
    }

    /// <summary>The most recent event of one topic that <paramref name="subscriber"/> was eligible for, if any.</summary>
    private static void AddLatestEligible(List<RetainedEvent> list, RouterSession subscriber, List<RetainedEvent> found)
    {
        for (int i = list.Count - 1; i >= 0; i--)
        {
            if (list[i].Filter is { } filter && !filter.Accepts(subscriber)) continue;
            found.Add(list[i]);
            return;
        }
    }
}
