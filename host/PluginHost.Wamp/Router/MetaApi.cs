using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Router;

/// <summary>
/// The WAMP meta API of one realm (advanced: session, registration and subscription meta API):
/// procedures answered in the realm loop as router-owned registrations, and meta events published
/// by the router itself. Shapes follow the wamp-proto spec. Runs only on the realm loop.
///
/// As Crossbar does, registration/subscription meta events are not published for "wamp." URIs
/// (subscribing to a meta topic does not itself raise meta events).
/// </summary>
internal sealed class MetaApi
{
    private readonly Realm _realm;
    private readonly Dictionary<string, Func<RouterSession, CallMessage, IReadOnlyList<object?>>> _procedures;
    private readonly Testaments _testaments;

    public MetaApi(Realm realm)
    {
        _realm = realm;
        _testaments = new Testaments(realm);
        _procedures = new(StringComparer.Ordinal)
        {
            ["wamp.session.count"] = SessionCount,
            ["wamp.session.list"] = SessionList,
            ["wamp.session.get"] = SessionGet,
            ["wamp.session.kill"] = SessionKill,
            ["wamp.session.kill_by_authid"] = (s, c) => KillWhere(s, c, "authid", x => x.AuthId),
            ["wamp.session.kill_by_authrole"] = (s, c) => KillWhere(s, c, "authrole", x => x.AuthRole),
            ["wamp.session.kill_all"] = KillAll,
            // Testament meta API (Testaments.cs).
            ["wamp.session.add_testament"] = _testaments.Add,
            ["wamp.session.flush_testaments"] = _testaments.Flush,
            ["wamp.registration.list"] = (_, _) => [Lists(_realm.Dealer.All.Select(r => (r.Id, r.Match)))],
            ["wamp.registration.lookup"] = RegistrationLookup,
            ["wamp.registration.match"] = (_, c) => [_realm.Dealer.Match(UriArg(c, 0))?.Id],
            ["wamp.registration.get"] = (_, c) => [RegistrationDetails(GetRegistration(c))],
            ["wamp.registration.list_callees"] = (_, c) => [GetRegistration(c).Callees.Select(e => (object?)e.Session.Id).ToList()],
            ["wamp.registration.count_callees"] = (_, c) => [(long)GetRegistration(c).Callees.Count],
            ["wamp.registration.remove_callee"] = RemoveCallee,
            ["wamp.subscription.list"] = (_, _) => [Lists(AllSubscriptions().Select(s => (s.Id, s.Match)))],
            ["wamp.subscription.lookup"] = SubscriptionLookup,
            ["wamp.subscription.match"] = SubscriptionMatch,
            ["wamp.subscription.get"] = (_, c) => [SubscriptionDetails(GetSubscription(c))],
            ["wamp.subscription.list_subscribers"] = (_, c) => [GetSubscription(c).Subscribers.Select(id => (object?)id).ToList()],
            ["wamp.subscription.count_subscribers"] = (_, c) => [(long)GetSubscription(c).Subscribers.Count],
            ["wamp.subscription.remove_subscriber"] = RemoveSubscriber,
            // Event history (EventHistory.cs).
            ["wamp.subscription.get_events"] = (s, c) => [EventHistory.GetEvents(_realm, s, c)],
        };
    }

    public IEnumerable<string> Procedures => _procedures.Keys;

    public bool IsProcedure(string procedure) => _procedures.ContainsKey(procedure);

    /// <summary>Answers a CALL to a meta procedure with RESULT or ERROR. False when the procedure is not a meta procedure.</summary>
    public bool TryHandleCall(RouterSession caller, CallMessage call)
    {
        if (!_procedures.TryGetValue(call.Procedure, out var procedure)) return false;
        IReadOnlyList<object?> result;
        try
        {
            result = procedure(caller, call);
        }
        catch (MetaError e)
        {
            caller.Send(Realm.Error(WampMessageType.Call, call.RequestId, e.Uri, e.Message));
            return true;
        }
        caller.Send(new ResultMessage(call.RequestId, new Dictionary<string, object?>(), result));
        return true;
    }

    /// <summary>A meta procedure's ERROR reply (thrown by the procedure, answered by TryHandleCall).</summary>
    internal sealed class MetaError(string uri, string message) : Exception(message)
    {
        public string Uri { get; } = uri;
    }

