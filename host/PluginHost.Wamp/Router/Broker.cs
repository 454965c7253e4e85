using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Router;

/// <summary>A subscription: one id shared by every session subscribed to the same (topic, match).</summary>
internal sealed class Subscription(long id, string uri, MatchPolicy match)
{
    public long Id { get; } = id;
    public string Uri { get; } = uri;
    public MatchPolicy Match { get; } = match;
    public string Created { get; } = Realm.Now();
    public HashSet<RouterSession> Subscribers { get; } = new();
}

/// <summary>
/// The broker role of one realm. Runs only on the realm loop (see Realm.cs): no locks.
/// </summary>
internal sealed class Broker(Realm realm)
{
    private readonly Dictionary<(string Uri, MatchPolicy Match), Subscription> _byUri = new();
    private readonly Dictionary<long, Subscription> _byId = new();
    private readonly List<Subscription> _patterns = new(); // prefix and wildcard subscriptions

    private UriCheckMode UriCheck => realm.Config.UriCheck;

    public void Subscribe(RouterSession session, SubscribeMessage m)
    {
        // Pattern-based subscriptions: options.match is exact (default), prefix or wildcard.
        if (!UriValidator.TryParseMatch(m.Options, out var match))
        {
            session.Send(Realm.Error(WampMessageType.Subscribe, m.RequestId, WampErrors.InvalidArgument, $"invalid match policy '{m.Options.GetString("match")}'"));
            return;
        }
        if (!UriValidator.IsValidPattern(m.Topic, match, UriCheck))
        {
            session.Send(Realm.Error(WampMessageType.Subscribe, m.RequestId, WampErrors.InvalidUri, $"subscribe for invalid topic URI '{m.Topic}' (uri check {UriCheck})"));
            return;
        }
        if (!realm.Authorizer.Authorize(session.AuthRole, WampAction.Subscribe, m.Topic).Allowed)
        {
            session.Send(Realm.Error(WampMessageType.Subscribe, m.RequestId, WampErrors.NotAuthorized, $"session is not authorized to subscribe to topic '{m.Topic}'"));
            return;
        }

        // One subscription id per (topic, match): created by the first subscriber, shared by the others;
        // subscribing twice returns the same id.
        if (!_byUri.TryGetValue((m.Topic, match), out var sub))
        {
            sub = new Subscription(NewId(), m.Topic, match);
            _byUri[(m.Topic, match)] = sub;
            _byId[sub.Id] = sub;
            if (match != MatchPolicy.Exact) _patterns.Add(sub);
            realm.Meta?.OnSubscriptionCreate(session, sub);
        }
        if (sub.Subscribers.Add(session))
        {
            session.Subscriptions.Add(sub);
            realm.Meta?.OnSubscribe(session, sub);
        }
        session.Send(new SubscribedMessage(m.RequestId, sub.Id));
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

    public void Publish(RouterSession session, PublishMessage m)
    {
        // Basic profile: PUBLISHED (or ERROR) is only sent when options.acknowledge is true.
        bool ack = m.Options.GetBool("acknowledge");
        if (!UriValidator.IsValid(m.Topic, UriCheck))
        {
            if (ack) session.Send(Realm.Error(WampMessageType.Publish, m.RequestId, WampErrors.InvalidUri, $"publish with invalid topic URI '{m.Topic}' (uri check {UriCheck})"));
            return;
        }
        if (UriValidator.IsReserved(m.Topic))
        {
            if (ack) session.Send(Realm.Error(WampMessageType.Publish, m.RequestId, WampErrors.InvalidUri, $"publish to reserved topic URI '{m.Topic}'"));
            return;
        }
        var auth = realm.Authorizer.Authorize(session.AuthRole, WampAction.Publish, m.Topic);
        if (!auth.Allowed)
        {
            if (ack) session.Send(Realm.Error(WampMessageType.Publish, m.RequestId, WampErrors.NotAuthorized, $"session is not authorized to publish to topic '{m.Topic}'"));
            return;
        }

        long publication = WampIds.NewGlobalId(); // publication ids are global scope: random
        // Publisher identification: disclose_me, or the role permission's disclose.publisher.
        bool disclose = auth.Disclose || m.Options.GetBool("disclose_me");
        Deliver(session, m.Topic, publication, m.Options, disclose, m.Arguments, m.ArgumentsKw);
        if (ack) session.Send(new PublishedMessage(m.RequestId, publication));
    }

    /// <summary>Router-originated event (meta events): no publisher, no filters.</summary>
    public void PublishFromRouter(string topic, IReadOnlyList<object?> arguments)
        => Deliver(null, topic, WampIds.NewGlobalId(), null, false, arguments, null);

    private void Deliver(RouterSession? publisher, string topic, long publication, IReadOnlyDictionary<string, object?>? options,
        bool disclose, IReadOnlyList<object?>? arguments, IReadOnlyDictionary<string, object?>? argumentsKw)
    {
        var filter = options is null ? null : new ReceiverFilter(publisher, options);
        if (_byUri.TryGetValue((topic, MatchPolicy.Exact), out var exact))
            DeliverTo(exact, publisher, topic, publication, filter, disclose, arguments, argumentsKw);
        foreach (var sub in _patterns)
        {
            // Pattern-based subscriptions: an event is delivered once per matching subscription.
            bool matches = sub.Match == MatchPolicy.Prefix ? UriMatcher.PrefixMatches(sub.Uri, topic) : UriMatcher.WildcardMatches(sub.Uri, topic);
            if (matches) DeliverTo(sub, publisher, topic, publication, filter, disclose, arguments, argumentsKw);
        }
    }

    private static void DeliverTo(Subscription sub, RouterSession? publisher, string topic, long publication, ReceiverFilter? filter,
        bool disclose, IReadOnlyList<object?>? arguments, IReadOnlyDictionary<string, object?>? argumentsKw)
    {
        // The EVENT is built once per subscription and the same object is queued to every receiver, so a
        // serializer's encode cache encodes it once per serializer.
        EventMessage? ev = null;
        foreach (var subscriber in sub.Subscribers)
        {
            if (filter is not null && !filter.Accepts(subscriber)) continue;
            if (ev is null)
            {
                var details = new Dictionary<string, object?>();
                // Pattern-based subscriptions: EVENT.Details.topic carries the concrete topic.
                if (sub.Match != MatchPolicy.Exact) details["topic"] = topic;
                if (disclose && publisher is not null)
                {
                    details["publisher"] = publisher.Id;
                    details["publisher_authid"] = publisher.AuthId;
                    details["publisher_authrole"] = publisher.AuthRole;
                }
                ev = new EventMessage(sub.Id, publication, details, arguments, argumentsKw);
            }
            subscriber.Send(ev);
        }
    }

    /// <summary>Publisher exclusion and subscriber black/white-listing (advanced pubsub).</summary>
    private sealed class ReceiverFilter
    {
        private readonly RouterSession? _excludedPublisher;
        private readonly HashSet<long>? _exclude, _eligible;
        private readonly HashSet<string>? _excludeAuthId, _eligibleAuthId, _excludeAuthRole, _eligibleAuthRole;

        public ReceiverFilter(RouterSession? publisher, IReadOnlyDictionary<string, object?> options)
        {
            // Publisher exclusion: exclude_me defaults to true.
            if (options.GetBool("exclude_me", true)) _excludedPublisher = publisher;
            _exclude = ToSet(options.GetInt64List("exclude"));
            _eligible = ToSet(options.GetInt64List("eligible"));
            _excludeAuthId = ToSet(options.GetStringList("exclude_authid"));
            _eligibleAuthId = ToSet(options.GetStringList("eligible_authid"));
            _excludeAuthRole = ToSet(options.GetStringList("exclude_authrole"));
            _eligibleAuthRole = ToSet(options.GetStringList("eligible_authrole"));
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

    public void RemoveSession(RouterSession session)
    {
        foreach (var sub in session.Subscriptions.ToList()) Detach(session, sub);
    }

    private void Detach(RouterSession session, Subscription sub)
    {
        sub.Subscribers.Remove(session);
        session.Subscriptions.Remove(sub);
        realm.Meta?.OnUnsubscribe(session, sub);
        if (sub.Subscribers.Count == 0)
        {
            _byUri.Remove((sub.Uri, sub.Match));
            _byId.Remove(sub.Id);
            if (sub.Match != MatchPolicy.Exact) _patterns.Remove(sub);
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

    public Subscription? Lookup(string topic, MatchPolicy match) => _byUri.GetValueOrDefault((topic, match));

    public List<Subscription> Match(string topic)
    {
        var result = new List<Subscription>();
        if (_byUri.TryGetValue((topic, MatchPolicy.Exact), out var exact)) result.Add(exact);
        foreach (var sub in _patterns)
        {
            bool matches = sub.Match == MatchPolicy.Prefix ? UriMatcher.PrefixMatches(sub.Uri, topic) : UriMatcher.WildcardMatches(sub.Uri, topic);
            if (matches) result.Add(sub);
        }
        return result;
    }
}
