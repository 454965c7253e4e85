using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Router;

/// <summary>A subscription: one id shared by every session subscribed to the same (topic, match).</summary>
internal sealed class Subscription(long id, string uri, UriMatch match)
{
    public long Id { get; } = id;
    public string Uri { get; } = uri;
    public UriMatch Match { get; } = match;
    public string Created { get; } = Realm.Now();
    public HashSet<RouterSession> Subscribers { get; } = new();
    /// <summary>Event history (EventHistory.cs): set for the subscriptions of the realm store's event-history entries, which
    /// exist from realm start on and are never deleted; null for all others.</summary>
    public EventLog? History { get; init; }
}

/// <summary>
/// The broker role of one realm. Runs only on the realm loop (see Realm.cs): no locks.
/// </summary>
internal sealed class Broker
{
    private readonly Realm realm;
    private readonly Dictionary<(string Uri, UriMatch Match), Subscription> _byUri = new();
    private readonly Dictionary<long, Subscription> _byId = new();
    private readonly List<Subscription> _patterns = new(); // prefix and wildcard subscriptions
    // Each subscriber's subscriptions, by session id: the broker's own index, so leaving (or a session on another node,
    // later) needs nothing from the session object.
    private readonly Dictionary<long, HashSet<Subscription>> _bySession = new();
    private readonly bool _history; // the realm has history-enabled subscriptions

    public Broker(Realm realm)
    {
        this.realm = realm;
        // Event history: each event-history entry of the realm store is a subscription from the start (the spec's "dummy
        // subscriptions", Crossbar's store observing them), so publications are kept before anybody subscribes. No meta
        // events: no session creates them (a first subscriber later gets on_subscribe, not on_create, as in Crossbar).
        if (realm.Config.Store is { } store)
        {
            foreach (var entry in store.EventHistory)
            {
                var log = new EventLog(entry.Limit);
                // A persistent store: the history written before the last restart comes back (Store/RealmStore.cs).
                if (realm.Store is { } persistent) log.Load(persistent.LoadHistory(entry.Uri, entry.Match, entry.Limit));
                var sub = new Subscription(NewId(), entry.Uri, entry.Match) { History = log };
                _byUri[(sub.Uri, sub.Match)] = sub;
                _byId[sub.Id] = sub;
                if (sub.Match != UriMatch.Exact) _patterns.Add(sub);
                _history = true;
            }
        }
        if (realm.Store is { } file) Retention.Load(file.LoadRetained());
    }

    private UriCheckMode UriCheck => realm.Config.UriCheck;

    /// <summary>Event retention (Retention.cs): the realm's retained events.</summary>
    internal Retention Retention { get; } = new();

