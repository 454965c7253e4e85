using System.Text.Json;
using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Router.Cluster;

/// <summary>Something from the cluster for a realm's loop (RealmCluster.Handle).</summary>
internal abstract class ClusterCommand : RealmCommand;

internal sealed class RemotePublicationCommand(PublishMessage publication) : ClusterCommand
{
    public PublishMessage Publication { get; } = publication;
}

internal sealed class EnvelopeCommand(Envelope envelope) : ClusterCommand
{
    public Envelope Envelope { get; } = envelope;
}

/// <summary>Another node's registry entry appeared (<see cref="Entry"/> set) or went (null).</summary>
internal sealed class RegistryCommand(RegistryKey key, RegistryEntry? entry) : ClusterCommand
{
    public RegistryKey Key { get; } = key;
    public RegistryEntry? Entry { get; } = entry;
}

/// <summary>Another node's session joined (<see cref="Entry"/> set) or left (null).</summary>
internal sealed class SessionEntryCommand(RegistryKey key, SessionEntry? entry) : ClusterCommand
{
    public RegistryKey Key { get; } = key;
    public SessionEntry? Entry { get; } = entry;
}

/// <summary>NATS answered no-responders to an INVOCATION relayed to <see cref="Session"/>'s node: nobody got it.</summary>
internal sealed class InvocationLostCommand(long session, long invocation) : ClusterCommand
{
    public long Session { get; } = session;
    public long Invocation { get; } = invocation;
}

internal sealed class NodeGoneCommand(string node) : ClusterCommand
{
    public string Node { get; } = node;
}

/// <summary>A session's registry entry is stored: its WELCOME (and on_join) may go.</summary>
internal sealed class SessionAnnouncedCommand(RouterSession session, WelcomeMessage welcome) : ClusterCommand
{
    public RouterSession Session { get; } = session;
    public WelcomeMessage Welcome { get; } = welcome;
}

/// <summary>Another node claimed the single registration first: the REGISTER is answered procedure_already_exists after all.</summary>
internal sealed class RegistrationRefusedCommand(RouterSession session, Registration registration, long requestId) : ClusterCommand
{
    public RouterSession Session { get; } = session;
    public Registration Registration { get; } = registration;
    public long RequestId { get; } = requestId;
}

/// <summary>A sync marker from <see cref="Node"/> for the sync <see cref="Id"/> of this node: it has routed all it published before.</summary>
internal sealed class SyncMarkerCommand(long id, string node) : ClusterCommand
{
    public long Id { get; } = id;
    public string Node { get; } = node;
}

/// <summary>A sync took too long (a node died meanwhile): what waited for it goes on.</summary>
internal sealed class SyncTimeoutCommand(long id) : ClusterCommand
{
    public long Id { get; } = id;
}

/// <summary>Another node's <see cref="EnvelopeKind.LoopBarrier"/>: answered (to <see cref="ReplyTo"/>) when the loop gets here.</summary>
internal sealed class LoopBarrierCommand(string replyTo) : ClusterCommand
{
    public string ReplyTo { get; } = replyTo;
}

/// <summary>NATS is away, or the registry is being watched afresh: every remote callee goes.</summary>
internal sealed class ForgetRemoteCommand : ClusterCommand;

/// <summary>The catch-up barrier of a REGISTER, or of a CALL that found no callee, is over: it is routed again (then answered).</summary>
internal sealed class CaughtUpCommand(RouterSession session, WampMessage message, DynamicAuthorization.Decided? decided) : ClusterCommand
{
    public RouterSession Session { get; } = session;
    public WampMessage Message { get; } = message;
    public DynamicAuthorization.Decided? Decided { get; } = decided;
}

/// <summary>Another node's session subscribed (<see cref="Entry"/> set) or unsubscribed (null).</summary>
internal sealed class SubscriptionEntryCommand(RegistryKey key, SubscriptionEntry? entry) : ClusterCommand
{
    public RegistryKey Key { get; } = key;
    public SubscriptionEntry? Entry { get; } = entry;
}

/// <summary>A subscriber's registry entry: which subscription (by its id, the same on every node) it holds.</summary>
internal sealed record SubscriptionEntry(string Uri, string Match, string Created);

/// <summary>The other nodes' subscribers of one subscription (loop-owned, RealmCluster).</summary>
internal sealed class RemoteSubscription(string uri, UriMatch match, string created)
{
    public string Uri { get; } = uri;
    public UriMatch Match { get; } = match;
    public string Created { get; } = created;
    /// <summary>Subscriber session ids and their nodes.</summary>
    public Dictionary<long, string> Subscribers { get; } = new();
}

