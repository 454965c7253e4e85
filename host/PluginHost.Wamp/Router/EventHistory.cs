using System.Globalization;
using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Router;

/// <summary>One publication kept in event history: as it was routed, and who may read it back.</summary>
internal sealed class HistoryRecord(DateTime timestamp, string topic, long publication, ReceiverFilter? filter,
    Dictionary<string, object?>? baseDetails, IReadOnlyList<object?>? arguments, IReadOnlyDictionary<string, object?>? argumentsKw)
{
    /// <summary>UTC, truncated to milliseconds: exactly what the RFC 3339 "timestamp" says, so time filters agree with it.</summary>
    public DateTime Timestamp { get; } = timestamp;
    public string Topic { get; } = topic;
    public long Publication { get; } = publication;
    /// <summary>The publication's authid/authrole black/white lists; null when everybody was eligible.</summary>
    public ReceiverFilter? Filter { get; } = filter;
    /// <summary>EVENT.Details as at publication (publisher disclosure, ppt_*), without topic; null when empty.</summary>
    public Dictionary<string, object?>? BaseDetails { get; } = baseDetails;
    public IReadOnlyList<object?>? Arguments { get; } = arguments;
    public IReadOnlyDictionary<string, object?>? ArgumentsKw { get; } = argumentsKw;

    public static DateTime Now()
    {
        var now = DateTime.UtcNow;
        return new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
    }
}

/// <summary>The history of one history-enabled subscription: the newest <see cref="Limit"/> records, oldest first.</summary>
internal sealed class EventLog(int limit)
{
    private readonly Queue<HistoryRecord> _records = new();

    public int Limit { get; } = limit;
    public int Count => _records.Count;

    public void Add(HistoryRecord record)
    {
        _records.Enqueue(record);
        if (_records.Count > Limit) _records.Dequeue(); // bounded: the oldest record goes
    }

    public HistoryRecord[] Snapshot() => _records.ToArray();

    /// <summary>Records from the persistent store, oldest first (realm start).</summary>
    public void Load(IEnumerable<HistoryRecord> records)
    {
        foreach (var r in records) Add(r);
    }
}

/// <summary>
/// Event history (advanced/pubsub_event_history.md, broker feature event_history), configured as Crossbar does with the
/// realm's <c>store: {type: "memory", limit, event-history: [{uri, match, limit}]}</c>. Runs only on the realm loop: no locks.
/// With a persistent store (type "sqlite", Store/RealmStore.cs) the logs are loaded at realm start and written behind.
///
/// Which subscriptions have history: as in Crossbar (and the spec's "dummy subscriptions"), every event-history entry is a
/// subscription (uri, match) created when the realm starts and kept while the realm lives, subscribers or not (Broker.cs);
/// clients subscribing to the same (uri, match) share its id. Each keeps, in memory, the newest `limit` publications
/// that matched it (entry limit, else the store's limit, else 100), whether or not anybody received them. Other subscriptions
/// have no history: get_events answers wamp.error.history_unavailable (Crossbar's URI), as it does on a realm without a store.
///
/// Spec security rules: publications with session-id black/white lists (exclude, eligible) are not stored at all; those with
/// authid/authrole lists are stored and only returned to callers those lists would have let receive them. The caller must be
/// authorized to subscribe to the subscription's URI (else wamp.error.not_authorized), besides calling get_events.
/// </summary>
internal static class EventHistory
{
    /// <summary>Crossbar's error for a subscription (or realm) without event history.</summary>
    internal const string HistoryUnavailable = "wamp.error.history_unavailable";