    public void Subscribe(RouterSession session, SubscribeMessage m, DynamicAuthorization.Decided? decided = null)
    {
        // Pattern-based subscriptions: options.match is exact (default), prefix or wildcard.
        if (!WampOptionNames.TryParseMatch(m.Options, out var match))
        {
            session.Send(Realm.Error(WampMessageType.Subscribe, m.RequestId, WampErrors.InvalidArgument, $"invalid match policy '{m.Options.GetString("match")}'"));
            return;
        }
        if (!UriValidator.IsValidPattern(m.Topic, match, UriCheck))
        {
            session.Send(Realm.Error(WampMessageType.Subscribe, m.RequestId, WampErrors.InvalidUri, $"subscribe for invalid topic URI '{m.Topic}' (uri check {UriCheck})"));
            return;
        }
        // Event retention: get_retained|bool ("lack of the key MUST be interpreted as false").
        if (m.Options.TryGetValue("get_retained", out var getRetained) && getRetained is not (null or bool))
        {
            session.Send(Realm.Error(WampMessageType.Subscribe, m.RequestId, WampErrors.InvalidArgument, "invalid type for option 'get_retained' (expected a boolean)"));
            return;
        }
        if (!realm.Authorize(session, WampAction.Subscribe, m.Topic, decided).Allowed)
        {
            session.Send(Realm.Error(WampMessageType.Subscribe, m.RequestId, WampErrors.NotAuthorized, $"session is not authorized to subscribe to topic '{m.Topic}'"));
            return;
        }
        // A cluster: the retained events another node acknowledged are retained here first (Cluster/RealmCluster.cs).
        if (getRetained is true && realm.Cluster is { } cluster && cluster.DeferUntilPublicationsSynced(session, m, decided)) return;

        // One subscription id per (topic, match): created by the first subscriber, shared by the others;
        // subscribing twice returns the same id.
        if (!_byUri.TryGetValue((m.Topic, match), out var sub))
        {
            // A cluster: the id other nodes already use for (topic, match), so that the meta API names it alike everywhere.
            var id = realm.Cluster?.SubscriptionIdOf(m.Topic, match) is long shared && !_byId.ContainsKey(shared) ? shared : NewId();
            sub = new Subscription(id, m.Topic, match);
            _byUri[(m.Topic, match)] = sub;
            _byId[sub.Id] = sub;
            if (match != UriMatch.Exact) _patterns.Add(sub);
            realm.Meta?.OnSubscriptionCreate(session, sub);
        }
        if (sub.Subscribers.Add(session))
        {
            if (!_bySession.TryGetValue(session.Id, out var mine)) _bySession[session.Id] = mine = new HashSet<Subscription>();
            mine.Add(sub);
            realm.Meta?.OnSubscribe(session, sub);
            realm.Cluster?.AnnounceSubscription(session, sub);
        }
        session.Send(new SubscribedMessage(m.RequestId, sub.Id));
        // Event retention: the retained events this subscriber is eligible for follow SUBSCRIBED at once.
        if (getRetained is true) Retention.DeliverTo(session, sub);
    }

    public void Unsubscribe(RouterSession session, UnsubscribeMessage m)
    {
        if (!_byId.TryGetValue(m.Subscription, out var sub) || !sub.Subscribers.Contains(session))
        {
            session.Send(Realm.Error(WampMessageType.Unsubscribe, m.RequestId, WampErrors.NoSuchSubscription, $"no subscription {m.Subscription} for this session"));
            return;
        }
        Detach(session, sub);
        session.Send(new UnsubscribedMessage(m.RequestId));
    }

    public void Publish(RouterSession session, PublishMessage m, DynamicAuthorization.Decided? decided = null)
    {
        // Basic profile: PUBLISHED (or ERROR) is only sent when options.acknowledge is true.
        bool ack = m.Options.GetBool("acknowledge");
        // Payload passthru mode: a PUBLISH with ppt_scheme from a publisher that did not announce
        // payload_passthru_mode "MUST be treated as PROTOCOL ERROR" (ABORT wamp.error.protocol_violation).
        if (PptOptions.IsRequested(m.Options) && !session.PublisherPayloadPassthru)
        {
            realm.Abort(session, WampErrors.ProtocolViolation, "PUBLISH with ppt_scheme, but the publisher did not announce payload_passthru_mode");
            return;
        }
        var error = Route(session, m.Topic, m.Options, m.Arguments, m.ArgumentsKw, out long publication, decided);
        if (error is null) Metrics.RouterMetrics.EventPublished(realm.Name);
        if (!ack) return;
        if (error is { } e) session.Send(Realm.Error(WampMessageType.Publish, m.RequestId, e.Uri, e.Message));
        // A persistent store: acknowledged means durable. PUBLISHED waits behind the publication's writes (and every
        // earlier one, so PUBLISHEDs keep their order) until the writer committed them (Store/RealmStore.cs).
        else if (realm.Store is { } store)
        {
            var published = new PublishedMessage(m.RequestId, publication);
            store.Enqueue(new Store.Completion(() => realm.Post(new StoreCommittedCommand(session, published))));
        }
        else session.Send(new PublishedMessage(m.RequestId, publication));
    }