/// <summary>A session's registry entry: what the meta API of every node tells of it (wamp.session.get).</summary>
internal sealed record SessionEntry(string AuthId, string AuthRole, string AuthMethod, string AuthProvider, Dictionary<string, string?> Transport)
{
    public string Node { get; init; } = "";

    public Dictionary<string, object?> Details(long id) => new()
    {
        ["session"] = id,
        ["authid"] = AuthId,
        ["authrole"] = AuthRole,
        ["authmethod"] = AuthMethod,
        ["authprovider"] = AuthProvider,
        ["transport"] = Transport.ToDictionary(kv => kv.Key, kv => (object?)kv.Value),
    };
}

/// <summary>A registry entry's value: what another node needs to route calls to this callee.</summary>
internal sealed record RegistryEntry(string Uri, string Match, string Invoke, bool DiscloseCaller, string AuthId, string AuthRole,
    bool CallCanceling, bool ProgressiveCallInvocations, bool PayloadPassthru);

/// <summary>
/// One shared realm's part of the cluster (design: ClusterNode.cs). Loop-owned, like the dealer and broker it feeds:
/// the On*Async entry points run on NATS reader tasks and only post commands; everything else runs on the realm loop.
/// It owns:
///   - the sessions of other nodes that are callees here (_remote, by session id: session ids are random 53-bit
///     numbers, unique across the cluster in practice), each a RouterSession whose transport sends to its node
///     (ClusterConnection), and which registry entries made them (_imported);
///   - the invocations other nodes routed to this node's callees (_relayed): each gets an invocation id of the
///     callee's own sequence here, and its answers go back under the id its caller's node gave it;
///   - the CALLs waiting for the catch-up barrier (_waiting), with the messages their sessions sent after them;
///   - the other nodes' sessions (_sessions), for the meta API's view of the whole realm;
///   - other nodes' registrations that conflicted with one here (_conflicting), tried again when that one changes.
/// </summary>
internal sealed class RealmCluster(Realm realm, ClusterNode node)
{
    private static readonly TimeSpan CatchUpLimit = ClusterNode.CatchUpLimit;

    private readonly Dictionary<long, RouterSession> _remote = new();
    private readonly Dictionary<RegistryKey, (RouterSession Proxy, string Uri, UriMatch Match)> _imported = new();
    private readonly Dictionary<long, CalleeRelay> _relayed = new(); // by local callee session id
    private readonly Dictionary<long, Queue<WampMessage>> _waiting = new();
    private readonly Dictionary<long, SessionEntry> _sessions = new();
    private readonly Dictionary<long, RemoteSubscription> _subscriptions = new(); // by subscription id
    private readonly Dictionary<RegistryKey, RegistryEntry> _conflicting = new();
    private WampMessage? _retrying;

    /// <summary>The realm's name as a subject token and registry key part.</summary>
    public string Key { get; } = ClusterNode.Sanitize(realm.Name);

    /// <summary>This realm's publication subject (immutable: read by the NATS reader tasks too).</summary>
    private readonly string _publications = node.PublicationSubject(ClusterNode.Sanitize(realm.Name));

    /// <summary>Loop-owned: each other node's subject for this realm, built once (calls and their answers use it per message).</summary>
    private readonly Dictionary<string, string> _nodeSubjects = new(StringComparer.Ordinal);

    /// <summary>The reply subject prefix of the INVOCATIONs relayed from here (ClusterNode.LostSubject).</summary>
    private readonly string _lostPrefix = node.LostSubject(ClusterNode.Sanitize(realm.Name));

    private string NodeSubject(string other)
        => _nodeSubjects.TryGetValue(other, out var subject) ? subject : _nodeSubjects[other] = node.NodeSubject(Key, other);

    public string Name => realm.Name;

    public ClusterNode Node => node;

    // ----- from NATS (reader tasks): decode off the loop, post in order -----

    public ValueTask OnPublicationAsync(byte[] data)
    {
        var publication = ClusterEnvelope.DecodePublication(data);
        if (publication.Topic != ClusterEnvelope.SyncTopic) return PostAsync(new RemotePublicationCommand(publication));
        // A sync marker: only for the node that asked.
        return publication.Options.GetString(ClusterEnvelope.SyncToKey) == node.NodeId && publication.Options.GetString(ClusterEnvelope.SyncFromKey) is { } from
            ? PostAsync(new SyncMarkerCommand(publication.RequestId, from))
            : ValueTask.CompletedTask;
    }

