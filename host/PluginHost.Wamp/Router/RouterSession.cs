using Microsoft.Extensions.Logging;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router.Authentication;
using PluginHost.Wamp.Transport;

namespace PluginHost.Wamp.Router;

/// <summary>
/// One client session on the router side: a reader task and a writer task over one transport.
///
/// Reader (<see cref="RunAsync"/>): receives and decodes on its own thread, runs the HELLO phase
/// (timeout, realm and role lookup), then posts every message as a command to the realm loop.
/// It never touches routing state.
///
/// Writer (RouterSession.Outbound.cs, runs only while there is something to write): drains a BOUNDED outbound
/// queue; each round takes everything queued and hands it to <see cref="IWampConnection.SendAsync"/> in one call
/// (one flush for many frames). The realm loop only ever does a non-blocking enqueue into that queue: when it is full the session is a slow
/// consumer and its transport is closed (see <see cref="Send"/>), so the loop never blocks and the
/// queue never grows past <see cref="RouterOptions.MaxOutboundQueue"/> messages, nor (beyond one message)
/// past <see cref="RouterOptions.MaxOutboundBytes"/> estimated bytes (Router/OutboundSize.cs).
///
/// Flow control (Realm.cs, CONCURRENCY DESIGN): the session is CONGESTED between crossing its
/// high-water mark and draining to its low-water mark; the reader waits before posting a PUBLISH or a
/// CALL while its realm has a congested session; a session congested for longer than
/// <see cref="RouterOptions.SlowConsumerTimeout"/> is closed as a slow consumer.
///
/// Fields marked "loop-owned" are read and written only by the realm loop.
/// </summary>
internal sealed partial class RouterSession
{
    private readonly WampRouter _router;
    private readonly IWampConnection _connection;
    private readonly TransportAuthConfig _auth;
    private readonly RouterOptions _options;
    private readonly ILogger _log;
    private int _closed; // 1 once no more messages may be queued (closing, closed or slow consumer)
    private int _transportClosed;

    private readonly FlowControl _flow;

    public RouterSession(WampRouter router, IWampConnection connection, TransportAuthConfig auth, RouterOptions options, ILogger log)
    {
        _router = router;
        _connection = connection;
        _auth = auth;
        _options = options;
        _log = log;
        _queueCapacity = Math.Max(1, options.MaxOutboundQueue); // a full queue is the slow-consumer signal (Send)
        _flow = new FlowControl(options, this);
    }

    /// <summary>
    /// A session of another node of the cluster, as this node's dealer sees it when it is a callee here
    /// (Cluster/RealmCluster.cs): its identity and callee features come from its registry entry, its transport sends to
    /// its node. It has no reader (its answers come in through the cluster) and is never in the realm's session table.
    /// </summary>
    internal static RouterSession Remote(Realm realm, IWampConnection connection, string node, long id, Cluster.RegistryEntry entry)
    {
        var session = new RouterSession(realm.Router, connection, TransportAuthConfig.Anonymous, realm.Options, realm.Log)
        {
            Id = id,
            AuthId = entry.AuthId,
            AuthRole = entry.AuthRole,
            AuthMethod = "cluster",
            AuthProvider = "cluster",
            Realm = realm,
            RemoteNode = node,
            CalleeCallCanceling = entry.CallCanceling,
            CalleeRegistrationRevocation = true, // a revocation goes to its node, which tells the callee if it can hear it
            CalleeProgressiveCallInvocations = entry.ProgressiveCallInvocations,
            CalleePayloadPassthru = entry.PayloadPassthru,
            Joined = true,
        };
        return session;
    }

    /// <summary>The node a remote session lives on (Cluster/); null for this node's own sessions.</summary>
    public string? RemoteNode { get; private init; }

    /// <summary>True for a session of another node of the cluster.</summary>
    public bool IsRemote => RemoteNode is not null;