    /// <summary>
    /// Validates, authorizes, retains and dispatches one publication of <paramref name="publisher"/> (a PUBLISH, or a
    /// testament at session end). Returns the error (URI, text) when it is not routed; the caller decides whether to report it.
    /// </summary>
    internal (string Uri, string Message)? Route(RouterSession publisher, string topic, IReadOnlyDictionary<string, object?> options,
        IReadOnlyList<object?>? arguments, IReadOnlyDictionary<string, object?>? argumentsKw, out long publication,
        DynamicAuthorization.Decided? decided = null)
    {
        publication = 0;
        if (!UriValidator.IsValid(topic, UriCheck)) return (WampErrors.InvalidUri, $"publish with invalid topic URI '{topic}' (uri check {UriCheck})");
        if (UriValidator.IsReserved(topic)) return (WampErrors.InvalidUri, $"publish to reserved topic URI '{topic}'");
        if (!PptOptions.TryParse(options, out var ppt, out var pptError)) return (WampErrors.InvalidArgument, pptError);
        // Event retention: retain|bool ("lack of the key MUST be interpreted as false").
        if (options.TryGetValue("retain", out var retainValue) && retainValue is not (null or bool))
            return (WampErrors.InvalidArgument, "invalid type for option 'retain' (expected a boolean)");
        var auth = realm.Authorize(publisher, WampAction.Publish, topic, decided);
        if (!auth.Allowed) return (WampErrors.NotAuthorized, $"session is not authorized to publish to topic '{topic}'");

        publication = WampIds.NewGlobalId(); // publication ids are global scope: random
        // EVENT.Details common to every subscription: publisher identification (disclose_me, or the role
        // permission's disclose.publisher) and payload passthru mode (ppt_* forwarded unchanged).
        Dictionary<string, object?>? details = null;
        if (auth.Disclose || options.GetBool("disclose_me"))
        {
            details = new Dictionary<string, object?>
            {
                ["publisher"] = publisher.Id,
                ["publisher_authid"] = publisher.AuthId,
                ["publisher_authrole"] = publisher.AuthRole,
            };
        }
        if (ppt is not null) ppt.CopyTo(details ??= new Dictionary<string, object?>());
        // Publisher exclusion: exclude_me defaults to true.
        var filter = new ReceiverFilter(options.GetBool("exclude_me", true) ? publisher : null, options);
        // Event retention: an authorized retain=true publication becomes the topic's retained event, subscribers or not
        // (its black/white lists apply to later subscribers; publisher exclusion does not, Retention.cs).
        RetainAndDeliver(topic, publication, retainValue is true, filter, options, details, arguments, argumentsKw);
        // A cluster: every other node delivers it to its own subscribers (and retains it, keeps its history) the same way.
        realm.Cluster?.Forward(topic, publication, options, details, arguments, argumentsKw);
        return null;
    }

    /// <summary>
    /// Cluster: a publication routed by another node (authorized there, its details decided there) is delivered to this
    /// node's subscribers with the same lists, retained and kept in history as it would be here. The publisher is not a
    /// session of this node, so publisher exclusion has nothing to exclude.
    /// </summary>
    public void DeliverRemote(PublishMessage p)
    {
        var details = p.Options.TryGetValue(Cluster.ClusterEnvelope.DetailsKey, out var d) && d is IReadOnlyDictionary<string, object?> carried
            ? new Dictionary<string, object?>(carried)
            : null;
        // A router-originated event (meta events) comes with no options: no lists, no retention, history for everyone.
        RetainAndDeliver(p.Topic, p.RequestId, p.Options.GetBool("retain"), new ReceiverFilter(null, p.Options), p.Options, details, p.Arguments, p.ArgumentsKw);
    }

    /// <summary>
    /// The end of routing a publication, here or on another node: retained when asked (its lists apply to later
    /// subscribers, publisher exclusion does not), delivered to the matching subscribers, kept in history, and the
    /// persistent store's writes handed over.
    /// </summary>
    private void RetainAndDeliver(string topic, long publication, bool retain, ReceiverFilter filter, IReadOnlyDictionary<string, object?> options,
        Dictionary<string, object?>? details, IReadOnlyList<object?>? arguments, IReadOnlyDictionary<string, object?>? argumentsKw)
    {
        if (retain)
        {
            var lists = filter.WithoutPublisher();
            Retention.Retain(topic, publication, lists.HasLists ? lists : null, details ?? new Dictionary<string, object?>(), arguments, argumentsKw);
            // Session-id lists do not outlive the sessions: such retained events stay in memory only.
            if (realm.Store is not null) (_writes ??= []).Add(new Store.RetainedWrite(topic, Retention.Durable(topic)));
        }
        Deliver(topic, publication, filter, details, arguments, argumentsKw, HistoryOf(filter, options));
        FlushWrites();
    }