    /// <summary>
    /// wamp.subscription.get_events(subscription|id, limit|int?) with the spec's ArgumentsKw (reverse, limit, from_time,
    /// after_time, before_time, until_time, topic, from_publication, after_publication, before_publication, until_publication),
    /// all combined with AND. Returns the list of event dicts.
    ///
    /// Order and limit follow the spec, not Crossbar: events in order of occurrence (oldest first) unless reverse=true,
    /// and limit keeps the first N in that order (Crossbar always returns the newest N, newest first, default 10: that is
    /// reverse=true, limit=N here). Without a limit everything kept is returned (at most the entry's limit).
    /// Crossbar's positional limit (second argument) is accepted too.
    /// </summary>
    public static List<object?> GetEvents(Realm realm, RouterSession caller, CallMessage c)
    {
        var kw = c.ArgumentsKw ?? new Dictionary<string, object?>();
        long subscriptionId = Id(c, 0, "subscription_id") ?? throw Invalid("expected the subscription id as argument 1");
        if (realm.Config.Store is null) throw new MetaApi.MetaError(HistoryUnavailable, "event history is not enabled on this realm");
        var sub = realm.Broker.Get(subscriptionId)
                  ?? throw new MetaApi.MetaError(WampErrors.NoSuchSubscription, $"no subscription {subscriptionId} on this realm");
        if (sub.History is not { } log)
            throw new MetaApi.MetaError(HistoryUnavailable, $"event history is not enabled for subscription {subscriptionId}");
        // Spec, security aspects: "a peer must be allowed to subscribe to a desired subscription first".
        if (!realm.Authorize(caller, WampAction.Subscribe, sub.Uri).Allowed)
            throw new MetaApi.MetaError(WampErrors.NotAuthorized, $"session is not authorized to subscribe to '{sub.Uri}', so not to read its history");

        long? limit = null;
        object? limitValue = c.Arguments is { Count: > 1 } a ? a[1] : kw.GetValueOrDefault("limit");
        if (limitValue is not null)
        {
            limit = WampValue.AsInt64(limitValue);
            if (limit is not > 0 || limitValue is bool) throw Invalid("limit must be a positive integer");
        }
        bool reverse = kw.TryGetValue("reverse", out var r) && r is not null
            ? r as bool? ?? throw Invalid("reverse must be a boolean")
            : false;
        string? topic = kw.TryGetValue("topic", out var t) && t is not null ? t as string ?? throw Invalid("topic must be a URI") : null;
        var fromTime = Time(kw, "from_time");
        var afterTime = Time(kw, "after_time");
        var beforeTime = Time(kw, "before_time");
        var untilTime = Time(kw, "until_time");

        var records = log.Snapshot(); // oldest first
        // *_publication: positions in the order received ("publication ids are not ordered: find the event, then include or exclude").
        int lo = 0, hi = records.Length - 1;
        if (Position(records, kw, "from_publication", subscriptionId) is int from) lo = Math.Max(lo, from);
        if (Position(records, kw, "after_publication", subscriptionId) is int after) lo = Math.Max(lo, after + 1);
        if (Position(records, kw, "before_publication", subscriptionId) is int before) hi = Math.Min(hi, before - 1);
        if (Position(records, kw, "until_publication", subscriptionId) is int until) hi = Math.Min(hi, until);

        var result = new List<object?>();
        for (int k = 0; k <= hi - lo && (limit is null || result.Count < limit); k++)
        {
            var e = records[reverse ? hi - k : lo + k];
            if (topic is not null && e.Topic != topic) continue;
            if (fromTime is { } ft && e.Timestamp < ft) continue;
            if (afterTime is { } at && e.Timestamp <= at) continue;
            if (beforeTime is { } bt && e.Timestamp >= bt) continue;
            if (untilTime is { } ut && e.Timestamp > ut) continue;
            // Spec: black/white lists "must also apply to event history requests", for the caller.
            if (e.Filter is { } filter && !filter.Accepts(caller)) continue;
            result.Add(ToDict(sub, e));
        }
        return result;
    }

    /// <summary>
    /// One event as the spec's get_events shows it (timestamp, subscription, publication, details, args, kwargs), plus the
    /// concrete topic as Crossbar's store has it. The publisher is only there when it was disclosed to subscribers
    /// (details.publisher*, mirrored at the top level as in Crossbar's store): history never reveals more than the EVENT did.
    /// args and kwargs are always present (empty when the publication had none).
    /// </summary>
    private static Dictionary<string, object?> ToDict(Subscription sub, HistoryRecord e)
    {
        var details = e.BaseDetails is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(e.BaseDetails);
        // Pattern-based subscriptions: EVENT.Details.topic carries the concrete topic.
        if (sub.Match != UriMatch.Exact) details["topic"] = e.Topic;
        var d = new Dictionary<string, object?>
        {
            ["timestamp"] = e.Timestamp.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["subscription"] = sub.Id,
            ["publication"] = e.Publication,
            ["topic"] = e.Topic,
            ["details"] = details,
            ["args"] = e.Arguments ?? [],
            ["kwargs"] = e.ArgumentsKw ?? new Dictionary<string, object?>(),
        };
        foreach (var key in (string[])["publisher", "publisher_authid", "publisher_authrole"])
            if (details.TryGetValue(key, out var v)) d[key] = v;
        return d;
    }

    private static MetaApi.MetaError Invalid(string message) => new(WampErrors.InvalidArgument, message);

    private static long? Id(CallMessage c, int index, string name)
    {
        object? v = c.Arguments is { } args && args.Count > index ? args[index] : c.ArgumentsKw?.GetValueOrDefault(name);
        return v is bool ? null : WampValue.AsInt64(v);
    }

    private static DateTime? Time(IReadOnlyDictionary<string, object?> kw, string key)
    {
        if (!kw.TryGetValue(key, out var v) || v is null) return null;
        if (v is string s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
            return time.UtcDateTime;
        throw Invalid($"{key} must be an RFC 3339 timestamp");
    }

    /// <summary>The index of the record with the publication id given as <paramref name="key"/>, if the key is given.</summary>
    private static int? Position(HistoryRecord[] records, IReadOnlyDictionary<string, object?> kw, string key, long subscriptionId)
    {
        if (!kw.TryGetValue(key, out var v) || v is null) return null;
        if (v is bool || WampValue.AsInt64(v) is not long publication) throw Invalid($"{key} must be a publication id");
        int i = Array.FindIndex(records, e => e.Publication == publication);
        // Publication ids are random, so an unknown one cannot be placed (it may never have existed): an error, not a guess.
        return i >= 0 ? i : throw Invalid($"{key}: publication {publication} is not in the history of subscription {subscriptionId}");
    }
}