    // ----- session meta procedures -----

    /// <summary>The realm's sessions as (id, authid, authrole): this node's, and in a cluster the other nodes' too.</summary>
    private IEnumerable<(long Id, string AuthId, string AuthRole)> AllSessions()
    {
        foreach (var s in _realm.Sessions.Values) yield return (s.Id, s.AuthId, s.AuthRole);
        if (_realm.Cluster is { } cluster)
            foreach (var (id, entry) in cluster.RemoteSessions) yield return (id, entry.AuthId, entry.AuthRole);
    }

    private IEnumerable<(long Id, string AuthId, string AuthRole)> Filtered(CallMessage c)
    {
        // Optional positional filter_authroles|list[string].
        var filter = c.Arguments is { Count: > 0 } && c.Arguments[0] is System.Collections.IEnumerable e && c.Arguments[0] is not string
            ? e.Cast<object?>().OfType<string>().ToHashSet()
            : null;
        return filter is null ? AllSessions() : AllSessions().Where(s => filter.Contains(s.AuthRole));
    }

    private IReadOnlyList<object?> SessionCount(RouterSession caller, CallMessage c) => [(long)Filtered(c).Count()];

    private IReadOnlyList<object?> SessionList(RouterSession caller, CallMessage c) => [Filtered(c).Select(s => (object?)s.Id).ToList()];

    private IReadOnlyList<object?> SessionGet(RouterSession caller, CallMessage c)
    {
        var id = IdArg(c, 0);
        if (_realm.Sessions.TryGetValue(id, out var session)) return [SessionDetails(session)];
        if (_realm.Cluster?.RemoteSessions.GetValueOrDefault(id) is { } remote) return [remote.Details(id)];
        throw new MetaError(WampErrors.NoSuchSession, $"no session {id} on this realm");
    }

    private IReadOnlyList<object?> SessionKill(RouterSession caller, CallMessage c)
    {
        var id = IdArg(c, 0);
        var (reason, message) = KillKwargs(c);
        // The caller may not kill itself: its own id is "no such (other) session".
        if (id == caller.Id || !AllSessions().Any(s => s.Id == id))
            throw new MetaError(WampErrors.NoSuchSession, $"no other session {id} on this realm");
        Kill(id, reason, message);
        return [];
    }

    /// <summary>Ends a session of this node, or has its own node end it (cluster).</summary>
    private void Kill(long id, string reason, string? message)
    {
        if (_realm.Sessions.TryGetValue(id, out var local)) _realm.Kill(local, reason, message);
        else _realm.Cluster?.Kill(id, reason, message);
    }

    private IReadOnlyList<object?> KillWhere(RouterSession caller, CallMessage c, string what, Func<(long Id, string AuthId, string AuthRole), string> key)
    {
        if (c.Arguments is not { Count: > 0 } || c.Arguments[0] is not string value)
            throw new MetaError(WampErrors.InvalidArgument, $"expected {what}|string as the first argument");
        var (reason, message) = KillKwargs(c);
        var targets = AllSessions().Where(s => s.Id != caller.Id && key(s) == value).Select(s => s.Id).ToList();
        foreach (var target in targets) Kill(target, reason, message);
        return [(long)targets.Count];
    }

    private IReadOnlyList<object?> KillAll(RouterSession caller, CallMessage c)
    {
        var (reason, message) = KillKwargs(c);
        var targets = AllSessions().Where(s => s.Id != caller.Id).Select(s => s.Id).ToList();
        foreach (var target in targets) Kill(target, reason, message);
        return [(long)targets.Count];
    }

    private static (string Reason, string? Message) KillKwargs(CallMessage c)
    {
        string reason = WampCloseReasons.Normal; // spec default
        string? message = null;
        if (c.ArgumentsKw is { } kw)
        {
            if (kw.TryGetValue("reason", out var r) && r is not null)
            {
                if (r is not string rs || !UriValidator.IsValid(rs, UriCheckMode.Loose))
                    throw new MetaError(WampErrors.InvalidUri, "reason must be a valid non-empty URI");
                reason = rs;
            }
            message = kw.GetString("message");
        }
        return (reason, message);
    }

