using Microsoft.Extensions.Logging;
using Polly;
using PluginHost.Abstractions;
using PluginHost.Node.Config;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Transport;

namespace PluginHost.Components;

/// <summary>
/// Runs one component: joins its current generation over connections from <c>connect</c>,
/// rejoins through the reconnect pipeline whenever its session ends (a lost connection, a router
/// shutdown, a wamp.session.kill; router and container components alike) and
/// swaps generations on hot reload (ComponentRunner.Reload.cs). A gate serializes joins,
/// reloads and stopping, so a reload never races a reconnect.
/// </summary>
internal sealed partial class ComponentRunner : IAsyncDisposable
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(15);

    private readonly ComponentConfig _config;
    private readonly Func<CancellationToken, Task<IWampConnection>> _connect;
    private readonly Func<string> _target; // the router joined or tried now (a component may list several)
    private readonly ResiliencePipeline _reconnect;
    private readonly ComponentHostContext _host;
    private readonly ILogger _log;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private ComponentGeneration _generation; // null only once disposed
    private int _lastGeneration; // the highest generation number loaded so far (failed joins included)
    private readonly EventClaims _claims;
    private ComponentSession? _session;
    private PluginWatcher? _watcher;
    private Task _loop = Task.CompletedTask;
    private bool _outageLogged;
    private DateTime? _outageSince;

    public ComponentRunner(ComponentConfig config, ComponentGeneration generation, Func<CancellationToken, Task<IWampConnection>> connect,
        Func<string> target, ComponentHostContext host)
    {
        _config = config;
        _generation = generation;
        _lastGeneration = generation.Number;
        _connect = connect;
        _target = target;
        _host = host;
        _log = host.LoggerFactory.CreateLogger($"PluginHost.Components.{config.Id}");
        _reconnect = ReconnectPipeline.Create(config.Reconnect, OnRetry);
        _claims = new EventClaims(host.Diagnostics.DuplicateEventSuppressed);
    }

    public string Id => _config.Id;

    /// <summary>The session id of the current generation, when joined (for diagnostics and tests).</summary>
    public long? SessionId => _session?.SessionId;

    /// <summary>Router components: joins now (throws when the join fails), then watches the session and rejoins when it ends.</summary>
    public async Task StartJoinedAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try { _session = await JoinAsync(_generation, null, ct).ConfigureAwait(false); }
        finally { _gate.Release(); }
        _log.LogInformation("Component '{Id}' ({Class}) joined realm '{Realm}' on {Target} as session {Session}",
            Id, _config.Classname, _config.Realm, _target(), _session.SessionId);
        LogRegistrations(_session);
        _host.ReportJoined(Id, _session.SessionId, _generation.Number);
        StartWatching();
        _loop = Task.Run(() => RunAsync(joined: true), CancellationToken.None); // serves until stopped, not until the start's token
    }

    /// <summary>Container components: connects and joins in the background, retrying with backoff.</summary>
    public void StartConnecting()
    {
        StartWatching();
        _loop = Task.Run(() => RunAsync(joined: false));
    }

    private void StartWatching()
    {
        if (_config.HotReload ?? _host.Options.HotReload)
            _watcher = new PluginWatcher(_generation.Location.Directory, () => _ = ReloadAsync());
    }

    /// <summary>
    /// Joins (unless <paramref name="joined"/>), waits for the session to end, and joins again through
    /// the reconnect pipeline (exponential backoff with jitter and a cap), until stopped, until the
    /// component itself fails to join, or until the retries are used up.
    /// </summary>
    private async Task RunAsync(bool joined)
    {
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            if (!joined && !await RejoinAsync(stop).ConfigureAwait(false)) return;
            joined = false;
            var info = await WaitForSessionEndAsync().ConfigureAwait(false);
            if (info is null) return;
            // Logged once per outage; the retries that follow log at debug level only.
            _outageLogged = true;
            _outageSince = DateTime.UtcNow;
            _log.LogWarning("Component '{Id}' lost its connection to {Target} ({Reason} {Message}); reconnecting with backoff up to {Max} s",
                Id, _target(), info.Reason, info.Message, _config.Reconnect.MaxDelay.TotalSeconds);
            _host.ReportLeft(Id);
            await NotifyLeftAsync(info).ConfigureAwait(false);
        }
    }

    /// <summary>Joins through the reconnect pipeline; false when the component stopped (for good or because it is disposed).</summary>
    private async Task<bool> RejoinAsync(CancellationToken stop)
    {
        try
        {
            await _reconnect.ExecuteAsync(async token =>
            {
                await _gate.WaitAsync(token).ConfigureAwait(false);
                try
                {
                    token.ThrowIfCancellationRequested();
                    _session = await JoinAsync(_generation, null, token).ConfigureAwait(false);
                }
                finally { _gate.Release(); }
            }, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested) { return false; }
        catch (ComponentLoadException e)
        {
            _log.LogError("{Message}", e.Message);
            _host.RaiseStopped(new ComponentStopped(Id, Failed: true, e.Message));
            return false;
        }
        catch (Exception e)
        {
            _log.LogError("Component '{Id}' gave up connecting to {Target} after {Retries} retries: {Error}",
                Id, _target(), _config.Reconnect.MaxRetries, e.Message);
            _host.RaiseStopped(new ComponentStopped(Id, Failed: true, $"cannot connect to {_target()}: {e.Message}"));
            return false;
        }
        if (_outageSince is { } since)
            _log.LogInformation("Component '{Id}' rejoined realm '{Realm}' on {Target} as session {Session} after {Seconds:0.0} s",
                Id, _config.Realm, _target(), _session!.SessionId, (DateTime.UtcNow - since).TotalSeconds);
        else
            _log.LogInformation("Component '{Id}' ({Class}) joined realm '{Realm}' on {Target} as session {Session}",
                Id, _config.Classname, _config.Realm, _target(), _session!.SessionId);
        LogRegistrations(_session);
        _host.ReportJoined(Id, _session.SessionId, _generation.Number);
        _outageLogged = false;
        _outageSince = null;
        return true;
    }

    /// <summary>Tells the operator what the component offers now: every procedure and topic, declared or made in OnJoinAsync.</summary>
    private void LogRegistrations(ComponentSession session)
    {
        var (procedures, topics) = session.Made();
        _log.LogInformation("Component '{Id}' registered {Procedures} and subscribed to {Topics}", Id,
            procedures.Count == 0 ? "no procedures" : string.Join(", ", procedures),
            topics.Count == 0 ? "no topics" : string.Join(", ", topics));
    }

    private void OnRetry(int attempt, Exception? error, TimeSpan delay)
    {
        if (!_outageLogged)
        {
            _outageLogged = true;
            _outageSince ??= DateTime.UtcNow;
            _log.LogWarning("Component '{Id}' cannot reach {Target} ({Error}); retrying with backoff up to {Max} s",
                Id, _target(), error?.Message, _config.Reconnect.MaxDelay.TotalSeconds);
        }
        else
        {
            _log.LogDebug("Component '{Id}': attempt {Attempt} to reach {Target} failed ({Error}); next in {Delay} ms",
                Id, attempt + 1, _target(), error?.Message, (int)delay.TotalMilliseconds);
        }
    }

    /// <summary>Waits until the current session ends for a reason other than a hot-reload swap; null when stopping.</summary>
    private async Task<WampCloseInfo?> WaitForSessionEndAsync()
    {
        while (true)
        {
            var session = _session;
            if (session is null) return null;
            WampCloseInfo info;
            try { info = await session.Wamp.Closed.WaitAsync(_stop.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { return null; }
            await _gate.WaitAsync().ConfigureAwait(false);
            try
            {
                if (_stop.IsCancellationRequested) return null;
                if (ReferenceEquals(_session, session)) { _session = null; return info; }
            }
            finally { _gate.Release(); }
        }
    }

    /// <summary>
    /// Connects, joins, makes the declarative registrations and subscriptions, then runs OnJoinAsync.
    /// Connection problems throw as they are (retried by the pipeline); the component's own
    /// failures throw <see cref="ComponentLoadException"/>.
    /// </summary>
    private async Task<ComponentSession> JoinAsync(ComponentGeneration generation, ComponentSession? takingOverFrom, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(JoinTimeout);
        WampSession wamp;
        try
        {
            var connection = await _connect(limit.Token).ConfigureAwait(false);
            wamp = await WampSession.JoinAsync(connection, _config.Realm, ComponentCredentials.JoinOptions(_config.Auth, _log), limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"no WELCOME from {_target()} within {JoinTimeout.TotalSeconds} s");
        }
        catch (WampException e) when (e.Error is not (WampErrors.NetworkFailure))
        {
            // ABORT (no such realm, not authorized ...): the router's configuration, not the network.
            throw new ComponentLoadException(Id, $"joining realm '{_config.Realm}' on {_target()} was refused: {e.Message}", e);
        }
        var session = new ComponentSession(wamp, generation.Converter, _log, takingOverFrom, generation.Number, _claims);
        var component = generation.Component;
        try
        {
            // Before the first REGISTERED/SUBSCRIBED: a handler may run as soon as those arrive, and may use Session.
            ((IComponentInitializer)component).SetSession(session);
            foreach (var (attribute, method) in generation.Procedures)
                await session.RegisterAsync(attribute.Uri, new HandlerBinder(method, component, generation.Converter),
                    new ProcedureSettings { Match = attribute.UriMatch, Invoke = attribute.Invoke, DiscloseCaller = attribute.DiscloseCaller }, ct)
                    .ConfigureAwait(false);
            foreach (var (attribute, method) in generation.Topics)
                await session.SubscribeAsync(attribute.Uri, new HandlerBinder(method, component, generation.Converter),
                    new TopicSettings { Match = attribute.UriMatch }, ct).ConfigureAwait(false);
            await RunOnJoinAsync(generation, session, ct).ConfigureAwait(false);
            return session;
        }
        catch (Exception e)
        {
            ((IComponentInitializer)component).SetSession(null);
            bool connectionLost = !wamp.IsOpen;
            await wamp.DisposeAsync().ConfigureAwait(false);
            if (e is OperationCanceledException && ct.IsCancellationRequested) throw;
            if (connectionLost) throw new IOException($"connection to {_target()} lost while joining: {e.Message}", e);
            // Rejoining after a lost connection: the router may still hold this component's registrations of before (a
            // cluster node that died with the old session is only noticed after its liveness timeout). Retried through
            // the reconnect backoff, as a network failure is, instead of failing the component for good.
            if (_outageSince is not null && e is WampException { Error: WampErrors.ProcedureAlreadyExists })
                throw new IOException($"rejoining {_target()}: {e.Message} (still held by the session lost with the connection?); retrying", e);
            throw new ComponentLoadException(Id, $"joining failed: {generation.Location.TypeName} threw {e.GetType().Name}: {e.Message}", e);
        }
    }

    private async Task NotifyLeftAsync(WampCloseInfo info)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        WampComponent component;
        try
        {
            if (_stop.IsCancellationRequested) return; // disposing: the retirement says goodbye
            component = _generation.Component;
        }
        finally { _gate.Release(); }
        ((IComponentInitializer)component).SetSession(null);
        try
        {
            await component.OnLeaveAsync(new LeaveDetails(info.Reason, info.Message)).ConfigureAwait(false);
            await component.OnDisconnectAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _log.LogWarning(e, "Component '{Id}': OnLeave/OnDisconnect threw", Id);
        }
    }
}