    public ValueTask OnEnvelopeAsync(byte[] data, string? replyTo)
    {
        var envelope = ClusterEnvelope.Decode(data);
        if (envelope.Kind == EnvelopeKind.LoopBarrier) return replyTo is null ? ValueTask.CompletedTask : PostAsync(new LoopBarrierCommand(replyTo));
        if (envelope.Kind != EnvelopeKind.SyncRequest) return PostAsync(new EnvelopeCommand(envelope));
        // Answered right here, off the loop: every publication this node acknowledged is in its outbox already (the loop
        // forwards before it sends PUBLISHED), so the marker queued now goes out behind all of them, on the same subject.
        var options = new Dictionary<string, object?> { [ClusterEnvelope.SyncToKey] = envelope.FromNode, [ClusterEnvelope.SyncFromKey] = node.NodeId };
        node.Send(_publications, ClusterEnvelope.EncodePublication(ClusterEnvelope.SyncTopic, envelope.Session, options, null, null, null));
        return ValueTask.CompletedTask;
    }

    public ValueTask OnRemoteRegistrationAsync(RegistryKey key, byte[] value)
        => key.IsSession ? PostAsync(new SessionEntryCommand(key, JsonSerializer.Deserialize<SessionEntry>(value)! with { Node = key.Node }))
            : key.IsSubscription ? PostAsync(new SubscriptionEntryCommand(key, JsonSerializer.Deserialize<SubscriptionEntry>(value)))
            : PostAsync(new RegistryCommand(key, JsonSerializer.Deserialize<RegistryEntry>(value)));

    public ValueTask OnRemoteUnregistrationAsync(RegistryKey key)
        => key.IsSession ? PostAsync(new SessionEntryCommand(key, null))
            : key.IsSubscription ? PostAsync(new SubscriptionEntryCommand(key, null))
            : PostAsync(new RegistryCommand(key, null));

    public ValueTask OnNodeGoneAsync(string gone) => PostAsync(new NodeGoneCommand(gone));

    public ValueTask ForgetRemoteCalleesAsync() => PostAsync(new ForgetRemoteCommand());

    public ValueTask OnInvocationLostAsync(long session, long invocation) => PostAsync(new InvocationLostCommand(session, invocation));

    private async ValueTask PostAsync(ClusterCommand command) => await realm.PostAsync(command).ConfigureAwait(false);

    // ----- in the loop -----

    public void Handle(ClusterCommand command)
    {
        switch (command)
        {
            case RemotePublicationCommand p:
                realm.Broker.DeliverRemote(p.Publication);
                break;
            case LoopBarrierCommand b:
                node.Send(b.ReplyTo, [1]); // everything the asking node sent before is handled
                break;
            case EnvelopeCommand { Envelope: { Kind: EnvelopeKind.ToSession } e }:
                ToLocalSession(e);
                break;
            case EnvelopeCommand { Envelope: { Kind: EnvelopeKind.FromSession } e }:
                FromRemoteSession(e);
                break;
            case InvocationLostCommand l:
                InvocationLost(l);
                break;
            case RegistryCommand { Entry: { } entry } r:
                Import(r.Key, entry);
                break;
            case RegistryCommand r:
                _conflicting.Remove(r.Key);
                Unimport(r.Key);
                break;
            case SessionEntryCommand { Entry: { } entry } j:
                _sessions[j.Key.Session] = entry;
                break;
            case SessionEntryCommand l:
                _sessions.Remove(l.Key.Session);
                break;
            case SubscriptionEntryCommand { Entry: { } entry } subscribed:
                if (!WampOptionNames.TryParse(entry.Match, out UriMatch match)) break;
                if (!_subscriptions.TryGetValue(subscribed.Key.Subscription, out var remote))
                    _subscriptions[subscribed.Key.Subscription] = remote = new RemoteSubscription(entry.Uri, match, entry.Created);
                remote.Subscribers[subscribed.Key.Session] = subscribed.Key.Node;
                break;
            case SubscriptionEntryCommand unsubscribed:
                if (_subscriptions.TryGetValue(unsubscribed.Key.Subscription, out var held) && held.Subscribers.Remove(unsubscribed.Key.Session)
                    && held.Subscribers.Count == 0)
                    _subscriptions.Remove(unsubscribed.Key.Subscription);
                break;
            case NodeGoneCommand g:
                foreach (var proxy in _remote.Values.Where(p => p.RemoteNode == g.Node).ToList()) RemoveProxy(proxy);
                foreach (var id in _sessions.Where(x => x.Value.Node == g.Node).Select(x => x.Key).ToList()) _sessions.Remove(id);
                foreach (var (id, sub) in _subscriptions.ToList())
                {
                    foreach (var subscriber in sub.Subscribers.Where(x => x.Value == g.Node).Select(x => x.Key).ToList()) sub.Subscribers.Remove(subscriber);
                    if (sub.Subscribers.Count == 0) _subscriptions.Remove(id);
                }
                foreach (var key in _conflicting.Keys.Where(k => k.Node == g.Node).ToList()) _conflicting.Remove(key);
                InterruptRelayedFrom(g.Node);
                _nodeSubjects.Remove(g.Node);
                break;
            case ForgetRemoteCommand:
                foreach (var proxy in _remote.Values.ToList()) RemoveProxy(proxy);
                _sessions.Clear();
                _subscriptions.Clear();
                _conflicting.Clear();
                break;
            case CaughtUpCommand c:
                Resume(c.Session, c.Message, c.Decided);
                break;
            case SyncMarkerCommand m:
                if (_syncs.TryGetValue(m.Id, out var sync) && sync.Missing.Remove(m.Node) && sync.Missing.Count == 0) EndSync(m.Id);
                break;
            case SyncTimeoutCommand t:
                EndSync(t.Id);
                break;
            case SessionAnnouncedCommand a:
                realm.Welcome(a.Session, a.Welcome);
                break;
            case RegistrationRefusedCommand r:
                realm.Dealer.Refuse(r.Session, r.Registration, r.RequestId);
                break;
        }
    }

