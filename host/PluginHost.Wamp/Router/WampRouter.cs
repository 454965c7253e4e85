using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Transport;

namespace PluginHost.Wamp.Router;

/// <summary>
/// The WAMP router: realms and the sessions attached to them. Transports hand each
/// established connection to <see cref="ServeAsync"/>; embedded components use
/// <see cref="ConnectInProcess"/>.
///
/// Each realm runs its own routing loop (see Realm.cs for the concurrency design); this class only
/// holds the realm table, the router-wide session id space, and the set of running sessions.
/// </summary>
public sealed class WampRouter : IAsyncDisposable
{
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(5);

    private readonly RouterOptions _options;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, Realm> _realms = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, byte> _sessionIds = new();
    private readonly ConcurrentDictionary<RouterSession, Task> _sessions = new();

    /// <summary>Sessions being served now (any thread: the metrics' gauges read it at scrape time).</summary>
    internal ICollection<RouterSession> LiveSessions => _sessions.Keys;
    private readonly CancellationTokenSource _shutdown = new();
    private int _disposed;

    // Sessions served with the same outside token (a node's listeners pass their one runner's) share one token linked
    // with _shutdown, instead of a linked source per session (~300 bytes with its registrations, for each idle session).
    // The first cancellable outside token takes the slot; any other gets a linked source of its own, as before.
    private readonly Lock _sharedTokenGate = new();
    private CancellationToken _sharedOutside;
    private CancellationTokenSource? _sharedLinked;

    public WampRouter(RouterOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        _options = options ?? new RouterOptions();
        if (_options.MaxOutboundQueue < 1) throw new ArgumentOutOfRangeException(nameof(options), "MaxOutboundQueue must be at least 1");
        if (_options.MaxOutboundBytes < 1) throw new ArgumentOutOfRangeException(nameof(options), "MaxOutboundBytes must be at least 1");
        if (_options.SlowConsumerTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(options), "SlowConsumerTimeout must be positive");
        _log = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("PluginHost.Wamp.Router");
        ProtocolViolations = new ProtocolViolationLog(_log, _options.TimeProvider);
        // A cluster member: connects to NATS in the background (the router serves locally meanwhile, Cluster/ClusterNode.cs).
        if (_options.Cluster is { } cluster)
        {
            Cluster = new Cluster.ClusterNode(cluster, _log);
            Cluster.Start();
        }
        Metrics.RouterMetrics.RouterStarted(this);
    }

    /// <summary>This router's cluster membership (RouterOptions.Cluster), or null for a single node.</summary>
    internal Cluster.ClusterNode? Cluster { get; }

    /// <summary>Where every ABORT wamp.error.protocol_violation is logged, flood-limited per peer address.</summary>
    internal ProtocolViolationLog ProtocolViolations { get; }

    /// <summary>Starts a realm. Throws InvalidOperationException when a realm of that name exists.</summary>
    public void AddRealm(RealmConfig realm)
    {
        ArgumentNullException.ThrowIfNull(realm);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        // Realm names are URIs (basic/uris.md); checked loosely so that Crossbar-style names work.
        if (!UriValidator.IsValid(realm.Name, UriCheckMode.Loose))
            throw new ArgumentException($"invalid realm name '{realm.Name}'", nameof(realm));
        var r = new Realm(realm, this, _options, _log);
        if (!_realms.TryAdd(realm.Name, r)) throw new InvalidOperationException($"realm '{realm.Name}' already exists");
        r.Start();
        _log.RealmStarted(realm.Name, realm.Roles.Count, realm.UriCheck, realm.EnableMetaApi ? "on" : "off");
    }

    /// <summary>Persistent store files open in this router, shared by the realms and cookie stores naming the same file.</summary>
    internal Store.StoreRegistry Stores { get; } = new();

    /// <summary>Sessions established on a connection with a tracked cookie: GOODBYE wamp.close.logout revokes it (Realm.cs).</summary>
    internal ConcurrentDictionary<long, Store.ConnectionCookie> CookieSessions { get; } = new();

    public bool HasRealm(string name) => _realms.ContainsKey(name);

    /// <summary>The realms served (any thread).</summary>
    internal IEnumerable<string> RealmNames => _realms.Keys;

    internal bool TryGetRealm(string name, [NotNullWhen(true)] out Realm? realm) => _realms.TryGetValue(name, out realm);

