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

internal sealed class NodeGoneCommand(string node) : ClusterCommand
{
    public string Node { get; } = node;
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
///   - the CALLs waiting for the catch-up barrier (_waiting), with the messages their sessions sent after them.
/// </summary>
internal sealed class RealmCluster(Realm realm, ClusterNode node)
{
    private static readonly TimeSpan CatchUpLimit = TimeSpan.FromSeconds(2);

    private readonly Dictionary<long, RouterSession> _remote = new();
    private readonly Dictionary<RegistryKey, (RouterSession Proxy, string Uri, UriMatch Match)> _imported = new();
    private readonly Dictionary<long, CalleeRelay> _relayed = new(); // by local callee session id
    private readonly Dictionary<long, Queue<WampMessage>> _waiting = new();
    private WampMessage? _retrying;

    /// <summary>The realm's name as a subject token and registry key part.</summary>
    public string Key { get; } = ClusterNode.Sanitize(realm.Name);

    public string Name => realm.Name;

    public ClusterNode Node => node;

    // ----- from NATS (reader tasks): decode off the loop, post in order -----

    public ValueTask OnPublicationAsync(byte[] data) => PostAsync(new RemotePublicationCommand(ClusterEnvelope.DecodePublication(data)));

    public ValueTask OnEnvelopeAsync(byte[] data) => PostAsync(new EnvelopeCommand(ClusterEnvelope.Decode(data)));

    public ValueTask OnRemoteRegistrationAsync(RegistryKey key, byte[] value)
        => PostAsync(new RegistryCommand(key, JsonSerializer.Deserialize<RegistryEntry>(value)));

    public ValueTask OnRemoteUnregistrationAsync(RegistryKey key) => PostAsync(new RegistryCommand(key, null));

    public ValueTask OnNodeGoneAsync(string gone) => PostAsync(new NodeGoneCommand(gone));

    public ValueTask ForgetRemoteCalleesAsync() => PostAsync(new ForgetRemoteCommand());

    private async ValueTask PostAsync(ClusterCommand command) => await realm.PostAsync(command).ConfigureAwait(false);

    // ----- in the loop -----

    public void Handle(ClusterCommand command)
    {
        switch (command)
        {
            case RemotePublicationCommand p:
                realm.Broker.DeliverRemote(p.Publication);
                break;
            case EnvelopeCommand { Envelope: { Kind: EnvelopeKind.ToSession } e }:
                ToLocalSession(e);
                break;
            case EnvelopeCommand { Envelope: { Kind: EnvelopeKind.FromSession } e }:
                FromRemoteSession(e);
                break;
            case RegistryCommand { Entry: { } entry } r:
                Import(r.Key, entry);
                break;
            case RegistryCommand r:
                Unimport(r.Key);
                break;
            case NodeGoneCommand g:
                foreach (var proxy in _remote.Values.Where(p => p.RemoteNode == g.Node).ToList()) RemoveProxy(proxy);
                InterruptRelayedFrom(g.Node);
                break;
            case ForgetRemoteCommand:
                foreach (var proxy in _remote.Values.ToList()) RemoveProxy(proxy);
                break;
            case CaughtUpCommand c:
                Resume(c);
                break;
        }
    }

    /// <summary>A routed publication of this realm goes to every other node (encoded off the loop, by the outbox).</summary>
    public void Forward(string topic, long publication, IReadOnlyDictionary<string, object?> options, IReadOnlyDictionary<string, object?>? details,
        IReadOnlyList<object?>? arguments, IReadOnlyDictionary<string, object?>? argumentsKw)
        => node.Send(node.PublicationSubject(Key), () => ClusterEnvelope.EncodePublication(topic, publication, options, details, arguments, argumentsKw));

    // ----- registrations -----

    private string RegistryKeyOf(RouterSession session, Registration reg) => new RegistryKey(Key, node.NodeId, session.Id, reg.Id).ToString();

    /// <summary>A local callee registered: its entry goes to the registry; REGISTERED follows once NATS has stored it.</summary>
    public void Announce(RouterSession session, Registration reg, bool discloseCaller, long requestId)
    {
        var entry = new RegistryEntry(reg.Uri, WampOptionNames.Of(reg.Match), WampOptionNames.Of(reg.Invoke), discloseCaller, session.AuthId, session.AuthRole,
            session.CalleeCallCanceling, session.CalleeProgressiveCallInvocations, session.CalleePayloadPassthru);
        var registered = new RegisteredMessage(requestId, reg.Id);
        node.WriteRegistry(RegistryKeyOf(session, reg), JsonSerializer.SerializeToUtf8Bytes(entry),
            () => realm.Post(new StoreCommittedCommand(session, registered)));
    }

    /// <summary>A local callee left a registration: its entry leaves the registry.</summary>
    public void Withdraw(RouterSession session, Registration reg) => node.WriteRegistry(RegistryKeyOf(session, reg), null, null);

    private void Import(RegistryKey key, RegistryEntry entry)
    {
        if (_imported.ContainsKey(key)) return;
        if (!WampOptionNames.TryParse(entry.Match, out UriMatch match)
            || !WampOptionNames.TryParseInvoke(new Dictionary<string, object?> { ["invoke"] = entry.Invoke }, out var invoke)) return;
        if (!_remote.TryGetValue(key.Session, out var proxy))
        {
            var connection = new ClusterConnection(node, node.NodeSubject(Key, key.Node), key.Session);
            _remote[key.Session] = proxy = RouterSession.Remote(realm, connection, key.Node, key.Session, entry);
        }
        if (!realm.Dealer.AttachRemote(proxy, entry.Uri, match, invoke, entry.DiscloseCaller, key.Registration))
        {
            node.Log.ClusterRegistrationConflict(realm.Name, entry.Uri, key.Node, entry.Invoke);
            if (!_imported.Values.Any(i => i.Proxy == proxy)) RemoveProxy(proxy);
            return;
        }
        _imported[key] = (proxy, entry.Uri, match);
    }

    private void Unimport(RegistryKey key)
    {
        if (!_imported.Remove(key, out var imported)) return;
        realm.Dealer.DetachRemote(imported.Proxy, imported.Uri, imported.Match);
        if (!_imported.Values.Any(i => i.Proxy == imported.Proxy)) RemoveProxy(imported.Proxy);
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
        => node.Send(node.NodeSubject(Key, toNode), ClusterEnvelope.Encode(EnvelopeKind.FromSession, fromSession, node.NodeId, message));

    /// <summary>A local session left: the invocations other nodes routed to it fail there (as on one node: canceled).</summary>
    public void OnLocalSessionLeft(RouterSession session)
    {
        _waiting.Remove(session.Id);
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

    private void Resume(CaughtUpCommand c)
    {
        var session = c.Session;
        if (!_waiting.Remove(session.Id, out var queue) || !session.Joined || session.Left) return;
        _retrying = c.Message;
        try
        {
            realm.Dispatch(session, c.Message, c.Decided);
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