    /// <summary>A routed publication of this realm goes to every other node (encoded off the loop, by the outbox).</summary>
    public void Forward(string topic, long publication, IReadOnlyDictionary<string, object?> options, IReadOnlyDictionary<string, object?>? details,
        IReadOnlyList<object?>? arguments, IReadOnlyDictionary<string, object?>? argumentsKw)
        => node.Send(_publications, () => ClusterEnvelope.EncodePublication(topic, publication, options, details, arguments, argumentsKw));

    // ----- registrations -----

    private string RegistryKeyOf(RouterSession session, Registration reg) => new RegistryKey(Key, node.NodeId, session.Id, reg.Id).ToString();

    /// <summary>A local callee registered: its entry goes to the registry; REGISTERED follows once NATS has stored it and every other
    /// node has seen it (ClusterNode.AnnounceRegistry).</summary>
    public void Announce(RouterSession session, Registration reg, bool discloseCaller, long requestId, bool forced = false)
    {
        var entry = new RegistryEntry(reg.Uri, WampOptionNames.Of(reg.Match), WampOptionNames.Of(reg.Invoke), discloseCaller, session.AuthId, session.AuthRole,
            session.CalleeCallCanceling, session.CalleeProgressiveCallInvocations, session.CalleePayloadPassthru);
        var registered = new RegisteredMessage(requestId, reg.Id);
        var key = RegistryKeyOf(session, reg);
        var value = JsonSerializer.SerializeToUtf8Bytes(entry);
        Action seen = () => realm.Post(new StoreCommittedCommand(session, registered));
        // force_reregister: the callees it kicked on other nodes were sent their revocation before this; REGISTERED waits
        // until those nodes' loops have handled it too, or a caller there could still reach the old callee after it.
        if (forced) seen = () => _ = Task.Run(async () =>
        {
            await node.LoopsCaughtUpAsync(Key).ConfigureAwait(false);
            realm.Post(new StoreCommittedCommand(session, registered));
        });
        // Single: one callee in the whole cluster, also when two nodes register it at the same moment (the claim decides).
        if (reg.Invoke == InvokePolicy.Single)
            node.AnnounceSingle(key, value, ClusterNode.ClaimKey(Key, reg.Uri, reg.Match), takeOver: forced, seen,
                () => realm.Post(new RegistrationRefusedCommand(session, reg, requestId)));
        else node.AnnounceRegistry(key, value, seen);
    }

    /// <summary>A local callee left a registration: its entry leaves the registry (and what conflicted with it may come in).</summary>
    public void Withdraw(RouterSession session, Registration reg)
    {
        if (reg.Invoke == InvokePolicy.Single) node.WithdrawSingle(RegistryKeyOf(session, reg), ClusterNode.ClaimKey(Key, reg.Uri, reg.Match));
        else node.WriteRegistry(RegistryKeyOf(session, reg), null, null);
        RetryConflicting();
    }

    private string SessionKeyOf(RouterSession session) => new RegistryKey(Key, node.NodeId, session.Id, 0).ToString();