    internal static Dictionary<string, object?> SessionDetails(RouterSession s) => new()
    {
        ["session"] = s.Id,
        ["authid"] = s.AuthId,
        ["authrole"] = s.AuthRole,
        ["authmethod"] = s.AuthMethod,
        ["authprovider"] = s.AuthProvider,
        ["transport"] = s.Transport.ToDict(),
    };

    // ----- registration / subscription meta procedures -----

    private static Dictionary<string, object?> Lists(IEnumerable<(long Id, UriMatch Match)> items)
    {
        var exact = new List<object?>();
        var prefix = new List<object?>();
        var wildcard = new List<object?>();
        foreach (var (id, match) in items)
            (match == UriMatch.Prefix ? prefix : match == UriMatch.Wildcard ? wildcard : exact).Add(id);
        return new Dictionary<string, object?> { ["exact"] = exact, ["prefix"] = prefix, ["wildcard"] = wildcard };
    }

    private IReadOnlyList<object?> RegistrationLookup(RouterSession caller, CallMessage c)
        => [_realm.Dealer.Lookup(UriArg(c, 0), MatchOption(c))?.Id];

    private IReadOnlyList<object?> SubscriptionLookup(RouterSession caller, CallMessage c)
    {
        var (uri, match) = (UriArg(c, 0), MatchOption(c));
        return [AllSubscriptions().FirstOrDefault(s => s.Uri == uri && s.Match == match)?.Id];
    }

    private IReadOnlyList<object?> SubscriptionMatch(RouterSession caller, CallMessage c)
    {
        var topic = UriArg(c, 0);
        var matches = AllSubscriptions().Where(s => s.Match switch
        {
            UriMatch.Prefix => UriMatcher.PrefixMatches(s.Uri, topic),
            UriMatch.Wildcard => UriMatcher.WildcardMatches(s.Uri, topic),
            _ => s.Uri == topic,
        }).ToList();
        // Nullable list: null when nothing matches.
        return [matches.Count == 0 ? null : matches.Select(s => (object?)s.Id).ToList()];
    }

    /// <summary>A subscription as the meta API tells of it: this node's subscribers and, in a cluster, the other nodes'.</summary>
    private sealed record SubscriptionView(long Id, string Uri, UriMatch Match, string Created, List<long> Subscribers);

    /// <summary>The realm's subscriptions: this node's, merged (by id, the same on every node) with the other nodes'.</summary>
    private List<SubscriptionView> AllSubscriptions()
    {
        var views = _realm.Broker.All.Select(s => new SubscriptionView(s.Id, s.Uri, s.Match, s.Created, s.Subscribers.Select(x => x.Id).ToList()))
            .ToDictionary(v => v.Id);
        if (_realm.Cluster is { } cluster)
            foreach (var (id, remote) in cluster.RemoteSubscriptions)
            {
                if (views.TryGetValue(id, out var local)) local.Subscribers.AddRange(remote.Subscribers.Keys);
                else views[id] = new SubscriptionView(id, remote.Uri, remote.Match, remote.Created, [.. remote.Subscribers.Keys]);
            }
        return [.. views.Values];
    }

    private Registration GetRegistration(CallMessage c)
    {
        var id = IdArg(c, 0);
        return _realm.Dealer.Get(id) ?? throw new MetaError(WampErrors.NoSuchRegistration, $"no registration {id} on this realm");
    }

    private SubscriptionView GetSubscription(CallMessage c)
    {
        var id = IdArg(c, 0);
        return AllSubscriptions().FirstOrDefault(s => s.Id == id) ?? throw new MetaError(WampErrors.NoSuchSubscription, $"no subscription {id} on this realm");
    }

    // ----- revocation: wamp.registration.remove_callee, wamp.subscription.remove_subscriber -----
    //
    // Arguments as Crossbar's: (registration_id|subscription_id, callee_id|subscriber_id, reason=None), positional or
    // keyword. Checks in Crossbar's order: the session (wamp.error.no_such_session), then the registration/subscription
    // (no_such_registration/no_such_subscription), then that the session is attached to it (the same no_such_* error).
    // Empty result. The caller may remove itself.

