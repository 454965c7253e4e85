using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router.Store;

namespace PluginHost.Wamp.Router;

// ---------------------------------------------------------------------------------------------
// CONCURRENCY DESIGN
//
// Each realm has exactly ONE routing loop: a bounded Channel<RealmCommand> consumed by a single
// task (RunLoopAsync). That loop owns ALL routing state of the realm, and each piece of it has ONE
// owner, keyed by session id (as gammazero/nexus does), so that no role reaches into another's
// state or into a session object's fields:
//   - Realm:               the session table (Sessions), joined/left flags of its sessions.
//   - Broker:              subscriptions, by URI and by id, and each session's subscriptions (_bySession);
//                          retained events (Retention) and event history (EventHistory).
//   - Dealer:              registrations, by URI and by id; per session (DealerPeer, _peers): the
//                          registrations it is a callee of, its pending calls as caller, the invocations
//                          it has not answered as callee, its ended progressive calls, its invocation ids.
//   - DynamicAuthorization: the actions parked while a role's authorizer decides (_parked), by session id;
//                          the decision travels down the dispatch as an argument (Realm.Dispatch).
//   - Testaments (MetaApi): each session's testaments (_bySession).
//   - MetaApi:             the meta procedures and events.
// RouterSession is the transport pump: reader, writer, handshake, identity and announced features
// (immutable once joined), and its FlowControl (FlowControl.cs), which is thread-safe by itself.
//   - RealmCluster (Cluster/, only when the router is in a cluster): the other nodes' callees (sessions whose
//                          transport is a NATS subject, just other keys of the dealer's tables), the invocations
//                          relayed to this node's callees, the other nodes' sessions for the meta API; it is fed by
//                          ClusterCommands that NATS reader tasks post (Cluster/ClusterNode.cs states that design).
// Nothing else reads or writes that state, so there are no locks on it.
//
// Session reader tasks (RouterSession.RunAsync) receive and decode on their own threads and post
// commands (Join, Message, ProtocolError, Leave) to the loop; they await when the command queue
// is full, which back-pressures inbound traffic without ever blocking the loop. Timers (call
// timeouts) post commands too.
//
// The loop never awaits I/O: replies and events go to each session's BOUNDED outbound queue via a
// non-blocking TryWrite (RouterSession.Send); the session's writer task drains it in batches. A
// full queue (the hard limit, RouterOptions.MaxOutboundQueue messages or RouterOptions.MaxOutboundBytes
// estimated bytes, Router/OutboundSize.cs; the byte limit is judged on what was already queued, so the queue may pass it by one message) marks the session a slow consumer: a
// warning is logged and that session's transport is closed at once, while the loop carries on with
// everyone else.
//
// FLOW CONTROL (TCP-like: bounded memory, and no healthy subscriber dropped because a publisher is
// faster than delivery):
//  1. Each session counts the messages it has accepted and not yet handed to its transport
//     (FlowControl._queued, Interlocked; the loop adds, the writer subtracts per batch), and their
//     estimated encoded bytes (FlowControl._queuedBytes, likewise). Crossing EITHER HIGH-WATER mark
//     (MaxOutboundQueue / 2 messages, MaxOutboundBytes / 2 bytes) makes it CONGESTED and increments this
//     realm's congestion count; its writer draining BOTH to their LOW-WATER marks (a quarter of each)
//     makes it uncongested again (count down). The byte rule is what bounds memory for large events: a
//     session that stops reading holds at most MaxOutboundBytes (plus transport buffers) until rule 4
//     or the hard limit closes it. Only these transitions cost anything: one CAS on the session's flow word
//     (state + epoch) and one Interlocked on the realm count (AddCongestion/RemoveCongestion).
//  2. Readers apply back-pressure: before posting a PUBLISH or a CALL (the messages by which a client
//     makes the router send to OTHER sessions, unsolicited) a reader waits while the realm is congested
//     (WaitWhileCongestedAsync: a TaskCompletionSource gate, created by the first waiter, completed on
//     transitions). While it waits it does not read its transport, so TCP pushes back on the client.
//     Everything else is never gated: YIELD/ERROR answer an INVOCATION already admitted through a gated
//     CALL, and SUBSCRIBE/UNSUBSCRIBE/REGISTER/CANCEL/GOODBYE/... must stay possible, above all for the
//     sessions that are congested. The gate sits in front of the reader's post, so the order of a
//     session's messages, and hence of events and calls, is unchanged.
//  3. A session that is congested itself is never gated: its reader waiting would not relieve anything,
//     and a client that waits for its own write before it reads on (a single-threaded client, an embedded
//     component awaiting a publish while its in-process pipe is full) would otherwise deadlock with us.
//  4. A session that stays congested longer than RouterOptions.SlowConsumerTimeout is a real slow
//     consumer: a watchdog armed on the congestion transition (off the loop, through the thread pool)
//     logs a warning and closes its transport, which releases its congestion so the others resume. A
//     session that ends, in any way, releases its congestion too (FlowControl.Release).
//  5. Commands posted before the gate closed are still routed; the realm command queue is therefore
//     capped at MaxOutboundQueue / 4, inside the room between high-water and the hard limit, so that a
//     flood that is already queued does not push healthy subscribers over the hard limit.
// The loop itself never waits for the gate and takes no lock for it: in Send it only does the
// Interlocked counting and, on a transition, a CAS, an Interlocked and a thread-pool post.
//
// DYNAMIC AUTHORIZATION (DynamicAuthorization.cs): an action needing a role's authorizer procedure is parked
// (keyed by its session id), the CALL to the authorizer runs off the loop (service session), and its answer comes
// back as an AuthorizedCommand. Meanwhile the loop serves everyone; only that session's later messages wait,
// queued behind it in order. Authentication never touches the loop: it runs on each session's handshake task.
//
// PERSISTENT STORE (Store/RealmStore.cs): opened and read when the realm is created, before the loop runs. The loop only
// enqueues immutable writes to the store's own writer (non-blocking) and gets StoreCommittedCommands back, which release
// the PUBLISHEDs waiting for durability. The loop never waits for the disk.
//
// The loop never throws out: every command is handled inside try/catch, and a failure is
// contained to the session that caused it (that session is aborted; the realm keeps running).
// ---------------------------------------------------------------------------------------------