    /// <summary>A local session joined: the other nodes' meta API will count and describe it; its WELCOME goes once that is stored.</summary>
    public void AnnounceSession(RouterSession session, WelcomeMessage welcome)
    {
        var t = session.Transport;
        var entry = new SessionEntry(session.AuthId, session.AuthRole, session.AuthMethod, session.AuthProvider,
            new Dictionary<string, string?> { ["type"] = t.Type, ["serializer"] = t.SerializerName, ["peer"] = t.Peer, ["protocol"] = t.Protocol });
        node.WriteRegistry(SessionKeyOf(session), JsonSerializer.SerializeToUtf8Bytes(entry), () => realm.Post(new SessionAnnouncedCommand(session, welcome)));
    }

    // ----- subscriptions (the meta API's view) -----

    /// <summary>A local session subscribed: the other nodes' meta API will list it under the subscription's id.</summary>
    public void AnnounceSubscription(RouterSession session, Subscription sub)
        => node.WriteRegistry(RegistryKey.ForSubscription(Key, node.NodeId, session.Id, sub.Id).ToString(),
            JsonSerializer.SerializeToUtf8Bytes(new SubscriptionEntry(sub.Uri, WampOptionNames.Of(sub.Match), sub.Created)), null);

    /// <summary>A local session left a subscription.</summary>
    public void WithdrawSubscription(RouterSession session, Subscription sub)
        => node.WriteRegistry(RegistryKey.ForSubscription(Key, node.NodeId, session.Id, sub.Id).ToString(), null, null);

    /// <summary>The other nodes' subscriptions of this realm, by id (the same id on every node that has subscribers of it).</summary>
    public IReadOnlyDictionary<long, RemoteSubscription> RemoteSubscriptions => _subscriptions;

    /// <summary>The id another node gave (uri, match), so that a subscription here takes the same one; null if none.</summary>
    public long? SubscriptionIdOf(string uri, UriMatch match)
        => _subscriptions.FirstOrDefault(x => x.Value.Uri == uri && x.Value.Match == match) is { Value: not null } found ? found.Key : null;

    /// <summary>wamp.subscription.remove_subscriber for another node's subscriber: its node revokes it.</summary>
    public void RemoveSubscriber(long subscription, long subscriber, string? reason)
    {
        if (!_subscriptions.TryGetValue(subscription, out var sub) || !sub.Subscribers.TryGetValue(subscriber, out var owner)) return;
        var details = new Dictionary<string, object?> { ["subscription"] = subscription };
        if (reason is not null) details["reason"] = reason;
        node.Send(NodeSubject(owner), ClusterEnvelope.Encode(EnvelopeKind.ToSession, subscriber, node.NodeId, new UnsubscribedMessage(0, details)));
        sub.Subscribers.Remove(subscriber);
        if (sub.Subscribers.Count == 0) _subscriptions.Remove(subscription);
    }

    // ----- the meta API's view of the other nodes' sessions -----

    /// <summary>The other nodes' sessions of this realm, by id (as their registry entries tell).</summary>
    public IReadOnlyDictionary<long, SessionEntry> RemoteSessions => _sessions;

    /// <summary>The session of another node that is a callee here, if it is one.</summary>
    public RouterSession? RemoteCallee(long id) => _remote.GetValueOrDefault(id);

    /// <summary>wamp.session.kill of another node's session: its node ends it (GOODBYE with the reason), as it would for a local caller.</summary>
    public void Kill(long id, string reason, string? message)
    {
        if (!_sessions.TryGetValue(id, out var entry)) return;
        var details = new Dictionary<string, object?>();
        if (message is not null) details["message"] = message;
        node.Send(NodeSubject(entry.Node), ClusterEnvelope.Encode(EnvelopeKind.ToSession, id, node.NodeId, new GoodbyeMessage(details, reason)));
    }

    private void Import(RegistryKey key, RegistryEntry entry)
    {
        if (_imported.ContainsKey(key)) return;
        if (!WampOptionNames.TryParse(entry.Match, out UriMatch match)
            || !WampOptionNames.TryParseInvoke(new Dictionary<string, object?> { ["invoke"] = entry.Invoke }, out var invoke)) return;
        if (!_remote.TryGetValue(key.Session, out var proxy))
        {
            var connection = new ClusterConnection(node, NodeSubject(key.Node), key.Session, _lostPrefix);
            _remote[key.Session] = proxy = RouterSession.Remote(realm, connection, key.Node, key.Session, entry);
        }
        if (!realm.Dealer.AttachRemote(proxy, entry.Uri, match, invoke, entry.DiscloseCaller, key.Registration))
        {
            // Two nodes raced (or a force_reregister is on its way): tried again when the registration here changes.
            if (_conflicting.TryAdd(key, entry)) node.Log.ClusterRegistrationConflict(realm.Name, entry.Uri, key.Node, entry.Invoke);
            if (!_imported.Values.Any(i => i.Proxy == proxy)) RemoveProxy(proxy);
            return;
        }
        _conflicting.Remove(key);
        _imported[key] = (proxy, entry.Uri, match);
    }

