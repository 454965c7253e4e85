using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace PluginHost.Wamp.Router.Cluster;

// ---------------------------------------------------------------------------------------------
// CLUSTER DESIGN (one realm across many router processes, over NATS)
//
// Nothing here is home-made membership or transport: NATS carries everything.
//   - Publications: every node publishes each routed publication of a shared realm once on the realm's subject
//     ({name}.{realm}.pub); every other node delivers it to its own subscribers. NATS keeps one publisher's
//     messages in order, so subscribers everywhere get a publisher's events in its order, and exactly once.
//   - Registrations: each node puts its callees' registrations in a JetStream key/value bucket ({name}_registry,
//     key {realm}.{node}.{session}.{registration}) and watches the whole bucket: the other nodes' callees become
//     remote callees of its own dealer (RealmCluster.cs). REGISTERED goes to the callee only once the put is stored,
//     and a CALL that finds no callee waits until this node's watch has caught up with the bucket before it answers
//     no_such_procedure, so a caller anywhere sees a registration that was confirmed anywhere.
//   - Calls: the caller's node runs the call (policy, timeout, cancel, progress) as on one node, and sends the
//     INVOCATION/INTERRUPT to the callee's node ({name}.{realm}.node.{node}); that node relays it to its callee under
//     an invocation id of its own and sends the callee's YIELD/ERROR back the same way.
//   - Liveness: each node renews its key in {name}_nodes, a bucket whose entries expire after NodeTimeout. A node
//     whose key has expired is dead: the others drop its callees (failing the calls pending on them) and delete
//     its registry entries. Each process start is a new node id (name + random suffix), so a node that comes back
//     is a new node and never inherits its former self's entries.
//   - NATS down: every node drops the remote callees (local traffic goes on), logs the outage once, and when NATS
//     returns re-creates the buckets if they are gone, puts its own entries again and watches afresh.
//
// CONCURRENCY DESIGN
// ClusterNode (one per router) owns the NATS connection and these tasks, each the only owner of its state:
//   - the outbox drainer: a bounded channel of (subject, payload) toward NATS; writers never wait (a full outbox
//     drops and counts, logged once per burst), so a slow or dead NATS never stalls a realm loop;
//   - the registry writer: puts and deletes of this node's entries, in order, and _own (what must be put again
//     after an outage); callers get a callback when their write is stored (REGISTERED waits on it);
//   - the registry watcher: turns other nodes' entries into commands to the realm loops; _watched (the last
//     revision it handled) is read by the catch-up barrier (Interlocked);
//   - the liveness loop: renews this node's key, lists the live ones, declares the missing ones dead (_alive, _gone).
// Routing state is never touched here: whatever changes it is posted to the realm's loop (RealmCluster.cs).
// ---------------------------------------------------------------------------------------------