    /// <summary>The persistent store's writes of the publication being routed (loop-owned; null when none).</summary>
    private List<Store.StoreWrite>? _writes;

    /// <summary>Hands the current publication's writes to the store as one transaction's worth (Store/RealmStore.cs).</summary>
    private void FlushWrites()
    {
        if (_writes is null) return;
        realm.Store!.Enqueue(new Store.AtomicWrite(_writes));
        _writes = null;
    }

    /// <summary>
    /// Whether a router-originated event on this topic could reach anyone or be kept: a subscription on it exactly, any
    /// pattern subscription (matched only when delivering), or other nodes of a cluster. When false,
    /// <see cref="PublishFromRouter"/> would do nothing but draw a publication id.
    /// </summary>
    public bool MayDeliver(string topic) => realm.Cluster is not null || _patterns.Count > 0 || _byUri.ContainsKey((topic, UriMatch.Exact));

    /// <summary>Router-originated event (meta events): no publisher, no filters.</summary>
    public void PublishFromRouter(string topic, IReadOnlyList<object?> arguments)
    {
        long publication = WampIds.NewGlobalId();
        Deliver(topic, publication, null, null, arguments, null, _history ? HistoryMode.Everyone : HistoryMode.None);
        FlushWrites();
        realm.Cluster?.Forward(topic, publication, NoOptions, null, arguments, null);
    }

    private static readonly Dictionary<string, object?> NoOptions = new();

    /// <summary>How a publication goes into event history: not at all, for everyone, or for those its lists admit.</summary>
    private enum HistoryMode { None, Everyone, Filtered }

    private HistoryMode HistoryOf(ReceiverFilter filter, IReadOnlyDictionary<string, object?> options)
    {
        if (!_history) return HistoryMode.None;
        // Event history, security aspects: "all events published with Options.exclude|list[int] or Options.eligible|list[int]
        // should be ignored by the Event History mechanism and not be saved at all" (session ids do not outlive sessions).
        if (filter.HasSessionLists) return HistoryMode.None;
        return filter.HasLists ? HistoryMode.Filtered : HistoryMode.Everyone;
    }

    private void Deliver(string topic, long publication, ReceiverFilter? filter, Dictionary<string, object?>? details,
        IReadOnlyList<object?>? arguments, IReadOnlyDictionary<string, object?>? argumentsKw, HistoryMode history)
    {
        HistoryRecord? record = null;
        if (_byUri.TryGetValue((topic, UriMatch.Exact), out var exact))
        {
            if (history != HistoryMode.None && exact.History is { } log) Keep(exact, log, record ??= Record());
            DeliverTo(exact, topic, publication, filter, details, arguments, argumentsKw);
        }
        foreach (var sub in _patterns)
        {
            // Pattern-based subscriptions: an event is delivered once per matching subscription.
            bool matches = sub.Match == UriMatch.Prefix ? UriMatcher.PrefixMatches(sub.Uri, topic) : UriMatcher.WildcardMatches(sub.Uri, topic);
            if (!matches) continue;
            // Event history: kept per matching history subscription, receivers or not (one record shared by all of them).
            if (history != HistoryMode.None && sub.History is { } log) Keep(sub, log, record ??= Record());
            DeliverTo(sub, topic, publication, filter, details, arguments, argumentsKw);
        }

        // The publisher is never excluded from reading history back (exclude_me is about live delivery): the record keeps only
        // the authid/authrole lists.
        HistoryRecord Record() => new(HistoryRecord.Now(), topic, publication, history == HistoryMode.Filtered ? filter!.WithoutPublisher() : null,
            details, arguments, argumentsKw);
    }