    private void RetryConflicting()
    {
        if (_conflicting.Count == 0) return;
        foreach (var (key, entry) in _conflicting.ToList())
        {
            if (!_conflicting.ContainsKey(key)) continue;
            _conflicting.Remove(key);
            Import(key, entry);
        }
    }

    private void Unimport(RegistryKey key)
    {
        if (!_imported.Remove(key, out var imported)) return;
        realm.Dealer.DetachRemote(imported.Proxy, imported.Uri, imported.Match);
        if (!_imported.Values.Any(i => i.Proxy == imported.Proxy)) RemoveProxy(imported.Proxy);
        RetryConflicting();
    }

    /// <summary>A remote session is gone from here: the calls pending on it fail (the dealer's RemoveSession).</summary>
    private void RemoveProxy(RouterSession proxy)
    {
        _remote.Remove(proxy.Id);
        foreach (var key in _imported.Where(i => i.Value.Proxy == proxy).Select(i => i.Key).ToList()) _imported.Remove(key);
        realm.Dealer.RemoveSession(proxy);
        proxy.CompleteOutbound();
    }

    // ----- calls from other nodes to local callees -----

    private sealed class CalleeRelay
    {
        public Dictionary<long, (string Node, long OriginId)> ByLocal { get; } = new();
        public Dictionary<(string Node, long OriginId), long> ByOrigin { get; } = new();
    }

    private void ToLocalSession(Envelope e)
    {
        realm.Sessions.TryGetValue(e.Session, out var callee);
        switch (e.Message)
        {
            case InvocationMessage inv:
                if (callee is null || callee.Left || !realm.Dealer.IsCalleeOf(callee, inv.Registration))
                {
                    // Gone (or unregistered) since the caller's node looked: it hears so at once.
                    Reply(e.FromNode, e.Session, Realm.Error(WampMessageType.Invocation, inv.RequestId, WampErrors.Canceled,
                        "callee disconnected from in-flight request"));
                    return;
                }
                if (!_relayed.TryGetValue(callee.Id, out var relay)) _relayed[callee.Id] = relay = new CalleeRelay();
                // Progressive call invocations: further INVOCATIONs of a call keep the id its first one got here.
                if (!relay.ByOrigin.TryGetValue((e.FromNode, inv.RequestId), out long id))
                {
                    id = realm.Dealer.NextInvocationId(callee);
                    relay.ByOrigin[(e.FromNode, inv.RequestId)] = id;
                    relay.ByLocal[id] = (e.FromNode, inv.RequestId);
                }
                callee.Send(inv with { RequestId = id });
                break;
            case InterruptMessage interrupt when callee is not null && Local(callee, e.FromNode, interrupt.RequestId) is { } local:
                callee.Send(interrupt with { RequestId = local });
                // killnowait (and timeouts): the caller's node has ended the call; whatever the callee answers is dropped.
                if (interrupt.Options.GetString("mode") != "kill") Forget(callee.Id, local);
                break;
            case ErrorMessage error when callee is not null && Local(callee, e.FromNode, error.RequestId) is { } local:
                callee.Send(error with { RequestId = local });
                Forget(callee.Id, local);
                break;
            case GoodbyeMessage goodbye when callee is not null && !callee.Left:
                // wamp.session.kill (and kill_by_*) on another node for a session of this one.
                realm.Kill(callee, goodbye.Reason, goodbye.Details.GetString("message"));
                break;
            case UnsubscribedMessage { RequestId: 0, Details: { } unsubscribed } when callee is not null
                                                                            && WampValue.AsInt64(unsubscribed.GetValueOrDefault("subscription")) is long subscriptionId
                                                                            && realm.Broker.Get(subscriptionId) is { } sub && sub.Subscribers.Contains(callee):
                // wamp.subscription.remove_subscriber on another node, for a subscriber of this one.
                realm.Broker.RemoveSubscriber(sub, callee, unsubscribed.GetString("reason"));
                break;
            case UnregisteredMessage { RequestId: 0, Details: { } revoked } when callee is not null
                                                                            && WampValue.AsInt64(revoked.GetValueOrDefault("registration")) is long revokedId
                                                                            && realm.Dealer.Get(revokedId) is { } reg && reg.Callees.Any(c => c.Session == callee):
                // wamp.registration.remove_callee or force_reregister on another node, for a callee of this one.
                realm.Dealer.RemoveCallee(reg, callee, revoked.GetString("reason"));
                break;
        }
    }

