using System.Threading.Channels;
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
/// Writer: drains a BOUNDED outbound queue; each wake-up takes everything queued and hands it to
/// <see cref="IWampConnection.SendAsync"/> in one call (one flush for many frames). The realm loop
/// only ever does a non-blocking TryWrite into that queue: when it is full the session is a slow
/// consumer and its transport is closed (see <see cref="Send"/>), so the loop never blocks and the
/// queue never grows past <see cref="RouterOptions.MaxOutboundQueue"/>.
///
/// Fields marked "loop-owned" are read and written only by the realm loop.
/// </summary>
internal sealed class RouterSession
{
    private readonly WampRouter _router;
    private readonly IWampConnection _connection;
    private readonly TransportAuthConfig _auth;
    private readonly RouterOptions _options;
    private readonly ILogger _log;
    private readonly Channel<WampMessage> _outbound;
    private int _closed; // 1 once no more messages may be queued (closing, closed or slow consumer)
    private int _transportClosed;

    public RouterSession(WampRouter router, IWampConnection connection, TransportAuthConfig auth, RouterOptions options, ILogger log)
    {
        _router = router;
        _connection = connection;
        _auth = auth;
        _options = options;
        _log = log;
        _outbound = Channel.CreateBounded<WampMessage>(new BoundedChannelOptions(Math.Max(1, options.MaxOutboundQueue))
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: that is the slow-consumer signal
        });
    }

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

    // Loop-owned state.
    internal bool Joined;
    internal bool Left;
    internal readonly HashSet<Subscription> Subscriptions = new();
    internal readonly HashSet<Registration> Registrations = new();
    internal readonly Dictionary<long, PendingCall> CallsAsCaller = new();
    internal readonly Dictionary<long, PendingCall> InvocationsAsCallee = new();
    private long _lastInvocationId;

    /// <summary>INVOCATION request ids are session scoped: 1, 2, 3 ... wrapping after 2^53 (basic/building_blocks.md). Loop-owned.</summary>
    internal long NextInvocationId()
    {
        _lastInvocationId = _lastInvocationId >= WampIds.Max ? 1 : _lastInvocationId + 1;
        return _lastInvocationId;
    }

    internal bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Runs the session to its end. Never throws.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var writer = Task.Run(WriteLoopAsync, CancellationToken.None);
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
            _log.LogDebug(e, "Transport of session {SessionId} failed", Id);
        }
        finally
        {
            // A session leaving cleans up its subscriptions, registrations and pending calls (in the loop).
            if (!(joinPosted && Realm is not null && await Realm.PostAsync(new LeaveCommand(this)).ConfigureAwait(false)))
                CompleteOutbound();
            await writer.ConfigureAwait(false);
            if (Id != 0) _router.ReleaseSessionId(Id);
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
            var outcome = await AuthHandshake.RunAsync(hello, _auth, _router, Id, Send, _connection.ReceiveAsync, helloTimeout.Token)
                .ConfigureAwait(false);
            if (outcome is AuthDeny deny) AbortBeforeJoin(deny.Reason, deny.Message);
            if (outcome is not AuthAccept accept) return null;
            (AuthId, AuthRole, AuthMethod, AuthProvider, AuthExtra) = (accept.AuthId, accept.AuthRole, accept.AuthMethod, accept.AuthProvider, accept.AuthExtra);
            ReadClientFeatures(hello.Details);
            Realm = accept.Realm;
            return accept.Realm;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            _log.LogInformation("Closing transport {Peer}: session not established within {Timeout}", _connection.Details.Peer, _options.HelloTimeout);
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
        if (_outbound.Writer.TryWrite(message)) return true;
        if (Interlocked.Exchange(ref _closed, 1) != 0) return false; // completed concurrently: not a slow consumer
        _log.LogWarning(
            "Slow consumer: session {SessionId} (authid {AuthId}, authrole {AuthRole}, realm {Realm}, peer {Peer}) has {Queued} messages queued (limit {Limit}); closing its transport",
            Id, AuthId, AuthRole, Realm?.Name, _connection.Details.Peer, _outbound.Reader.Count, _options.MaxOutboundQueue);
        _outbound.Writer.TryComplete();
        _ = CloseTransportAsync("slow consumer");
        return false;
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
        _outbound.Writer.TryComplete();
    }

    internal Task CloseTransportAsync(string reason)
    {
        if (Interlocked.Exchange(ref _transportClosed, 1) != 0) return Task.CompletedTask;
        return CloseCoreAsync(reason);

        async Task CloseCoreAsync(string why)
        {
            try { await _connection.CloseAsync(why).ConfigureAwait(false); }
            catch (Exception e) { _log.LogDebug(e, "Closing transport of session {SessionId} failed", Id); }
        }
    }

    private void AbortBeforeJoin(string reason, string message)
    {
        _log.LogInformation("ABORT {Reason} to {Peer}: {Message}", reason, _connection.Details.Peer, message);
        SendAndClose(new AbortMessage(new Dictionary<string, object?> { ["message"] = message }, reason));
    }

    private async Task WriteLoopAsync()
    {
        var reader = _outbound.Reader;
        var batch = new List<WampMessage>();
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                // Take everything that is queued: one SendAsync (one flush) for the whole batch.
                while (reader.TryRead(out var message)) batch.Add(message);
                if (batch.Count == 0) continue;
                await _connection.SendAsync(batch).ConfigureAwait(false);
                batch.Clear();
            }
        }
        catch (Exception e)
        {
            _log.LogDebug(e, "Sending to session {SessionId} failed", Id);
        }
        finally
        {
            Volatile.Write(ref _closed, 1);
            _outbound.Writer.TryComplete();
            await CloseTransportAsync("session closed").ConfigureAwait(false);
        }
    }

    private void ReadClientFeatures(IReadOnlyDictionary<string, object?> details)
    {
        CalleeCallCanceling = HasFeature(details, "callee", "call_canceling");
        CalleeRegistrationRevocation = HasFeature(details, "callee", "registration_revocation");
    }

    private static bool HasFeature(IReadOnlyDictionary<string, object?> details, string role, string feature)
        => details.TryGetValue("roles", out var r) && r is IReadOnlyDictionary<string, object?> roles
           && roles.TryGetValue(role, out var ro) && ro is IReadOnlyDictionary<string, object?> roleDict
           && roleDict.TryGetValue("features", out var f) && f is IReadOnlyDictionary<string, object?> features
           && features.GetBool(feature);
}