    private void Keep(Subscription sub, EventLog log, HistoryRecord record)
    {
        log.Add(record);
        if (realm.Store is not null) (_writes ??= []).Add(new Store.HistoryWrite(sub.Uri, sub.Match, log.Limit, record));
    }

    private static void DeliverTo(Subscription sub, string topic, long publication, ReceiverFilter? filter,
        Dictionary<string, object?>? baseDetails, IReadOnlyList<object?>? arguments, IReadOnlyDictionary<string, object?>? argumentsKw)
    {
        // The EVENT is built once per subscription and the same object is queued to every receiver, so a
        // serializer's encode cache encodes it once per serializer.
        EventMessage? ev = null;
        foreach (var subscriber in sub.Subscribers)
        {
            if (filter is not null && !filter.Accepts(subscriber)) continue;
            if (ev is null)
            {
                var details = baseDetails is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(baseDetails);
                // Pattern-based subscriptions: EVENT.Details.topic carries the concrete topic.
                if (sub.Match != UriMatch.Exact) details["topic"] = topic;
                ev = new EventMessage(sub.Id, publication, details, arguments, argumentsKw);
            }
            subscriber.Send(ev);
        }
    }

    public void RemoveSession(RouterSession session)
    {
        if (!_bySession.TryGetValue(session.Id, out var mine)) return;
        foreach (var sub in mine.ToList()) Detach(session, sub);
    }

    /// <summary>
    /// Subscription revocation (wamp.subscription.remove_subscriber): detaches <paramref name="subscriber"/> with the meta events of a
    /// normal unsubscribe (on_unsubscribe, and on_delete if it was the last subscriber), then tells it with
    /// [UNSUBSCRIBED, 0, {subscription, reason?}], but only if it announced subscriber feature subscription_revocation:
    /// pubsub_subscription_revocation.md, "the Broker MAY still revoke ... In this case, the Broker MUST NOT send an
    /// UNSUBSCRIBED message" (Crossbar's removeSubscriber does the same). No reason given: no Details.reason (as Crossbar).
    /// </summary>
    public void RemoveSubscriber(Subscription sub, RouterSession subscriber, string? reason)
    {
        Detach(subscriber, sub);
        if (!subscriber.SubscriberSubscriptionRevocation) return;
        var details = new Dictionary<string, object?> { ["subscription"] = sub.Id };
        if (reason is not null) details["reason"] = reason;
        subscriber.Send(new UnsubscribedMessage(0, details));
    }

    private void Detach(RouterSession session, Subscription sub)
    {
        sub.Subscribers.Remove(session);
        if (_bySession.TryGetValue(session.Id, out var mine) && mine.Remove(sub) && mine.Count == 0) _bySession.Remove(session.Id);
        realm.Meta?.OnUnsubscribe(session, sub);
        realm.Cluster?.WithdrawSubscription(session, sub);
        // Event history subscriptions outlive their subscribers (no on_delete for them, as in Crossbar).
        if (sub.Subscribers.Count == 0 && sub.History is null)
        {
            _byUri.Remove((sub.Uri, sub.Match));
            _byId.Remove(sub.Id);
            if (sub.Match != UriMatch.Exact) _patterns.Remove(sub);
            realm.Meta?.OnSubscriptionDelete(session, sub);
        }
    }

    private long NewId()
    {
        long id;
        do id = WampIds.NewGlobalId(); while (_byId.ContainsKey(id));
        return id;
    }

    // ----- queries for the subscription meta API -----

    public IEnumerable<Subscription> All => _byId.Values;

    public Subscription? Get(long id) => _byId.GetValueOrDefault(id);

    public Subscription? Lookup(string topic, UriMatch match) => _byUri.GetValueOrDefault((topic, match));

    public List<Subscription> Match(string topic)
    {
        var result = new List<Subscription>();
        if (_byUri.TryGetValue((topic, UriMatch.Exact), out var exact)) result.Add(exact);
        foreach (var sub in _patterns)
        {
            bool matches = sub.Match == UriMatch.Prefix ? UriMatcher.PrefixMatches(sub.Uri, topic) : UriMatcher.WildcardMatches(sub.Uri, topic);
            if (matches) result.Add(sub);
        }
        return result;
    }
}