    private long? Local(RouterSession callee, string fromNode, long originId)
        => _relayed.TryGetValue(callee.Id, out var relay) && relay.ByOrigin.TryGetValue((fromNode, originId), out long local) ? local : null;

    private void Forget(long callee, long local)
    {
        if (!_relayed.TryGetValue(callee, out var relay) || !relay.ByLocal.Remove(local, out var origin)) return;
        relay.ByOrigin.Remove(origin);
        if (relay.ByLocal.Count == 0) _relayed.Remove(callee);
    }

    /// <summary>
    /// A local callee's YIELD or ERROR that the dealer does not know: when it answers an invocation from another node,
    /// it goes back there under that node's id. False when it answers nothing (the dealer then ignores it, as on one node).
    /// </summary>
    public bool RelayAnswer(RouterSession callee, WampMessage answer)
    {
        long id = answer is YieldMessage y ? y.RequestId : ((ErrorMessage)answer).RequestId;
        if (!_relayed.TryGetValue(callee.Id, out var relay) || !relay.ByLocal.TryGetValue(id, out var origin)) return false;
        bool final = answer is not YieldMessage yield || !yield.Options.GetBool("progress");
        WampMessage back = answer switch
        {
            YieldMessage m => m with { RequestId = origin.OriginId },
            ErrorMessage m => m with { RequestId = origin.OriginId },
            _ => answer,
        };
        Reply(origin.Node, callee.Id, back);
        if (final) Forget(callee.Id, id);
        return true;
    }

    private void Reply(string toNode, long fromSession, WampMessage message)
        => node.Send(NodeSubject(toNode), () => ClusterEnvelope.Encode(EnvelopeKind.FromSession, fromSession, node.NodeId, message));

    /// <summary>A local session left: the invocations other nodes routed to it fail there (as on one node: canceled).</summary>
    public void OnLocalSessionLeft(RouterSession session)
    {
        _waiting.Remove(session.Id);
        node.WriteRegistry(SessionKeyOf(session), null, null);
        if (!_relayed.Remove(session.Id, out var relay)) return;
        foreach (var (_, (fromNode, originId)) in relay.ByLocal)
            Reply(fromNode, session.Id, Realm.Error(WampMessageType.Invocation, originId, WampErrors.Canceled, "callee disconnected from in-flight request"));
    }

    /// <summary>A node died: its callers' invocations here are interrupted (as when a caller leaves) and forgotten.</summary>
    private void InterruptRelayedFrom(string gone)
    {
        foreach (var (calleeId, relay) in _relayed.ToList())
        {
            foreach (var ((fromNode, originId), local) in relay.ByOrigin.ToList())
            {
                if (fromNode != gone) continue;
                if (realm.Sessions.TryGetValue(calleeId, out var callee) && callee.CalleeCallCanceling)
                    callee.Send(new InterruptMessage(local, new Dictionary<string, object?> { ["mode"] = "killnowait", ["reason"] = WampErrors.Canceled }));
                Forget(calleeId, local);
            }
        }
    }

    /// <summary>A YIELD or ERROR of a remote callee, for a call this node routed: the dealer takes it as from that callee.</summary>
    private void FromRemoteSession(Envelope e)
    {
        if (!_remote.TryGetValue(e.Session, out var proxy)) return; // gone meanwhile: its calls have failed already
        switch (e.Message)
        {
            case YieldMessage m: realm.Dealer.Yield(proxy, m); break;
            case ErrorMessage m when m.RequestType == WampMessageType.Invocation: realm.Dealer.CalleeError(proxy, m); break;
        }
    }

    /// <summary>
    /// An INVOCATION relayed to another node's callee reached no subscriber there (that node reconnecting to NATS, or
    /// gone and not yet known to be): core NATS delivers at most once, to the interest it has at that moment, so no
    /// answer will come. The call fails now with wamp.error.unavailable ("the callee cannot handle it now": the caller
    /// may try again) instead of waiting for ever, as if that callee had answered so.
    /// </summary>
    private void InvocationLost(InvocationLostCommand lost)
    {
        if (!_remote.TryGetValue(lost.Session, out var proxy)) return; // gone meanwhile: its calls have failed already
        node.Log.ClusterInvocationLost(realm.Name, lost.Session, proxy.RemoteNode ?? "?");
        realm.Dealer.CalleeError(proxy, Realm.Error(WampMessageType.Invocation, lost.Invocation, WampErrors.Unavailable,
            "the callee's router did not receive the invocation (it is reconnecting to the cluster, or gone)"));
    }