internal abstract class RealmCommand;

internal sealed class JoinCommand(RouterSession session) : RealmCommand
{
    public RouterSession Session { get; } = session;
}

internal sealed class MessageCommand(RouterSession session, WampMessage message) : RealmCommand
{
    public RouterSession Session { get; } = session;
    public WampMessage Message { get; } = message;
}

internal sealed class ProtocolErrorCommand(RouterSession session, string message) : RealmCommand
{
    public RouterSession Session { get; } = session;
    public string Message { get; } = message;
}

internal sealed class LeaveCommand(RouterSession session) : RealmCommand
{
    public RouterSession Session { get; } = session;
}

internal sealed class CallTimeoutCommand(RoutedCall call) : RealmCommand
{
    public RoutedCall Call { get; } = call;
}

/// <summary>The persistent store committed a publication: its PUBLISHED may go (Store/RealmStore.cs).</summary>
internal sealed class StoreCommittedCommand(RouterSession session, WampMessage reply) : RealmCommand
{
    public RouterSession Session { get; } = session;
    public WampMessage Reply { get; } = reply;
}

internal sealed class ShutdownCommand : RealmCommand
{
    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>A realm: its routing loop and the broker, dealer, authorizer and meta API it drives.</summary>
internal sealed class Realm
{
    private readonly Channel<RealmCommand> _commands;
    private readonly Authorizer _authorizer;
    private Task _loop = Task.CompletedTask;
    private bool _stopped;