    private IReadOnlyList<object?> RemoveCallee(RouterSession caller, CallMessage c)
    {
        var regId = IdParam(c, 0, "registration_id");
        // A callee of another node (cluster) is one here too: its removal goes on to its node (RealmCluster.cs). A session of
        // another node that is no callee here exists all the same: then the registration is what is missing.
        var calleeId = IdParam(c, 1, "callee_id");
        var session = _realm.Cluster?.RemoteCallee(calleeId)
                      ?? (_realm.Cluster?.RemoteSessions.ContainsKey(calleeId) == true ? null : SessionParam(c, 1, "callee_id"));
        var reason = RevocationReason(c);
        var reg = _realm.Dealer.Get(regId) ?? throw new MetaError(WampErrors.NoSuchRegistration, $"no registration {regId} on this realm");
        if (session is null || !reg.Callees.Any(e => e.Session == session))
            throw new MetaError(WampErrors.NoSuchRegistration, $"session {calleeId} is not registered on registration {regId}");
        _realm.Dealer.RemoveCallee(reg, session, reason);
        return [];
    }

    private IReadOnlyList<object?> RemoveSubscriber(RouterSession caller, CallMessage c)
    {
        var subId = IdParam(c, 0, "subscription_id");
        var subscriberId = IdParam(c, 1, "subscriber_id");
        if (!_realm.Sessions.ContainsKey(subscriberId) && _realm.Cluster?.RemoteSessions.ContainsKey(subscriberId) == true)
            return RemoveRemoteSubscriber(subId, subscriberId, RevocationReason(c));
        var session = SessionParam(c, 1, "subscriber_id");
        var reason = RevocationReason(c);
        var sub = _realm.Broker.Get(subId) ?? throw new MetaError(WampErrors.NoSuchSubscription, $"no subscription {subId} on this realm");
        if (!sub.Subscribers.Contains(session))
            throw new MetaError(WampErrors.NoSuchSubscription, $"session {session.Id} is not subscribed on subscription {subId}");
        _realm.Broker.RemoveSubscriber(sub, session, reason);
        return [];
    }

    /// <summary>remove_subscriber of another node's subscriber (cluster): checked against the merged view, revoked by its node.</summary>
    private IReadOnlyList<object?> RemoveRemoteSubscriber(long subId, long subscriber, string? reason)
    {
        if (_realm.Cluster?.RemoteSubscriptions.GetValueOrDefault(subId) is not { } remote || !remote.Subscribers.ContainsKey(subscriber))
            throw new MetaError(WampErrors.NoSuchSubscription, $"session {subscriber} is not subscribed on subscription {subId}");
        _realm.Cluster.RemoveSubscriber(subId, subscriber, reason);
        return [];
    }

    private RouterSession SessionParam(CallMessage c, int index, string name)
    {
        var id = IdParam(c, index, name);
        return _realm.Sessions.TryGetValue(id, out var session) ? session : throw new MetaError(WampErrors.NoSuchSession, $"no session {id} on this realm");
    }

    /// <summary>An id as positional argument <paramref name="index"/> or keyword argument <paramref name="name"/> (Crossbar's parameter name).</summary>
    private static long IdParam(CallMessage c, int index, string name)
    {
        object? v = c.Arguments is { } args && args.Count > index ? args[index] : c.ArgumentsKw?.GetValueOrDefault(name);
        if (v is not bool && WampValue.AsInt64(v) is long id) return id;
        throw new MetaError(WampErrors.InvalidArgument, $"expected {name}|id as argument {index + 1}");
    }

    /// <summary>
    /// The optional reason (third argument or keyword "reason"). The spec types Details.reason as a string; it must be a URI here,
    /// as for wamp.session.kill: Autobahn (Python) parses Details.reason of UNREGISTERED/UNSUBSCRIBED as a URI and treats anything
    /// else as a protocol error, so a free text would make the revoked client drop its connection.
    /// </summary>
    private static string? RevocationReason(CallMessage c)
    {
        object? r = c.Arguments is { Count: > 2 } args ? args[2] : c.ArgumentsKw?.GetValueOrDefault("reason");
        if (r is null) return null;
        if (r is not string reason || !UriValidator.IsValid(reason, UriCheckMode.Loose))
            throw new MetaError(WampErrors.InvalidUri, "reason must be a valid URI");
        return reason;
    }