    // Identity: set by the reader before the JoinCommand is posted, immutable afterwards.
    public long Id { get; private set; }
    public string AuthId { get; private set; } = "";
    public string AuthRole { get; private set; } = "";
    public string AuthMethod { get; private set; } = "";
    public string AuthProvider { get; private set; } = "";
    /// <summary>WELCOME.Details.authextra, when the authenticator gave one.</summary>
    public IReadOnlyDictionary<string, object?>? AuthExtra { get; private set; }
    public Realm? Realm { get; private set; }
    public TransportDetails Transport => _connection.Details;

    // Client features announced in HELLO.Details.roles (advanced: feature announcement).
    public bool CalleeCallCanceling { get; private set; }
    public bool CalleeRegistrationRevocation { get; private set; }
    public bool SubscriberSubscriptionRevocation { get; private set; }
    public bool CallerProgressiveCallInvocations { get; private set; }
    public bool CalleeProgressiveCallInvocations { get; private set; }
    public bool PublisherPayloadPassthru { get; private set; }
    public bool CallerPayloadPassthru { get; private set; }
    public bool CalleePayloadPassthru { get; private set; }

    // Loop-owned state.
    internal bool Joined;
    /// <summary>The router's own service session (role "trusted"): never authorized (Router/ServiceSession.cs).</summary>
    public bool IsTrusted { get; private set; }
    internal bool Left;
    internal bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Between crossing the high-water mark and draining to the low-water mark (flow control).</summary>
    internal bool IsCongested => _flow.IsCongested;

    /// <summary>Messages accepted and not yet written (metrics, tests).</summary>
    internal int Queued => _flow.Queued;

    /// <summary>Diagnostics (tests, metrics): estimated bytes accepted and not yet written.</summary>
    internal long QueuedBytes => _flow.QueuedBytes;

    /// <summary>Diagnostics (tests): the most messages this session has had accepted and not yet written at once (approximate).</summary>
    internal int PeakQueued => _flow.PeakQueued;

    /// <summary>Diagnostics (tests): the most estimated bytes accepted and not yet written at once (approximate).</summary>
    internal long PeakQueuedBytes => _flow.PeakQueuedBytes;