    public Realm(RealmConfig config, WampRouter router, RouterOptions options, ILogger log)
    {
        Config = config;
        Router = router;
        Log = log;
        Options = options;
        // Flow control rule 5: at most MaxOutboundQueue / 4 commands between the readers' gate and the loop.
        _commands = Channel.CreateBounded<RealmCommand>(new BoundedChannelOptions(Math.Max(16, Math.Min(options.RealmQueueCapacity, options.MaxOutboundQueue / 4)))
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _authorizer = new Authorizer(config);
        DynamicAuthTimeout = options.DynamicAuthTimeout;
        Time = options.TimeProvider;
        Service = new ServiceSession(router, config.Name);
        // A persistent store is opened (and read) here, before the loop runs: the loop itself never touches the disk.
        if (config.Store?.Path is { } storePath) Store = Router.Stores.Open(storePath, log);
        Broker = new Broker(this);
        Dealer = new Dealer(this);
        Authorizations = new DynamicAuthorization(this);
        Meta = config.EnableMetaApi ? new MetaApi(this) : null;
        // One realm across many router processes (Cluster/ClusterNode.cs): only when the router is in a cluster sharing it.
        if (router.Cluster is { } node && node.Options.Shares(config.Name)) Cluster = new Cluster.RealmCluster(this, node);
    }

    public RealmConfig Config { get; }
    public string Name => Config.Name;
    public WampRouter Router { get; }
    public ILogger Log { get; }
    internal RouterOptions Options { get; }

    /// <summary>Loop-owned: this realm's part of the cluster (remote callees, relayed invocations); null on a single node.</summary>
    internal Cluster.RealmCluster? Cluster { get; }

    // Loop-owned.
    internal readonly Dictionary<long, RouterSession> Sessions = new();
    internal Broker Broker { get; }
    /// <summary>The persistent store (Store/RealmStore.cs): thread-safe to enqueue; null for the memory store or none.</summary>
    internal RealmStore? Store { get; }
    internal Dealer Dealer { get; }
    /// <summary>The router's clock (RouterOptions.TimeProvider): call timeouts and other realm timers run on it.</summary>
    internal TimeProvider Time { get; }
    internal MetaApi? Meta { get; }
    internal Authorizer Authorizer => _authorizer;
    /// <summary>Loop-owned: actions parked while a role's dynamic authorizer decides (DynamicAuthorization.cs).</summary>
    internal DynamicAuthorization Authorizations { get; }

    /// <summary>Thread-safe: the session over which dynamic authenticators and authorizers are called.</summary>
    internal ServiceSession Service { get; }
    internal TimeSpan DynamicAuthTimeout { get; }

    /// <summary>
    /// Loop-owned. The authorization of <paramref name="session"/>'s action: everything for the router's service
    /// session; the dynamic authorizer's answer for this very action (<paramref name="decided"/>, handed down the dispatch
    /// by DynamicAuthorization.Resume); else the role's static permissions (a role with an authorizer is denied on paths
    /// that cannot wait for it, Authorizer.cs).
    /// </summary>
    internal AuthDecision Authorize(RouterSession session, WampAction action, string uri, DynamicAuthorization.Decided? decided = null)
    {
        if (session.IsTrusted) return new AuthDecision(true, false);
        if (decided is { } d && d.Action == action && d.Uri == uri) return d.Decision;
        return _authorizer.Authorize(session.AuthRole, action, uri);
    }

    // ----- flow control (see CONCURRENCY DESIGN): thread-safe, lock-free -----

    private int _congestion;             // sessions of this realm that are congested now (Interlocked)
    private TaskCompletionSource? _gate; // what gated readers await; null when nobody waits (swapped with Interlocked)

    /// <summary>True while at least one session of this realm is congested. One volatile read: the reader's hot path.</summary>
    internal bool IsCongested => Volatile.Read(ref _congestion) > 0;

    /// <summary>A session crossed its high-water mark (called once per transition, by RouterSession).</summary>
    internal void AddCongestion()
    {
        Interlocked.Increment(ref _congestion);
        // Wake the waiters so that they re-check: one of them may be the session that just became
        // congested, which is not gated any more (rule 3). The others wait again on a fresh gate.
        OpenGate();
    }

    /// <summary>A session drained to its low-water mark, or ended while congested (once per transition).</summary>
    internal void RemoveCongestion()
    {
        if (Interlocked.Decrement(ref _congestion) == 0) OpenGate();
    }

    // Completing with RunContinuationsAsynchronously only queues the waiters to the thread pool: never blocks the caller.
    private void OpenGate() => Interlocked.Exchange(ref _gate, null)?.TrySetResult();

    /// <summary>
    /// Back-pressure (rule 2): completes when the realm is not congested or <paramref name="session"/> is
    /// congested itself (rule 3). Called by session readers only, never by the loop.
    /// </summary>
    internal async ValueTask WaitWhileCongestedAsync(RouterSession session, CancellationToken cancellationToken)
    {
        while (IsCongested && !session.IsCongested)
        {
            var gate = Volatile.Read(ref _gate);
            if (gate is null)
            {
                var fresh = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                gate = Interlocked.CompareExchange(ref _gate, fresh, null) ?? fresh;
            }
            // Re-check after the gate is installed: a transition that happened before the install
            // (and so could not complete it) is seen here; one after it completes this gate.
            if (IsCongested && !session.IsCongested)
                await (cancellationToken.CanBeCanceled ? gate.Task.WaitAsync(cancellationToken) : gate.Task).ConfigureAwait(false);
        }
    }

    /// <summary>Thread-safe: only reads the immutable role table.</summary>
    public bool RoleExists(string authrole) => _authorizer.RoleExists(authrole);

    public void Start()
    {
        _loop = Task.Run(RunLoopAsync);
        if (Cluster is { } cluster) cluster.Node.Attach(cluster);
    }

    /// <summary>Posts a command, waiting while the loop's queue is full. False once the realm has stopped.</summary>
    public async ValueTask<bool> PostAsync(RealmCommand command)
    {
        try
        {
            await _commands.Writer.WriteAsync(command).ConfigureAwait(false);
            return true;
        }
        catch (ChannelClosedException)
        {
            return false;
        }
    }

    /// <summary>Fire-and-forget post from timers.</summary>
    public void Post(RealmCommand command)
    {
        if (!_commands.Writer.TryWrite(command)) _ = PostAsync(command).AsTask();
    }

    /// <summary>Ends every session with GOODBYE wamp.close.system_shutdown and stops the loop.</summary>
    public async Task ShutdownAsync()
    {
        var command = new ShutdownCommand();
        if (await PostAsync(command).ConfigureAwait(false)) await command.Done.Task.ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        if (Store is not null) await Router.Stores.ReleaseAsync(Store).ConfigureAwait(false);
    }

    private async Task RunLoopAsync()
    {
        var reader = _commands.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var command))
            {
                try
                {
                    Handle(command);
                }
                catch (Exception e)
                {
                    Contain(command, e);
                }
            }
        }
    }

    private void Handle(RealmCommand command)
    {
        switch (command)
        {
            case MessageCommand m:
                if (!m.Session.Joined || m.Session.Left) return; // messages after GOODBYE/ABORT are dropped
                Route(m.Session, m.Message);
                break;
            case Cluster.ClusterCommand c:
                if (!_stopped) Cluster?.Handle(c);
                break;
            case AuthorizedCommand a:
                Authorizations.Resume(a);
                break;
            case JoinCommand j:
                Join(j.Session);
                break;
            case LeaveCommand l:
                RemoveSession(l.Session);
                l.Session.CompleteOutbound();
                break;
            case ProtocolErrorCommand p:
                Abort(p.Session, WampErrors.ProtocolViolation, p.Message);
                break;
            case CallTimeoutCommand t:
                if (!_stopped) Dealer.OnTimeout(t.Call);
                break;
            case StoreCommittedCommand c:
                if (c.Session.Joined && !c.Session.Left) c.Session.Send(c.Reply);
                break;
            case ShutdownCommand s:
                Shutdown();
                s.Done.TrySetResult();
                break;
        }
    }

    /// <summary>A handler failed: log it and end only the session concerned.</summary>
    private void Contain(RealmCommand command, Exception e)
    {
        RouterSession? session = command switch
        {
            MessageCommand m => m.Session,
            AuthorizedCommand a => a.Session,
            JoinCommand j => j.Session,
            LeaveCommand l => l.Session,
            ProtocolErrorCommand p => p.Session,
            _ => null,
        };
        Log.CommandFailed(e, Name, command.GetType().Name, session?.Id);
        if (session is null) return;
        try
        {
            Abort(session, WampErrors.RuntimeError, "internal router error");
        }
        catch (Exception inner)
        {
            Log.CleanupFailed(inner, Name, session.Id);
            session.Left = true;
            Sessions.Remove(session.Id);
            session.CompleteOutbound();
        }
    }

    private void Join(RouterSession session)
    {
        if (_stopped)
        {
            session.SendAndClose(new AbortMessage(new Dictionary<string, object?> { ["message"] = "the realm is shutting down" }, WampCloseReasons.SystemShutdown));
            return;
        }
        Sessions[session.Id] = session;
        session.Joined = true;
        // Basic profile: WELCOME.Details carries the router roles and the features it implements.
        var details = new Dictionary<string, object?>
        {
            ["realm"] = Name,
            ["agent"] = Client.WampHello.Agent, // optional in the spec; shown by clients that log the router they joined
            ["authid"] = session.AuthId,
            ["authrole"] = session.AuthRole,
            ["authmethod"] = session.AuthMethod,
            ["authprovider"] = session.AuthProvider,
            ["roles"] = _routerRoles ??= RouterRoles(),
        };
        if (session.AuthExtra is not null) details["authextra"] = session.AuthExtra;
        var welcome = new WelcomeMessage(session.Id, details);
        Log.SessionJoined(session.Id, Name, session.AuthId, session.AuthRole);
        Metrics.RouterMetrics.SessionJoined(Name);
        // A cluster: every node's meta API knows the session before it (or anybody watching on_join) hears of it.
        if (Cluster is { } cluster) cluster.AnnounceSession(session, welcome);
        else Welcome(session, welcome);
    }

    /// <summary>The session is in: WELCOME, and wamp.session.on_join for the others.</summary>
    internal void Welcome(RouterSession session, WelcomeMessage welcome)
    {
        if (!session.Joined || session.Left) return;
        session.Send(welcome);
        Meta?.OnJoin(session);
    }

    /// <summary>
    /// WELCOME.Details.roles, made once per realm (they depend on its config only) and shared by every WELCOME: nothing
    /// writes to it after this (serializers and in-process clients only read it).
    /// </summary>
    private Dictionary<string, object?>? _routerRoles;

    /// <summary>WELCOME.Details.roles: exactly the advanced features this router implements.</summary>
    private Dictionary<string, object?> RouterRoles()
    {
        bool meta = Meta is not null;
        var broker = new Dictionary<string, object?>
        {
            ["publisher_identification"] = true,
            ["publisher_exclusion"] = true,
            ["subscriber_blackwhite_listing"] = true,
            ["pattern_based_subscription"] = true,
            ["event_retention"] = true,            // Retention.cs
            ["payload_passthru_mode"] = true,      // Passthru.cs
        };
        var dealer = new Dictionary<string, object?>
        {
            ["caller_identification"] = true,
            ["pattern_based_registration"] = true,
            ["shared_registration"] = true,
            ["progressive_call_results"] = true,
            ["call_canceling"] = true,
            ["call_timeout"] = true,
            ["registration_revocation"] = true,
            ["progressive_call_invocations"] = true, // Dealer.Progressive.cs
            ["payload_passthru_mode"] = true,        // Passthru.cs
        };
        if (meta)
        {
            broker["session_meta_api"] = true;
            broker["subscription_meta_api"] = true;
            // Subscription revocation: the router revokes only through wamp.subscription.remove_subscriber (MetaApi.cs).
            broker["subscription_revocation"] = true;
            // Event history: wamp.subscription.get_events, only where a realm store keeps history (EventHistory.cs).
            if (Config.Store is not null) broker["event_history"] = true;
            dealer["session_meta_api"] = true;
            dealer["registration_meta_api"] = true;
            dealer["testament_meta_api"] = true; // Testaments.cs
        }
        return new Dictionary<string, object?>
        {
            ["broker"] = new Dictionary<string, object?> { ["features"] = broker },
            ["dealer"] = new Dictionary<string, object?> { ["features"] = dealer },
        };
    }

    /// <summary>A joined session's message: behind what of its session waits (cluster catch-up, dynamic authorizer), else dispatched.</summary>
    internal void Route(RouterSession session, WampMessage message)
    {
        if (Cluster?.TryQueueBehind(session, message) == true) return;
        if (Authorizations.TryPark(session, message)) return;
        Dispatch(session, message);
    }

    /// <summary>Routes one message of a joined session; <paramref name="decided"/>: its dynamic authorizer's answer, if it was asked.</summary>
    internal void Dispatch(RouterSession session, WampMessage message, DynamicAuthorization.Decided? decided = null)
    {
        switch (message)
        {
            case PublishMessage m: Broker.Publish(session, m, decided); break;
            case SubscribeMessage m: Broker.Subscribe(session, m, decided); break;
            case UnsubscribeMessage m: Broker.Unsubscribe(session, m); break;
            case CallMessage m: Dealer.Call(session, m, decided); break;
            case CancelMessage m: Dealer.Cancel(session, m); break;
            case RegisterMessage m: Dealer.Register(session, m, decided); break;
            case UnregisterMessage m: Dealer.Unregister(session, m); break;
            case YieldMessage m: Dealer.Yield(session, m); break;
            case ErrorMessage m when m.RequestType == WampMessageType.Invocation: Dealer.CalleeError(session, m); break;
            case GoodbyeMessage goodbye:
                // Cookie tracking (Crossbar): leaving with wamp.close.logout revokes the cookie the session was established with.
                if (goodbye.Reason == "wamp.close.logout" && Router.CookieSessions.TryGetValue(session.Id, out var cookie))
                    cookie.Store.Revoke(cookie.Id);
                // Basic profile, session closing: reply GOODBYE wamp.close.goodbye_and_out, then the session is over.
                session.SendAndClose(new GoodbyeMessage(new Dictionary<string, object?>(), WampCloseReasons.GoodbyeAndOut));
                RemoveSession(session);
                break;
            case HelloMessage:
                // A second HELLO on an established session is a protocol violation.
                Abort(session, WampErrors.ProtocolViolation, "HELLO received on an established session");
                break;
            default:
                // Router-to-client messages (WELCOME, EVENT, RESULT, INVOCATION, ...) and ERRORs for anything
                // but INVOCATION are never valid from a client.
                Abort(session, WampErrors.ProtocolViolation,
                    $"unexpected {message.Type.ToString().ToUpperInvariant()} message from a client" +
                    (message is ErrorMessage e ? $" (ERROR for {e.RequestType.ToString().ToUpperInvariant()})" : ""));
                break;
        }
    }

    /// <summary>ABORT the session with <paramref name="reason"/> and the text in Details.message, then end it.</summary>
    internal void Abort(RouterSession session, string reason, string message)
    {
        if (reason == WampErrors.ProtocolViolation) Router.ProtocolViolations.Report(session.Transport.Peer, session.Id, message);
        else Log.AbortSession(reason, session.Id, message);
        session.SendAndClose(new AbortMessage(new Dictionary<string, object?> { ["message"] = message }, reason));
        RemoveSession(session);
    }

    /// <summary>Router-initiated close (meta kill): GOODBYE with the reason, then end the session.</summary>
    internal void Kill(RouterSession session, string reason, string? message)
    {
        var details = new Dictionary<string, object?>();
        if (message is not null) details["message"] = message;
        session.SendAndClose(new GoodbyeMessage(details, reason));
        RemoveSession(session);
    }

    /// <summary>Detaches a session from everything it holds: pending calls, registrations, subscriptions. Idempotent.</summary>
    internal void RemoveSession(RouterSession session)
    {
        Router.CookieSessions.TryRemove(session.Id, out _);
        if (!session.Joined || session.Left) return;
        session.Left = true;
        Metrics.RouterMetrics.SessionLeft(Name);
        Sessions.Remove(session.Id);
        Dealer.RemoveSession(session);
        Broker.RemoveSession(session);
        Authorizations.Forget(session);
        Cluster?.OnLocalSessionLeft(session);
        if (!_stopped)
        {
            // Testament meta API: published once the session has left everything (it never receives its own).
            Meta?.PublishTestaments(session);
            Meta?.OnLeave(session);
        }
        Log.SessionLeft(session.Id, Name);
    }

    private void Shutdown()
    {
        _stopped = true;
        foreach (var session in Sessions.Values.ToList())
        {
            session.SendAndClose(new GoodbyeMessage(new Dictionary<string, object?> { ["message"] = "router shutting down" }, WampCloseReasons.SystemShutdown));
            RemoveSession(session);
        }
        Cluster?.Shutdown();
        _commands.Writer.TryComplete();
    }

    internal static string Now() => DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>ERROR reply for a request, with a human-readable message as Arguments[0] (as Crossbar/Autobahn do).</summary>
    internal static ErrorMessage Error(WampMessageType requestType, long requestId, string error, string message)
        => new(requestType, requestId, new Dictionary<string, object?>(), error, [message]);
}