/// <summary>This router's membership in a cluster: its NATS connection and what it shares through it.</summary>
internal sealed class ClusterNode : IAsyncDisposable
{
    private readonly ClusterOptions _options;
    private readonly ILogger _log;
    private readonly NatsConnection _nats;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<Outgoing> _outbox;
    private readonly Channel<RegistryWrite> _writes = Channel.CreateUnbounded<RegistryWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, RealmCluster> _realms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]> _own = new(StringComparer.Ordinal); // registry writer only
    private readonly List<Task> _tasks = new();
    private readonly TimeSpan _heartbeat;
    private long _watched;   // last registry revision the watcher handled (Interlocked)
    private long _dropped;   // outbox messages dropped since the last report (Interlocked)
    private int _outage;     // 1 while NATS is unreachable (logged once per outage)
    private int _hadOutage;  // 1 from an outage until the connection is open again (then the registry is watched afresh)
    private int _outageLogged; // 1 from an outage's log line to the line that says NATS is back
    private long _backAt;      // Environment.TickCount64 when NATS was last logged back
    private CancellationTokenSource? _watchRound; // the current registry watch
    private CancellationTokenSource _publishing = new(); // cancelled when an outage begins: a publish waiting for NATS gives up
    private TaskCompletionSource _watchProgress = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private INatsKVStore? _registry, _nodes;
    private readonly string _servers;

    public ClusterNode(ClusterOptions options, ILogger log)
    {
        _options = options;
        _log = log;
        NodeId = $"{Sanitize(options.Node)}-{Convert.ToHexString(BitConverter.GetBytes(Random.Shared.NextInt64()))[..8].ToLowerInvariant()}";
        _heartbeat = options.NodeTimeout / 4;
        _outbox = Channel.CreateBounded<Outgoing>(new BoundedChannelOptions(Math.Max(16, options.OutboxCapacity))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.DropWrite,
        });
        var auth = NatsAuthOpts.Default with
        {
            Username = options.User,
            Password = options.Password,
            Token = options.Token,
            CredsFile = options.CredentialsFile,
        };
        var tls = options.TlsCaFile is null && options.TlsCertFile is null
            ? NatsTlsOpts.Default
            : NatsTlsOpts.Default with { CaFile = options.TlsCaFile, CertFile = options.TlsCertFile, KeyFile = options.TlsKeyFile, Mode = TlsMode.Require };
        _nats = new NatsConnection(NatsOpts.Default with
        {
            Url = _servers = string.Join(",", options.Servers),
            Name = $"pluginhost-router {NodeId}",
            AuthOpts = auth,
            TlsOpts = tls,
            RetryOnInitialConnect = true,
            Echo = false, // a node never gets its own publications back (it delivered them itself)
            MaxReconnectRetry = -1,
            ReconnectWaitMin = TimeSpan.FromMilliseconds(100),
            ReconnectWaitMax = TimeSpan.FromSeconds(1),
            SubPendingChannelCapacity = 65536,
            SubPendingChannelFullMode = BoundedChannelFullMode.Wait,
        });
        _nats.ConnectionDisconnected += (_, _) => { OnOutage("disconnected"); return ValueTask.CompletedTask; };
        _nats.ConnectionOpened += (_, _) => { OnConnected(); return ValueTask.CompletedTask; };
        Prefix = Sanitize(options.Name);
    }

    /// <summary>This process's node id: the configured name and a random suffix (a restarted node is a new node).</summary>
    public string NodeId { get; }

    /// <summary>Subject and bucket prefix: the cluster's name.</summary>
    public string Prefix { get; }

    public ClusterOptions Options => _options;

    internal ILogger Log => _log;

    /// <summary>Connects (in the background: a router starts and serves locally while NATS is away) and starts the tasks.</summary>
    public void Start()
    {
        _tasks.Add(Task.Run(DrainOutboxAsync));
        _tasks.Add(Task.Run(WriteRegistryAsync));
        _tasks.Add(Task.Run(WatchRegistryAsync));
        _tasks.Add(Task.Run(KeepAliveAsync));
        _tasks.Add(Task.Run(AnswerCaughtUpAsync));
        _log.ClusterStarting(NodeId, _servers, Prefix);
    }

    /// <summary>A shared realm joins the cluster: its subjects are subscribed, other nodes' entries reach it.</summary>
    public void Attach(RealmCluster realm)
    {
        _realms[realm.Key] = realm;
        var publications = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var envelopes = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_subscribed) _subscribed.AddRange([publications.Task, envelopes.Task, lost.Task]);
        _tasks.Add(Task.Run(() => ReceiveAsync(PublicationSubject(realm.Key), realm, publications, static (r, m, _) => r.OnPublicationAsync(m))));
        _tasks.Add(Task.Run(() => ReceiveAsync(NodeSubject(realm.Key, NodeId), realm, envelopes, static (r, m, reply) => r.OnEnvelopeAsync(m, reply))));
        _tasks.Add(Task.Run(() => ReceiveLostAsync(LostSubject(realm.Key), realm, lost)));
        _tasks.Add(Task.Run(async () =>
        {
            await Task.WhenAll(publications.Task, envelopes.Task).WaitAsync(_stop.Token).ConfigureAwait(false);
            _log.ClusterRealmShared(NodeId, realm.Name);
        }));
    }

    private readonly List<Task> _subscribed = new();

    /// <summary>
    /// Completes once every shared realm's subjects are subscribed at the NATS server and this node has caught up with the
    /// registry: from then on it gets every publication and knows every confirmed registration. (Tests and tools wait
    /// for it; the router itself serves from the start.)
    /// </summary>
    public async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        Task[] subscribed;
        lock (_subscribed) subscribed = [.. _subscribed];
        await Task.WhenAll(subscribed).WaitAsync(cancellationToken).ConfigureAwait(false);
        while (_registry is null) await Volatile.Read(ref _watchProgress).Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        await RegistryCaughtUpAsync(TimeSpan.FromSeconds(10)).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public string PublicationSubject(string realmKey) => $"{Prefix}.{realmKey}.pub";

    public string NodeSubject(string realmKey, string node) => $"{Prefix}.{realmKey}.node.{node}";

    /// <summary>
    /// Where NATS tells this node that a message it relayed found no subscriber: the reply subject of each relayed
    /// INVOCATION is this, then the callee session and the invocation id (RealmCluster.InvocationLost).
    /// </summary>
    public string LostSubject(string realmKey) => $"{Prefix}.{realmKey}.lost.{NodeId}";

    /// <summary>Never waits: queues a message toward NATS, or drops it (counted, logged) when the outbox is full.</summary>
    public void Send(string subject, byte[] payload) => Enqueue(new Outgoing(subject, payload, null, null));

    /// <summary>As <see cref="Send(string, byte[])"/>, encoded by the outbox's task: the caller (a realm loop) does not pay for it.</summary>
    /// <param name="replyTo">
    /// A reply subject for NATS's no-responders answer: published with one, a message that finds no subscriber is
    /// answered there at once by the server (status 503) instead of vanishing (RealmCluster's lost invocations).
    /// </param>
    public void Send(string subject, Func<byte[]> encode, string? replyTo = null) => Enqueue(new Outgoing(subject, null, encode, null, replyTo));

    /// <summary>One message toward NATS, or (<see cref="Then"/>) something to do once everything queued before it is published.</summary>
    private sealed record Outgoing(string? Subject, byte[]? Payload, Func<byte[]>? Encode, Action? Then, string? ReplyTo = null);

    private void Enqueue(Outgoing item)
    {
        if (_outbox.Writer.TryWrite(item)) return;
        if (Interlocked.Increment(ref _dropped) == 1) _log.ClusterOutboxFull(NodeId, _options.OutboxCapacity);
    }

    /// <summary>Puts (value) or deletes (null) this node's registry entry; <paramref name="stored"/> runs once NATS has it (or gave up).</summary>
    public void WriteRegistry(string key, byte[]? value, Action? stored) => _writes.Writer.TryWrite(new RegistryWrite(key, value, stored));

    /// <summary>
    /// As <see cref="WriteRegistry"/> for a put, but <paramref name="seen"/> runs only once every other live node has also
    /// handled it (request/reply: "have you watched revision R?"), or after the catch-up limit: REGISTERED goes out when a
    /// caller anywhere finds the callee, in every node's rotation of a shared registration.
    /// </summary>
    public void AnnounceRegistry(string key, byte[] value, Action seen) => _writes.Writer.TryWrite(new RegistryWrite(key, value, seen, AwaitPeers: true));

    /// <summary>
    /// As <see cref="AnnounceRegistry"/> for a single registration: first the procedure's claim key is created (NATS key/value
    /// create: only one node can), so that two nodes registering it at the same moment cannot both succeed; the loser's
    /// <paramref name="refused"/> runs instead (nothing is put).
    /// </summary>
    public void AnnounceSingle(string key, byte[] value, string claim, bool takeOver, Action seen, Action refused)
        => _writes.Writer.TryWrite(new RegistryWrite(key, value, seen, AwaitPeers: true, Claim: claim, Refused: refused, TakeOver: takeOver));

    /// <summary>Withdraws a single registration's entry and, when it holds it, its claim.</summary>
    public void WithdrawSingle(string key, string claim) => _writes.Writer.TryWrite(new RegistryWrite(key, null, null, Claim: claim));

    /// <summary>
    /// The catch-up barrier: completes once the watcher has handled every registry entry the bucket held when it was
    /// called (or after <paramref name="limit"/>, or at once when NATS is away). After it, this node knows of every
    /// registration that any node had confirmed before.
    /// </summary>
    public async Task RegistryCaughtUpAsync(TimeSpan limit)
    {
        if (Volatile.Read(ref _outage) != 0) return;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(limit);
        try
        {
            var (registry, _) = await StoresAsync(timeout.Token).ConfigureAwait(false);
            var status = await registry.GetStatusAsync(timeout.Token).ConfigureAwait(false);
            await WatchedAsync((long)status.Info.State.LastSeq, limit).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or NatsException)
        {
            // No answer in time: the caller goes on with what this node knows.
        }
    }

    // ----- outbox -----

    private async Task DrainOutboxAsync()
    {
        var reader = _outbox.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var item))
                {
                    if (item.Then is { } then)
                    {
                        then();
                        continue;
                    }
                    // NATS is away: what would go to it now is dropped at once (the outage is logged once), so that the
                    // outbox never stalls what waits behind it (REGISTERED and WELCOME for local sessions).
                    if (Volatile.Read(ref _outage) != 0) continue;
                    try
                    {
                        await _nats.PublishAsync(item.Subject!, item.Payload ?? item.Encode!(), replyTo: item.ReplyTo,
                            cancellationToken: Volatile.Read(ref _publishing).Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
                    {
                        // The outage began while this message waited for NATS: dropped, as the ones after it.
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        _log.ClusterPublishFailed(NodeId, item.Subject!, e.Message);
                    }
                }
                if (Interlocked.Exchange(ref _dropped, 0) is > 0 and var dropped) _log.ClusterOutboxDropped(NodeId, dropped);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private Task ReceiveAsync(string subject, RealmCluster realm, TaskCompletionSource subscribed, Func<RealmCluster, byte[], string?, ValueTask> handle)
        => KeepSubscribedAsync(subject, async () =>
        {
            await using var sub = await _nats.SubscribeCoreAsync<byte[]>(subject, cancellationToken: _stop.Token).ConfigureAwait(false);
            await _nats.PingAsync(_stop.Token).ConfigureAwait(false); // the server has the SUB once it answers the PING
            subscribed.TrySetResult();
            await foreach (var msg in sub.Msgs.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                if (msg.Data is not { } data) continue;
                try
                {
                    await handle(realm, data, msg.ReplyTo).ConfigureAwait(false); // awaited: the realm gets them in NATS order
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _log.ClusterMessageRejected(e, NodeId, subject);
                }
            }
        });

    /// <summary>
    /// NATS's no-responders answers (status 503, no payload) to the relayed INVOCATIONs of one realm: their subject ends
    /// with the callee session and the invocation id the message carried.
    /// </summary>
    private Task ReceiveLostAsync(string prefix, RealmCluster realm, TaskCompletionSource subscribed)
        => KeepSubscribedAsync(prefix, async () =>
        {
            await using var sub = await _nats.SubscribeCoreAsync<byte[]>(prefix + ".>", cancellationToken: _stop.Token).ConfigureAwait(false);
            await _nats.PingAsync(_stop.Token).ConfigureAwait(false);
            subscribed.TrySetResult();
            await foreach (var msg in sub.Msgs.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                var tokens = msg.Subject.AsSpan(prefix.Length + 1);
                int dot = tokens.IndexOf('.');
                if (!msg.HasNoResponders || dot < 0 || !long.TryParse(tokens[..dot], out long session) || !long.TryParse(tokens[(dot + 1)..], out long invocation))
                    continue;
                await realm.OnInvocationLostAsync(session, invocation).ConfigureAwait(false);
            }
        });

    /// <summary>Runs a subscription's loop until the node stops; when it fails (NATS away, say) it subscribes again a heartbeat later.</summary>
    private async Task KeepSubscribedAsync(string subject, Func<Task> run)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await run().ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _log.ClusterSubscriptionFailed(NodeId, subject, e.Message);
                try { await Task.Delay(_heartbeat, _stop.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    // ----- key/value buckets -----

    private async Task<(INatsKVStore Registry, INatsKVStore Nodes)> StoresAsync(CancellationToken ct)
    {
        if (_registry is { } r && _nodes is { } n) return (r, n);
        var kv = new NatsKVContext(new NatsJSContext(_nats));
        // Memory storage: the registry describes live sessions only; after a NATS restart every node puts its own again.
        var registry = await kv.CreateStoreAsync(new NatsKVConfig($"{Prefix}_registry") { Storage = NatsKVStorageType.Memory, History = 1 }, ct)
            .ConfigureAwait(false);
        var nodes = await kv.CreateStoreAsync(new NatsKVConfig($"{Prefix}_nodes")
        {
            Storage = NatsKVStorageType.Memory,
            History = 1,
            MaxAge = _options.NodeTimeout, // liveness: a key not renewed within NodeTimeout is gone
        }, ct).ConfigureAwait(false);
        (_registry, _nodes) = (registry, nodes);
        return (registry, nodes);
    }

    private sealed record RegistryWrite(string? Key, byte[]? Value, Action? Stored, bool AwaitPeers = false, string? Claim = null, Action? Refused = null,
        bool TakeOver = false);

    private static readonly RegistryWrite PutAllAgain = new(null, null, null);

    private async Task WriteRegistryAsync()
    {
        var reader = _writes.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var write))
                {
                    if (write.Key is { } key)
                    {
                        if (write.Claim is { } claim)
                        {
                            if (write.Value is not null && !await ClaimAsync(claim, key, write.TakeOver).ConfigureAwait(false))
                            {
                                write.Refused?.Invoke();
                                continue;
                            }
                            if (write.Value is null) await UnclaimAsync(claim, key).ConfigureAwait(false);
                        }
                        if (write.Value is { } value) _own[key] = value;
                        else _own.Remove(key);
                        long revision = await StoreAsync(key, write.Value).ConfigureAwait(false);
                        if (write.Stored is not { } stored) continue;
                        // Through the outbox: what the loop sent toward NATS before this write (a revocation, say) is out first.
                        Action then = () => { if (!_outbox.Writer.TryWrite(new Outgoing(null, null, null, stored))) stored(); };
                        if (write.AwaitPeers && revision > 0) _ = Task.Run(async () => { await PeersCaughtUpAsync(revision).ConfigureAwait(false); then(); });
                        else then();
                    }
                    else
                    {
                        // Back from an outage: the buckets may be new (NATS restarted), so every own entry is put again, and
                        // entries removed meanwhile (their delete was not sent) are deleted now.
                        foreach (var (k, v) in _own.ToList()) await StoreAsync(k, v).ConfigureAwait(false);
                        await DeleteStaleAsync().ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task DeleteStaleAsync()
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        limit.CancelAfter(_options.NodeTimeout);
        try
        {
            var (registry, _) = await StoresAsync(limit.Token).ConfigureAwait(false);
            var stale = new List<string>();
            await foreach (var key in registry.GetKeysAsync(cancellationToken: limit.Token).ConfigureAwait(false))
                if (RegistryKey.TryParse(key, out var k) && k.Node == NodeId && !_own.ContainsKey(key)) stale.Add(key);
            foreach (var key in stale) await registry.DeleteAsync(key, cancellationToken: limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or OperationCanceledException && !_stop.IsCancellationRequested)
        {
            OnOutage(e.Message);
        }
    }

    /// <summary>
    /// Creates the claim (its value: the claiming entry's key), or with <paramref name="takeOver"/> (force_reregister) takes it
    /// whoever holds it. True when this entry holds it now, or NATS is away.
    /// </summary>
    private async Task<bool> ClaimAsync(string claim, string key, bool takeOver)
    {
        if (Volatile.Read(ref _outage) != 0) return true;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        limit.CancelAfter(_options.NodeTimeout);
        var owner = System.Text.Encoding.UTF8.GetBytes(key);
        try
        {
            var (registry, _) = await StoresAsync(limit.Token).ConfigureAwait(false);
            try
            {
                if (takeOver) await registry.PutAsync(claim, owner, cancellationToken: limit.Token).ConfigureAwait(false);
                else await registry.CreateAsync(claim, owner, cancellationToken: limit.Token).ConfigureAwait(false);
            }
            catch (NatsKVCreateException)
            {
                var held = await registry.GetEntryAsync<byte[]>(claim, cancellationToken: limit.Token).ConfigureAwait(false);
                if (held.Value is { } value && !value.AsSpan().SequenceEqual(owner)) return false;
            }
            _own[claim] = owner; // put again after an outage, as the entry itself
            return true;
        }
        catch (Exception e) when (e is NatsException or OperationCanceledException && !_stop.IsCancellationRequested)
        {
            OnOutage(e.Message);
            return true;
        }
    }

    /// <summary>Deletes the claim if this entry holds it.</summary>
    private async Task UnclaimAsync(string claim, string key)
    {
        if (!_own.Remove(claim) || Volatile.Read(ref _outage) != 0) return;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        limit.CancelAfter(_options.NodeTimeout);
        try
        {
            var (registry, _) = await StoresAsync(limit.Token).ConfigureAwait(false);
            var held = await registry.GetEntryAsync<byte[]>(claim, cancellationToken: limit.Token).ConfigureAwait(false);
            if (held.Value is { } value && System.Text.Encoding.UTF8.GetString(value) == key)
                await registry.DeleteAsync(claim, cancellationToken: limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsKVKeyNotFoundException or NatsKVKeyDeletedException) { /* gone already */ }
        catch (Exception e) when (e is NatsException or OperationCanceledException && !_stop.IsCancellationRequested)
        {
            OnOutage(e.Message);
        }
    }

    /// <summary>A claim key: {realm}.claim.{hash of match and URI} (not a registry key: the watcher passes it by).</summary>
    public static string ClaimKey(string realmKey, string uri, UriMatch match)
        => $"{realmKey}.claim.{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{match}:{uri}")))[..40]}";

    /// <summary>Puts or deletes; the stream revision of a put (0 for a delete, or when NATS is away).</summary>
    private async Task<long> StoreAsync(string key, byte[]? value)
    {
        // NATS is away: nothing waits for it (joins and registrations go on locally); _own is put again when it is back.
        if (Volatile.Read(ref _outage) != 0) return 0;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        limit.CancelAfter(_options.NodeTimeout);
        try
        {
            var (registry, _) = await StoresAsync(limit.Token).ConfigureAwait(false);
            if (value is null) await registry.DeleteAsync(key, cancellationToken: limit.Token).ConfigureAwait(false);
            else return (long)await registry.PutAsync(key, value, cancellationToken: limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or OperationCanceledException && !_stop.IsCancellationRequested)
        {
            // NATS is away: the entry is kept in _own and put again when it returns.
            OnOutage(e.Message);
        }
        return 0;
    }

    // ----- "have you caught up with revision R?" (request/reply between nodes) -----

    private string CaughtUpSubject(string node) => $"{Prefix}.caughtup.{node}";

    private Task PeersCaughtUpAsync(long revision) => AskOtherNodesAsync(CaughtUpSubject, BitConverter.GetBytes(revision));

    /// <summary>
    /// Completes once every other node's loop of the realm has handled what this node sent it before (or after
    /// <see cref="CatchUpLimit"/>; a node that does not answer is not waited for): a <see cref="EnvelopeKind.LoopBarrier"/>
    /// request on each node's subject. Call it from an outbox Then, once everything queued
    /// before is published, so that the request travels behind it on this node's connection.
    /// </summary>
    public Task LoopsCaughtUpAsync(string realmKey)
        => AskOtherNodesAsync(other => NodeSubject(realmKey, other), ClusterEnvelope.Encode(EnvelopeKind.LoopBarrier, 0, NodeId, ClusterEnvelope.Probe));

    /// <summary>A NATS request to each other node (on <paramref name="subject"/> of it); completes with every answer, or
    /// after <see cref="CatchUpLimit"/>: a node that is gone or slow is not waited for.</summary>
    private async Task AskOtherNodesAsync(Func<string, string> subject, byte[] data)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        limit.CancelAfter(CatchUpLimit);
        await Task.WhenAll(OtherNodes.Select(async other =>
        {
            try { await _nats.RequestAsync<byte[], byte[]>(subject(other), data, cancellationToken: limit.Token).ConfigureAwait(false); }
            catch (Exception e) when (e is NatsException or OperationCanceledException) { /* gone or slow: not waited for */ }
        })).ConfigureAwait(false);
    }

    private Task AnswerCaughtUpAsync()
        => KeepSubscribedAsync(CaughtUpSubject(NodeId), async () =>
        {
            await foreach (var msg in _nats.SubscribeAsync<byte[]>(CaughtUpSubject(NodeId), cancellationToken: _stop.Token).ConfigureAwait(false))
            {
                if (msg.Data is not { Length: 8 } data) continue;
                long revision = BitConverter.ToInt64(data);
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await WatchedAsync(revision, CatchUpLimit).ConfigureAwait(false);
                        await msg.ReplyAsync(data, cancellationToken: _stop.Token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is NatsException or OperationCanceledException) { /* the asker gives up by itself */ }
                });
            }
        });

    /// <summary>Completes once the watcher has handled <paramref name="revision"/> (or after <paramref name="limit"/>).</summary>
    private async Task WatchedAsync(long revision, TimeSpan limit)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(limit);
        try
        {
            while (true)
            {
                var progress = Volatile.Read(ref _watchProgress); // taken before the check: a later revision completes it
                if (Interlocked.Read(ref _watched) >= revision) return;
                await progress.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
        {
            // Not in time: the asker goes on.
        }
    }

    internal static readonly TimeSpan CatchUpLimit = TimeSpan.FromSeconds(2);

    private async Task WatchRegistryAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            using var round = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            Volatile.Write(ref _watchRound, round);
            try
            {
                var (registry, _) = await StoresAsync(round.Token).ConfigureAwait(false);
                // A fresh watch delivers the whole bucket again: the realms forget what they had imported first.
                foreach (var realm in _realms.Values) await realm.ForgetRemoteCalleesAsync().ConfigureAwait(false);
                MarkWatched(0);
                await foreach (var entry in registry.WatchAsync<byte[]>(">", cancellationToken: round.Token).ConfigureAwait(false))
                {
                    await RouteAsync(entry).ConfigureAwait(false);
                    MarkWatched((long)entry.Revision);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException)
            {
                // NATS came back from an outage (OnConnected): watch afresh.
            }
            catch (Exception e)
            {
                OnOutage(e.Message);
                try { await Task.Delay(_heartbeat, _stop.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>Completes when the watcher next handles a registry entry (tests wait on it instead of polling).</summary>
    internal Task NextRegistryChange() => Volatile.Read(ref _watchProgress).Task;

    /// <summary>The watcher handled <paramref name="revision"/> (0: a fresh watch starts): wakes the barriers.</summary>
    private void MarkWatched(long revision)
    {
        Interlocked.Exchange(ref _watched, revision);
        Interlocked.Exchange(ref _watchProgress, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private async ValueTask RouteAsync(NatsKVEntry<byte[]> entry)
    {
        if (!RegistryKey.TryParse(entry.Key, out var key)) return;
        if (key.Node == NodeId || !_realms.TryGetValue(key.Realm, out var realm)) return;
        if (entry.Operation == NatsKVOperation.Put && entry.Value is { } value)
        {
            _registryNodes.TryAdd(key.Node, 0);
            await realm.OnRemoteRegistrationAsync(key, value).ConfigureAwait(false);
        }
        else await realm.OnRemoteUnregistrationAsync(key).ConfigureAwait(false);
    }

    // ----- liveness -----

    private readonly ConcurrentDictionary<string, byte> _registryNodes = new(StringComparer.Ordinal); // nodes seen in the registry
    private readonly HashSet<string> _gone = new(StringComparer.Ordinal); // liveness loop only
    private string[] _alive = []; // the other live nodes, as of the last renewal (replaced whole: read with Volatile)

    /// <summary>The other nodes alive at the last liveness renewal.</summary>
    public IReadOnlyList<string> OtherNodes => Volatile.Read(ref _alive);

    private async Task KeepAliveAsync()
    {
        // Since when this node could have seen every live node renew: its start, and again the end of each outage (while
        // NATS was away nobody could renew, and a NATS that restarted empty has no liveness keys until each node's next
        // heartbeat). Without the reset, the first listing after an outage found the others' keys missing, declared them
        // dead, failed their pending calls and purged the entries they had just put again, for good.
        var watchingSince = DateTime.UtcNow;
        var alive = new HashSet<string>(StringComparer.Ordinal);
        ulong lastRevision = 0;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                limit.CancelAfter(_options.NodeTimeout);
                var (registry, nodes) = await StoresAsync(limit.Token).ConfigureAwait(false);
                lastRevision = await RenewAsync(nodes, lastRevision, limit.Token).ConfigureAwait(false);
                alive.Clear();
                await foreach (var key in nodes.GetKeysAsync(cancellationToken: limit.Token).ConfigureAwait(false)) alive.Add(key);
                Volatile.Write(ref _alive, alive.Where(n => n != NodeId).ToArray());
                if (Volatile.Read(ref _outage) == 1)
                {
                    Interlocked.Exchange(ref _publishing, new CancellationTokenSource()).Dispose();
                    Volatile.Write(ref _outage, 0);
                    watchingSince = DateTime.UtcNow;
                    _writes.Writer.TryWrite(PutAllAgain); // what changed meanwhile (or all of it, if NATS restarted)
                    if (Interlocked.Exchange(ref _outageLogged, 0) == 1)
                    {
                        _log.ClusterReconnected(NodeId);
                        Volatile.Write(ref _backAt, Environment.TickCount64);
                    }
                }
                // A node declared dead that renews again (it was only stalled): it can be declared dead again later.
                _gone.RemoveWhere(alive.Contains);
                // A node seen in the registry but not alive for a whole NodeTimeout (since this node started, or NATS came
                // back) is dead.
                if (DateTime.UtcNow - watchingSince >= _options.NodeTimeout)
                {
                    foreach (var node in _registryNodes.Keys)
                    {
                        if (alive.Contains(node) || !_gone.Add(node)) continue;
                        _registryNodes.TryRemove(node, out _);
                        foreach (var realm in _realms.Values) await realm.OnNodeGoneAsync(node).ConfigureAwait(false);
                        // Logged once every realm loop has it queued: whatever comes after this line is routed without that node.
                        _log.ClusterNodeGone(NodeId, node, _options.NodeTimeout);
                        await PurgeAsync(registry, node, limit.Token).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NatsException or OperationCanceledException)
            {
                OnOutage(e.Message);
            }
            try { await Task.Delay(_heartbeat, _stop.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>
    /// Renews this node's liveness key, on the revision it last wrote. When that fails the key had expired (this node was
    /// stalled for a whole NodeTimeout, or NATS lost it): the others may have declared this node dead and deleted its
    /// registry entries, so they are all put again.
    /// </summary>
    private async Task<ulong> RenewAsync(INatsKVStore nodes, ulong lastRevision, CancellationToken ct)
    {
        var stamp = System.Text.Encoding.UTF8.GetBytes(DateTime.UtcNow.ToString("O"));
        if (lastRevision != 0)
        {
            try { return await nodes.UpdateAsync(NodeId, stamp, lastRevision, cancellationToken: ct).ConfigureAwait(false); }
            catch (NatsKVWrongLastRevisionException)
            {
                _log.ClusterLivenessLost(NodeId, _options.NodeTimeout);
                _writes.Writer.TryWrite(PutAllAgain);
            }
        }
        return await nodes.PutAsync(NodeId, stamp, cancellationToken: ct).ConfigureAwait(false);
    }

    /// <summary>Deletes a dead node's registry entries (every survivor may do it: deleting twice is harmless).</summary>
    private static async Task PurgeAsync(INatsKVStore registry, string node, CancellationToken ct)
    {
        var keys = new List<string>();
        var claims = new List<string>();
        await foreach (var key in registry.GetKeysAsync(cancellationToken: ct).ConfigureAwait(false))
        {
            if (RegistryKey.TryParse(key, out var k) && k.Node == node) keys.Add(key);
            else if (key.Contains(".claim.", StringComparison.Ordinal)) claims.Add(key);
        }
        // A claim goes with the node of the entry that holds it.
        foreach (var claim in claims)
        {
            try
            {
                var held = await registry.GetEntryAsync<byte[]>(claim, cancellationToken: ct).ConfigureAwait(false);
                if (held.Value is { } value && RegistryKey.TryParse(System.Text.Encoding.UTF8.GetString(value), out var owner) && owner.Node == node) keys.Add(claim);
            }
            catch (Exception e) when (e is NatsKVKeyNotFoundException or NatsKVKeyDeletedException) { /* released meanwhile */ }
        }
        foreach (var key in keys) await registry.DeleteAsync(key, cancellationToken: ct).ConfigureAwait(false);
    }

    private void OnOutage(string reason)
    {
        Volatile.Write(ref _hadOutage, 1);
        if (Interlocked.Exchange(ref _outage, 1) != 0 || _stop.IsCancellationRequested) return;
        Volatile.Read(ref _publishing).Cancel();
        // One outage, one line: a blip while recovering from it (JetStream still starting after a restart, say) is the same
        // outage, not logged again (nor its end).
        if (Environment.TickCount64 - Volatile.Read(ref _backAt) > (long)_options.NodeTimeout.TotalMilliseconds
            && Interlocked.Exchange(ref _outageLogged, 1) == 0)
            _log.ClusterOutage(NodeId, reason);
        // Remote callees cannot be reached now: calls go to local callees or fail at once instead of hanging.
        foreach (var realm in _realms.Values) _ = realm.ForgetRemoteCalleesAsync().AsTask();
    }

    private void OnConnected()
    {
        if (Interlocked.Exchange(ref _hadOutage, 0) == 0) return; // the first connection: nothing to redo
        (_registry, _nodes) = (null, null); // looked up (or created) again: NATS may have restarted without them
        _writes.Writer.TryWrite(PutAllAgain);
        try { Volatile.Read(ref _watchRound)?.Cancel(); }
        catch (ObjectDisposedException) { /* that watch has ended already */ }
    }

    /// <summary>
    /// Leaves as a crash would (tests: kill -9 of a node, in-process): NATS is closed with nothing withdrawn, so the others
    /// only learn of it when this node's liveness key expires.
    /// </summary>
    internal async Task AbandonAsync()
    {
        _abandoned = true;
        await DisposeAsync().ConfigureAwait(false);
    }

    private bool _abandoned;

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        // Leave cleanly: this node's key goes at once, so the others need not wait for it to expire.
        if (!_abandoned) try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            if (_nodes is { } nodes) await nodes.DeleteAsync(NodeId, cancellationToken: limit.Token).ConfigureAwait(false);
            if (_registry is { } registry) await PurgeAsync(registry, NodeId, limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or OperationCanceledException)
        {
        }
        _stop.Cancel();
        _outbox.Writer.TryComplete();
        _writes.Writer.TryComplete();
        try { await Task.WhenAll(_tasks).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false); }
        catch (Exception) { /* stopping: the tasks were cancelled */ }
        await _nats.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>NATS subject tokens and bucket names: letters, digits, '-' kept; anything else as _XX (hex of its UTF-16 unit).</summary>
    internal static string Sanitize(string name)
    {
        var sb = new System.Text.StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (char.IsAsciiLetterOrDigit(c) || c == '-') sb.Append(c);
            else sb.Append('_').Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}

/// <summary>
/// A registry key: {realm}.{node}.{session}.{registration} for a callee's registration, {realm}.{node}.{session}.s for a
/// session, {realm}.{node}.{session}.t{subscription} for a subscriber's subscription (the meta API's view of the whole
/// realm); realm and node sanitized (no dots). <see cref="Registration"/> holds 0 for a session and minus the
/// subscription id for a subscription (ids are never 0).
/// </summary>
internal readonly record struct RegistryKey(string Realm, string Node, long Session, long Registration)
{
    public bool IsSession => Registration == 0;

    public bool IsSubscription => Registration < 0;

    public long Subscription => -Registration;

    public static RegistryKey ForSubscription(string realm, string node, long session, long subscription) => new(realm, node, session, -subscription);

    public override string ToString() => $"{Realm}.{Node}.{Session}." + (IsSession ? "s"
        : IsSubscription ? "t" + Subscription.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : Registration.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static bool TryParse(string key, out RegistryKey parsed)
    {
        parsed = default;
        var parts = key.Split('.');
        if (parts.Length != 4 || !long.TryParse(parts[2], out var session)) return false;
        long registration = 0;
        if (parts[3].StartsWith('t'))
        {
            if (!long.TryParse(parts[3].AsSpan(1), out var subscription) || subscription <= 0) return false;
            registration = -subscription;
        }
        else if (parts[3] != "s" && (!long.TryParse(parts[3], out registration) || registration <= 0)) return false;
        parsed = new RegistryKey(parts[0], parts[1], session, registration);
        return true;
    }
}