    /// <summary>
    /// Runs one WAMP session over <paramref name="connection"/> from HELLO to GOODBYE/ABORT/transport loss.
    /// Completes when the session is over; peer errors are logged, never thrown.
    /// </summary>
    public Task ServeAsync(IWampConnection connection, TransportAuthConfig? auth = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (Volatile.Read(ref _disposed) != 0) return CloseQuietly(connection);
        var session = new RouterSession(this, connection, auth ?? TransportAuthConfig.Anonymous, _options, _log);
        var ownLinked = SessionToken(cancellationToken, out var token);
        // No async frame of its own kept for the session's life (issue 13: memory per idle session): the session
        // removes itself when it ends (SessionEnded). It is listed before it runs, so that its end always finds it.
        _sessions[session] = Task.CompletedTask;
        var run = session.RunAsync(token, ownLinked);
        _sessions.TryUpdate(session, run, Task.CompletedTask);
        return run;
    }

    /// <summary>The last step of <see cref="RouterSession.RunAsync"/>.</summary>
    internal void SessionEnded(RouterSession session) => _sessions.TryRemove(session, out _);

    /// <summary>
    /// The token a session runs with: cancelled at the router's shutdown or by <paramref name="outside"/>. Returns the
    /// linked source the caller must dispose when the session ends, or null when the token is shared.
    /// </summary>
    private CancellationTokenSource? SessionToken(CancellationToken outside, out CancellationToken token)
    {
        if (!outside.CanBeCanceled)
        {
            token = _shutdown.Token;
            return null;
        }
        lock (_sharedTokenGate)
        {
            if (_sharedLinked is null && Volatile.Read(ref _disposed) == 0)
            {
                _sharedOutside = outside;
                _sharedLinked = CancellationTokenSource.CreateLinkedTokenSource(outside, _shutdown.Token);
            }
            if (_sharedLinked is not null && _sharedOutside == outside)
            {
                token = _sharedLinked.Token;
                return null;
            }
        }
        var own = CancellationTokenSource.CreateLinkedTokenSource(outside, _shutdown.Token);
        token = own.Token;
        return own;
    }

    /// <summary>Returns the client end of an in-process connection whose router end is being served.</summary>
    public IWampConnection ConnectInProcess(TransportAuthConfig? auth = null)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var (client, router) = InProcessConnection.CreatePair();
        _ = Task.Run(() => ServeAsync(router, auth));
        return client;
    }

    /// <summary>
    /// An in-process connection whose session joins in role "trusted" (never authorized, like the router's own service
    /// sessions; join with authmethod anonymous): for services of the application hosting the router, such as a node's
    /// management API, which registers procedures its callers are then authorized for as usual. Never hand it to code
    /// you do not trust.
    /// </summary>
    public IWampConnection ConnectInProcessTrusted() => ConnectInProcess(ServiceSession.AuthConfig);

    /// <summary>Ends every session with GOODBYE wamp.close.system_shutdown and stops the realms.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Metrics.RouterMetrics.RouterStopped(this);
        // 1. Each realm loop sends GOODBYE system_shutdown to its sessions and stops.
        await Task.WhenAll(_realms.Values.Select(r => r.ShutdownAsync())).ConfigureAwait(false);
        // 2. Sessions still in the HELLO phase (or blocked reading) are cancelled.
        _shutdown.Cancel();
        // 3. Wait for the writers to flush and the transports to close; force-close stragglers.
        var running = _sessions.Values.ToArray();
        try
        {
            await Task.WhenAll(running).WaitAsync(ShutdownGrace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _log.ShutdownGraceExceeded(_sessions.Count, ShutdownGrace);
            foreach (var session in _sessions.Keys) _ = session.CloseTransportAsync("router shutdown");
        }
        _realms.Clear();
        if (Cluster is not null) await Cluster.DisposeAsync().ConfigureAwait(false);
        lock (_sharedTokenGate)
        {
            _sharedLinked?.Dispose();
            _sharedLinked = null;
        }
        _shutdown.Dispose();
        ProtocolViolations.Dispose();
    }

    /// <summary>Session ids are global scope: random in [1, 2^53] and unique across the router.</summary>
    internal long AllocateSessionId()
    {
        while (true)
        {
            var id = WampIds.NewGlobalId();
            if (_sessionIds.TryAdd(id, 0)) return id;
        }
    }

    internal void ReleaseSessionId(long id) => _sessionIds.TryRemove(id, out _);

    private async Task CloseQuietly(IWampConnection connection)
    {
        try { await connection.CloseAsync("router disposed").ConfigureAwait(false); }
        catch (Exception e) { _log.ConnectionCloseFailed(e); }
    }
}