    // ----- the catch-up barrier -----

    /// <summary>
    /// Read-your-writes across nodes: a REGISTER (single means single in the whole cluster), or a CALL that found no callee
    /// here (before it is answered no_such_procedure), first has this node catch up with the registry, so that whatever
    /// another node confirmed before is known here. The message and its session's later messages wait, in order, and are
    /// routed again once caught up. False when this message has waited already.
    /// </summary>
    public bool DeferUntilCaughtUp(RouterSession session, WampMessage call, DynamicAuthorization.Decided? decided)
    {
        if (ReferenceEquals(call, _retrying)) return false;
        _waiting[session.Id] = new Queue<WampMessage>();
        _ = Task.Run(async () =>
        {
            await node.RegistryCaughtUpAsync(CatchUpLimit).ConfigureAwait(false);
            await realm.PostAsync(new CaughtUpCommand(session, call, decided)).ConfigureAwait(false);
        });
        return true;
    }

    /// <summary>In the loop: true when the session's message must wait behind its CALL at the barrier.</summary>
    public bool TryQueueBehind(RouterSession session, WampMessage message)
    {
        if (!_waiting.TryGetValue(session.Id, out var queue)) return false;
        queue.Enqueue(message);
        return true;
    }

    // ----- the publication sync -----

    private sealed record PendingSync(RouterSession Session, WampMessage Message, DynamicAuthorization.Decided? Decided, HashSet<string> Missing)
    {
        public ITimer? Timer { get; set; }
    }

    private readonly Dictionary<long, PendingSync> _syncs = new();

    /// <summary>
    /// Read-your-writes for publications across nodes: a SUBSCRIBE with get_retained, or wamp.subscription.get_events, is
    /// answered from what this node has routed, so it first waits until every other live node has sent a marker behind
    /// its publications (ClusterEnvelope.SyncTopic): whatever another node acknowledged before is retained and in the
    /// history here too. The message and its session's later ones wait in order; a node that does not answer within the
    /// catch-up limit is not waited for. False when there is nobody to wait for, or this message has waited already.
    /// </summary>
    public bool DeferUntilPublicationsSynced(RouterSession session, WampMessage message, DynamicAuthorization.Decided? decided)
    {
        if (ReferenceEquals(message, _retrying)) return false;
        var others = node.OtherNodes.ToHashSet(StringComparer.Ordinal);
        if (others.Count == 0) return false;
        long id = WampIds.NewGlobalId();
        _waiting[session.Id] = new Queue<WampMessage>();
        var sync = new PendingSync(session, message, decided, others);
        _syncs[id] = sync;
        foreach (var other in others)
            node.Send(NodeSubject(other), ClusterEnvelope.Encode(EnvelopeKind.SyncRequest, id, node.NodeId, ClusterEnvelope.Probe));
        sync.Timer = realm.Time.CreateTimer(static state => { var (r, i) = ((Realm, long))state!; r.Post(new SyncTimeoutCommand(i)); },
            (realm, id), CatchUpLimit, Timeout.InfiniteTimeSpan);
        return true;
    }

    private void EndSync(long id)
    {
        if (!_syncs.Remove(id, out var sync)) return;
        sync.Timer?.Dispose();
        Resume(sync.Session, sync.Message, sync.Decided);
    }

    private void Resume(RouterSession session, WampMessage message, DynamicAuthorization.Decided? decided)
    {
        if (!_waiting.Remove(session.Id, out var queue) || !session.Joined || session.Left) return;
        _retrying = message;
        try
        {
            realm.Dispatch(session, message, decided);
        }
        finally
        {
            _retrying = null;
        }
        while (queue.Count > 0 && !session.Left)
        {
            if (_waiting.TryGetValue(session.Id, out var behind))
            {
                // Another CALL of this session went to the barrier: the rest waits behind it.
                while (queue.Count > 0) behind.Enqueue(queue.Dequeue());
                return;
            }
            realm.Route(session, queue.Dequeue());
        }
    }

    /// <summary>The realm stops: the remote sessions' writers end.</summary>
    public void Shutdown()
    {
        foreach (var proxy in _remote.Values) proxy.CompleteOutbound();
        _remote.Clear();
        _imported.Clear();
    }
}