    /// <summary>
    /// Runs the session to its end, then disposes <paramref name="ownLinked"/> (the source of
    /// <paramref name="cancellationToken"/> when it is the session's own) and leaves the router's list. Never throws.
    /// </summary>
    internal async Task RunAsync(CancellationToken cancellationToken, CancellationTokenSource? ownLinked = null)
    {
        bool joinPosted = false;
        try
        {
            var realm = await HandshakeAsync(cancellationToken).ConfigureAwait(false);
            if (realm is null) return;
            if (!await realm.PostAsync(new JoinCommand(this)).ConfigureAwait(false))
            {
                AbortBeforeJoin(WampCloseReasons.SystemShutdown, "the realm is shutting down");
                return;
            }
            joinPosted = true;

            while (true)
            {
                WampMessage? message;
                try
                {
                    message = await _connection.ReceiveAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (WampProtocolException e)
                {
                    // Malformed message: ABORT wamp.error.protocol_violation (decided in the loop so that it is ordered with everything else).
                    await realm.PostAsync(new ProtocolErrorCommand(this, e.Message)).ConfigureAwait(false);
                    break;
                }
                if (message is null) break; // peer closed the transport
                Metrics.RouterMetrics.Received(realm.Name, _connection.Details.SerializerName);
                // Flow control, rule 2 (Realm.cs): PUBLISH and CALL wait while the realm is congested; nothing
                // else does (unsubscribing, leaving, answering invocations must stay possible). Not congested:
                // one volatile read. While waiting this reader does not read on, so TCP pushes back.
                if (message is PublishMessage or CallMessage && realm.IsCongested)
                    await realm.WaitWhileCongestedAsync(this, cancellationToken).ConfigureAwait(false);
                if (!await realm.PostAsync(new MessageCommand(this, message)).ConfigureAwait(false)) break;
            }
        }
        catch (WampProtocolException e)
        {
            AbortBeforeJoin(WampErrors.ProtocolViolation, e.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // router shutdown
        }
        catch (Exception e)
        {
            _log.TransportFailed(e, Id);
        }
        finally
        {
            await EndAsync(joinPosted, ownLinked).ConfigureAwait(false);
        }
    }

    private async Task EndAsync(bool joinPosted, CancellationTokenSource? ownLinked)
    {
        try
        {
            // A session leaving cleans up its subscriptions, registrations and pending calls (in the loop).
            if (!(joinPosted && Realm is not null && await Realm.PostAsync(new LeaveCommand(this)).ConfigureAwait(false)))
                CompleteOutbound();
            await WriterDone.Task.ConfigureAwait(false); // the last frames written and the transport closed
            if (Id != 0) _router.ReleaseSessionId(Id);
        }
        catch (Exception e)
        {
            _log.SessionCrashed(e, Id);
        }
        finally
        {
            ownLinked?.Dispose();
            _router.SessionEnded(this);
        }
    }

    /// <summary>
    /// Session establishment up to the join: HELLO, authentication (Router/Authentication), identity. Returns the
    /// realm to join, or null when the session ends here (ABORT sent, timeout, or the client went away).
    /// </summary>
    private async Task<Realm?> HandshakeAsync(CancellationToken cancellationToken)
    {
        // Basic profile, session establishment: the first message must be HELLO, within the HELLO timeout.
        // The same timeout bounds the CHALLENGE/AUTHENTICATE round of advanced/authentication.
        using var helloTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        helloTimeout.CancelAfter(_options.HelloTimeout);
        try
        {
            var first = await _connection.ReceiveAsync(helloTimeout.Token).ConfigureAwait(false);
            if (first is null) return null;
            if (first is not HelloMessage hello)
            {
                AbortBeforeJoin(WampErrors.ProtocolViolation, $"expected HELLO as the first message, got {first.Type.ToString().ToUpperInvariant()}");
                return null;
            }
            Id = _router.AllocateSessionId(); // before authenticating: WAMP-CRA challenges name the session
            var outcome = await AuthHandshake.RunAsync(hello, _auth, _router, Id, Transport, _options.DynamicAuthTimeout, Send, _connection.ReceiveAsync, helloTimeout.Token)
                .ConfigureAwait(false);
            if (outcome is AuthDeny deny)
            {
                _log.AuthenticationRefused(deny.AuthMethod ?? "(none)", deny.AuthId ?? "(none)", hello.Realm, _connection.Details.Peer);
                Metrics.RouterMetrics.AuthFailed(deny.Reason);
                AbortBeforeJoin(deny.Reason, deny.Message);
            }
            if (outcome is not AuthAccept accept) return null;
            (AuthId, AuthRole, AuthMethod, AuthProvider, AuthExtra) = (accept.AuthId, accept.AuthRole, accept.AuthMethod, accept.AuthProvider, accept.AuthExtra);
            IsTrusted = accept.Trusted;
            ReadClientFeatures(hello.Details);
            Realm = accept.Realm;
            return accept.Realm;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            _log.HelloTimedOut(_connection.Details.Peer, _options.HelloTimeout);
            return null;
        }
    }

    /// <summary>
    /// Queues a message for the writer without ever blocking. Returns false when the message was
    /// dropped because the session is closing, or because the queue is full: then the session is a
    /// slow consumer, it is logged and its transport closed (its reader then posts the leave).
    /// </summary>
    internal bool Send(WampMessage message)
    {
        if (Volatile.Read(ref _closed) != 0) return false;
        // A session of another node: straight into the cluster's bounded outbox, in the loop's order (no writer of its own).
        if (IsRemote)
        {
            ((Cluster.ClusterConnection)_connection).Send(message);
            return true;
        }
        Metrics.RouterMetrics.Sent(Realm, _connection.Details.SerializerName, message);
        int size = OutboundSize.Of(message);
        if (_flow.Reserve(size, out int queued, out long bytes) && TryEnqueue(message))
        {
            _flow.Accepted(queued, bytes);
            return true;
        }
        _flow.Unreserve(size);
        if (Interlocked.Exchange(ref _closed, 1) != 0) return false; // completed concurrently: not a slow consumer
        // The hard limit: closed at once, as without flow control.
        _log.SlowConsumerOverLimit(Id, AuthId, AuthRole, Realm?.Name, _connection.Details.Peer, _flow.Queued, _flow.MaxMessages,
            _flow.QueuedBytes + size, _flow.MaxBytes);
        CompleteQueue();
        _flow.Release(); // rule 4: a closed session no longer holds the others back
        Metrics.RouterMetrics.SlowConsumerClosed(Realm?.Name);
        _ = CloseTransportAsync("slow consumer");
        return false;
    }

    /// <summary>Rule 4: congested past RouterOptions.SlowConsumerTimeout (FlowControl's watchdog): closed.</summary>
    internal void CloseAsSlowConsumer() => _ = CloseAsSlowConsumerAsync();

    private async Task CloseAsSlowConsumerAsync()
    {
        try
        {
            // Logged and counted once: the hard limit in Send may have closed this session as a slow consumer just before.
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                _log.SlowConsumerTimedOut(Id, AuthId, AuthRole, Realm?.Name, _connection.Details.Peer, _options.SlowConsumerTimeout, _flow.Queued,
                    _flow.QueuedBytes, _flow.HighWater, _flow.HighWaterBytes);
                Metrics.RouterMetrics.SlowConsumerClosed(Realm?.Name);
            }
            CompleteQueue();
            await CloseTransportAsync("slow consumer").ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _log.WatchdogFailed(e, Id);
        }
    }

    /// <summary>Queues a last message (GOODBYE/ABORT); the writer flushes it and closes the transport.</summary>
    internal void SendAndClose(WampMessage message)
    {
        Send(message);
        CompleteOutbound();
    }

    /// <summary>No more messages: the writer flushes what is queued, then closes the transport.</summary>
    internal void CompleteOutbound()
    {
        Volatile.Write(ref _closed, 1);
        CompleteQueue();
    }

    internal Task CloseTransportAsync(string reason)
    {
        if (Interlocked.Exchange(ref _transportClosed, 1) != 0) return Task.CompletedTask;
        return CloseCoreAsync(reason);

        async Task CloseCoreAsync(string why)
        {
            try { await _connection.CloseAsync(why).ConfigureAwait(false); }
            catch (Exception e) { _log.CloseFailed(e, Id); }
        }
    }

    private void AbortBeforeJoin(string reason, string message)
    {
        if (reason == WampErrors.ProtocolViolation) _router.ProtocolViolations.Report(_connection.Details.Peer, 0, message);
        else _log.AbortPeer(reason, _connection.Details.Peer, message);
        SendAndClose(new AbortMessage(new Dictionary<string, object?> { ["message"] = message }, reason));
    }

    private void ReadClientFeatures(IReadOnlyDictionary<string, object?> details)
    {
        // "call_cancelling" (two l's) is how advanced/rpc_progressive_call_invocations.md spells it: accepted too.
        CalleeCallCanceling = HasFeature(details, "callee", "call_canceling") || HasFeature(details, "callee", "call_cancelling");
        CalleeRegistrationRevocation = HasFeature(details, "callee", "registration_revocation");
        SubscriberSubscriptionRevocation = HasFeature(details, "subscriber", "subscription_revocation");
        CallerProgressiveCallInvocations = HasFeature(details, "caller", "progressive_call_invocations");
        CalleeProgressiveCallInvocations = HasFeature(details, "callee", "progressive_call_invocations");
        PublisherPayloadPassthru = HasFeature(details, "publisher", "payload_passthru_mode");
        CallerPayloadPassthru = HasFeature(details, "caller", "payload_passthru_mode");
        CalleePayloadPassthru = HasFeature(details, "callee", "payload_passthru_mode");
    }

    private static bool HasFeature(IReadOnlyDictionary<string, object?> details, string role, string feature)
        => details.TryGetValue("roles", out var r) && r is IReadOnlyDictionary<string, object?> roles
           && roles.TryGetValue(role, out var ro) && ro is IReadOnlyDictionary<string, object?> roleDict
           && roleDict.TryGetValue("features", out var f) && f is IReadOnlyDictionary<string, object?> features
           && features.GetBool(feature);
}