    private static Dictionary<string, object?> RegistrationDetails(Registration r) => new()
    {
        ["id"] = r.Id,
        ["created"] = r.Created,
        ["uri"] = r.Uri,
        ["match"] = WampOptionNames.Of(r.Match),
        ["invoke"] = WampOptionNames.Of(r.Invoke),
    };

    private static Dictionary<string, object?> SubscriptionDetails(SubscriptionView s) => new()
    {
        ["id"] = s.Id,
        ["created"] = s.Created,
        ["uri"] = s.Uri,
        ["match"] = WampOptionNames.Of(s.Match),
    };

    private static long IdArg(CallMessage c, int index)
    {
        if (c.Arguments is { } args && args.Count > index && WampValue.AsInt64(args[index]) is long id) return id;
        throw new MetaError(WampErrors.InvalidArgument, $"expected an id as argument {index + 1}");
    }

    private static string UriArg(CallMessage c, int index)
    {
        if (c.Arguments is { } args && args.Count > index && args[index] is string uri) return uri;
        throw new MetaError(WampErrors.InvalidArgument, $"expected a URI as argument {index + 1}");
    }

    private static UriMatch MatchOption(CallMessage c)
    {
        if (c.Arguments is { Count: > 1 } args && args[1] is IReadOnlyDictionary<string, object?> options)
        {
            if (!WampOptionNames.TryParseMatch(options, out var match)) throw new MetaError(WampErrors.InvalidArgument, "invalid match policy");
            return match;
        }
        return UriMatch.Exact;
    }

    // ----- meta events -----

    // Every session's join and leave: their arguments are made only when some subscription could receive them.
    public void OnJoin(RouterSession s)
    {
        if (_realm.Broker.MayDeliver(OnJoinTopic)) Publish(OnJoinTopic, [SessionDetails(s)]);
    }

    public void OnLeave(RouterSession s)
    {
        if (_realm.Broker.MayDeliver(OnLeaveTopic)) Publish(OnLeaveTopic, [s.Id, s.AuthId, s.AuthRole]);
    }

    private const string OnJoinTopic = "wamp.session.on_join", OnLeaveTopic = "wamp.session.on_leave";

    /// <summary>Testament meta API: the leaving session's testaments are published (before wamp.session.on_leave, as Crossbar).</summary>
    public void PublishTestaments(RouterSession s) => _testaments.PublishOnLeave(s);

    public void OnRegistrationCreate(RouterSession s, Registration r)
    {
        if (!Reserved(r.Uri)) Publish("wamp.registration.on_create", [s.Id, RegistrationDetails(r)]);
    }

    public void OnRegister(RouterSession s, Registration r)
    {
        if (!Reserved(r.Uri)) Publish("wamp.registration.on_register", [s.Id, r.Id]);
    }

    public void OnUnregister(RouterSession s, Registration r)
    {
        if (!Reserved(r.Uri)) Publish("wamp.registration.on_unregister", [s.Id, r.Id]);
    }

    public void OnRegistrationDelete(RouterSession s, Registration r)
    {
        if (!Reserved(r.Uri)) Publish("wamp.registration.on_delete", [s.Id, r.Id]);
    }

    public void OnSubscriptionCreate(RouterSession s, Subscription sub)
    {
        if (!Reserved(sub.Uri)) Publish("wamp.subscription.on_create", [s.Id, SubscriptionDetails(new SubscriptionView(sub.Id, sub.Uri, sub.Match, sub.Created, []))]);
    }

    public void OnSubscribe(RouterSession s, Subscription sub)
    {
        if (!Reserved(sub.Uri)) Publish("wamp.subscription.on_subscribe", [s.Id, sub.Id]);
    }

    public void OnUnsubscribe(RouterSession s, Subscription sub)
    {
        if (!Reserved(sub.Uri)) Publish("wamp.subscription.on_unsubscribe", [s.Id, sub.Id]);
    }

    public void OnSubscriptionDelete(RouterSession s, Subscription sub)
    {
        if (!Reserved(sub.Uri)) Publish("wamp.subscription.on_delete", [s.Id, sub.Id]);
    }

    private static bool Reserved(string uri) => UriValidator.IsReserved(uri);

    private void Publish(string topic, IReadOnlyList<object?> args) => _realm.Broker.PublishFromRouter(topic, args);
}