/// <summary>
/// Publisher exclusion and subscriber black/white-listing (advanced pubsub): who of the subscribers may receive
/// a publication. Also kept with a retained event, to decide who may get it later.
/// </summary>
internal sealed class ReceiverFilter
{
    private readonly RouterSession? _excludedPublisher;
    private readonly HashSet<long>? _exclude, _eligible;
    private readonly HashSet<string>? _excludeAuthId, _eligibleAuthId, _excludeAuthRole, _eligibleAuthRole;

    /// <param name="excludedPublisher">The publisher when it is excluded (exclude_me, default true), else null.</param>
    public ReceiverFilter(RouterSession? excludedPublisher, IReadOnlyDictionary<string, object?> options)
    {
        _excludedPublisher = excludedPublisher;
        _exclude = ToSet(options.GetInt64List("exclude"));
        _eligible = ToSet(options.GetInt64List("eligible"));
        _excludeAuthId = ToSet(options.GetStringList("exclude_authid"));
        _eligibleAuthId = ToSet(options.GetStringList("eligible_authid"));
        _excludeAuthRole = ToSet(options.GetStringList("exclude_authrole"));
        _eligibleAuthRole = ToSet(options.GetStringList("eligible_authrole"));
    }

    /// <summary>True when the publication had any black/white list (restricted distribution).</summary>
    public bool HasLists => _exclude is not null || _eligible is not null || _excludeAuthId is not null || _eligibleAuthId is not null
                            || _excludeAuthRole is not null || _eligibleAuthRole is not null;

    /// <summary>True when the publication listed session ids (exclude, eligible).</summary>
    public bool HasSessionLists => _exclude is not null || _eligible is not null;

    private ReceiverFilter(ReceiverFilter other)
    {
        _exclude = other._exclude;
        _eligible = other._eligible;
        _excludeAuthId = other._excludeAuthId;
        _eligibleAuthId = other._eligibleAuthId;
        _excludeAuthRole = other._excludeAuthRole;
        _eligibleAuthRole = other._eligibleAuthRole;
    }

    /// <summary>The same lists without publisher exclusion.</summary>
    public ReceiverFilter WithoutPublisher() => _excludedPublisher is null ? this : new ReceiverFilter(this);

    /// <summary>The authid/authrole lists as PUBLISH options (for the persistent store; session lists are never stored).</summary>
    public Dictionary<string, List<string>> AuthLists()
    {
        var lists = new Dictionary<string, List<string>>();
        if (_excludeAuthId is not null) lists["exclude_authid"] = [.. _excludeAuthId];
        if (_eligibleAuthId is not null) lists["eligible_authid"] = [.. _eligibleAuthId];
        if (_excludeAuthRole is not null) lists["exclude_authrole"] = [.. _excludeAuthRole];
        if (_eligibleAuthRole is not null) lists["eligible_authrole"] = [.. _eligibleAuthRole];
        return lists;
    }

    public bool Accepts(RouterSession s)
    {
        if (ReferenceEquals(s, _excludedPublisher)) return false;
        // Whitelists: when given, the receiver must be on every one; blacklists win over whitelists.
        if (_eligible is not null && !_eligible.Contains(s.Id)) return false;
        if (_eligibleAuthId is not null && !_eligibleAuthId.Contains(s.AuthId)) return false;
        if (_eligibleAuthRole is not null && !_eligibleAuthRole.Contains(s.AuthRole)) return false;
        if (_exclude is not null && _exclude.Contains(s.Id)) return false;
        if (_excludeAuthId is not null && _excludeAuthId.Contains(s.AuthId)) return false;
        if (_excludeAuthRole is not null && _excludeAuthRole.Contains(s.AuthRole)) return false;
        return true;
    }

    private static HashSet<T>? ToSet<T>(List<T>? list) => list is null ? null : new HashSet<T>(list);
}
