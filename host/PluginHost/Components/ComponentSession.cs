using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using PluginHost.Abstractions;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Messages;

namespace PluginHost.Components;

/// <summary>
/// A component's <see cref="IWampComponentSession"/> over one joined <see cref="WampSession"/>.
/// It counts running handlers so that a hot reload can let them finish before unloading, and,
/// while taking over from a previous generation, registers with force_reregister, falling back
/// to unregister-then-register on routers that refuse the duplicate. Its event handlers claim each
/// publication in the runner's <see cref="EventClaims"/>, so that during a swap's overlap each event
/// is handled by one generation only.
/// </summary>
internal sealed class ComponentSession(WampSession session, ValueConverter converter, ILogger logger, ComponentSession? takingOverFrom,
    int generation, EventClaims claims)
    : IWampComponentSession
{
    // Cleared once the takeover is done: a reference to the old session would keep the old generation loaded.
    private ComponentSession? _takingOverFrom = takingOverFrom;

    private readonly ConcurrentDictionary<string, Registered> _registrations = new(StringComparer.Ordinal);
    private int _running;

    /// <summary>A registration and what it takes to make it again (when a takeover fails after it let go).</summary>
    private sealed record Registered(WampRegistration Registration, Func<WampInvocation, CancellationToken, ValueTask<WampResult?>> Handler,
        RegisterOptions Options);

    public WampSession Wamp => session;
    public long SessionId => session.SessionId;
    public string Realm => session.Realm;
    public string? AuthId => session.AuthId;
    public string? AuthRole => session.AuthRole;

    public JoinDetails JoinDetails => new(session.SessionId, session.Realm, session.AuthId, session.AuthRole,
        session.AuthMethod, session.WelcomeDetails);

    public async Task<WampPayload> CallAsync(string procedure, IReadOnlyList<object?>? args = null,
        IReadOnlyDictionary<string, object?>? kwargs = null, CallSettings? settings = null, CancellationToken cancellationToken = default)
    {
        var options = new CallOptions
        {
            Timeout = settings?.Timeout,
            OnProgress = settings?.OnProgress is { } onProgress ? r => onProgress(new WampPayload(r.Args, r.ArgsKw)) : null,
        };
        try
        {
            var result = await session.CallAsync(procedure, args is null ? null : converter.ToWampList(args),
                converter.ToWampDict(kwargs), options, cancellationToken).ConfigureAwait(false);
            return new WampPayload(result.Args, result.ArgsKw);
        }
        catch (WampException e)
        {
            throw new WampErrorException(e.Error, e.Args, e.ArgsKw, e);
        }
    }

    public async Task<T> CallAsync<T>(string procedure, params object?[] args)
    {
        var result = await CallAsync(procedure, args).ConfigureAwait(false);
        return Convert<T>(result.Args.Count > 0 ? result.Args[0] : null);
    }

    public T Convert<T>(object? value)
    {
        try { return (T)converter.FromWamp(value, typeof(T))!; }
        catch (ArgumentException e) { throw new WampErrorException(WampErrors.InvalidArgument, e.Message); }
    }

    public async Task<IAsyncDisposable> RegisterAsync(string procedure, Delegate handler, ProcedureSettings? settings = null,
        CancellationToken cancellationToken = default)
    {
        var binder = new HandlerBinder(handler.Method, handler.Target, converter);
        return await RegisterAsync(procedure, binder, settings ?? new ProcedureSettings(), cancellationToken).ConfigureAwait(false);
    }

    internal async Task<IAsyncDisposable> RegisterAsync(string procedure, HandlerBinder binder, ProcedureSettings settings, CancellationToken ct)
    {
        Func<WampInvocation, CancellationToken, ValueTask<WampResult?>> handler = async (invocation, token) =>
        {
            Interlocked.Increment(ref _running);
            try { return await binder.InvokeAsync(invocation, token).ConfigureAwait(false); }
            finally { Finished(); }
        };
        var options = new RegisterOptions
        {
            Match = settings.Match,
            Invoke = settings.Invoke,
            DiscloseCaller = settings.DiscloseCaller,
            ForceReregister = _takingOverFrom is not null,
        };
        var plain = new RegisterOptions { Match = options.Match, Invoke = options.Invoke, DiscloseCaller = options.DiscloseCaller };
        WampRegistration registration;
        try
        {
            registration = await session.RegisterAsync(procedure, handler, options, ct).ConfigureAwait(false);
        }
        catch (WampException e) when (e.Error == WampErrors.ProcedureAlreadyExists && _takingOverFrom is { } previous
            && previous._registrations.ContainsKey(procedure))
        {
            // A router without force_reregister: the old generation lets go first. Calls that reach the
            // router between its UNREGISTER and our REGISTER fail with no_such_procedure.
            logger.LogDebug("router refused force_reregister for {Procedure}; unregistering the old generation first", procedure);
            registration = await TakeOverAsync(previous, procedure, handler, plain, ct).ConfigureAwait(false);
        }
        _registrations[procedure] = new Registered(registration, handler, plain);
        return registration;
    }

    /// <summary>
    /// Unregister-then-register. The REGISTER goes out right behind the old session's UNREGISTER, without
    /// waiting for UNREGISTERED (shortening the gap); a router that sees them in the other order refuses
    /// again, and we register once the UNREGISTER is acknowledged. If that still fails, the old generation
    /// registers the procedure again, so that a failed reload leaves it serving everything it served.
    /// </summary>
    private async Task<WampRegistration> TakeOverAsync(ComponentSession previous, string procedure,
        Func<WampInvocation, CancellationToken, ValueTask<WampResult?>> handler, RegisterOptions options, CancellationToken ct)
    {
        if (!previous._registrations.TryRemove(procedure, out var old))
            return await session.RegisterAsync(procedure, handler, options, ct).ConfigureAwait(false);
        var released = old.Registration.UnregisterAsync(ct);
        try
        {
            try { return await session.RegisterAsync(procedure, handler, options, ct).ConfigureAwait(false); }
            catch (WampException e) when (e.Error == WampErrors.ProcedureAlreadyExists)
            {
                await released.ConfigureAwait(false);
                return await session.RegisterAsync(procedure, handler, options, ct).ConfigureAwait(false);
            }
        }
        catch (Exception)
        {
            try { await released.ConfigureAwait(false); } catch (Exception) { /* RestoreAsync reports what matters */ }
            await previous.RestoreAsync(procedure, old).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// A new generation that failed to join may already have taken procedures over (force_reregister
    /// revoked ours, or the fallback unregistered them): register those again, so that the old
    /// generation keeps serving everything it served.
    /// </summary>
    public async Task RestoreTakenOverAsync()
    {
        foreach (var (procedure, registered) in _registrations.ToArray())
            if (registered.Registration.RevokedReason is not null)
                await RestoreAsync(procedure, registered).ConfigureAwait(false);
    }

    /// <summary>Registers a procedure again after a failed takeover took it (best effort, logged).</summary>
    private async Task RestoreAsync(string procedure, Registered old)
    {
        if (!session.IsOpen) return;
        try
        {
            var again = await session.RegisterAsync(procedure, old.Handler, old.Options).ConfigureAwait(false);
            _registrations[procedure] = old with { Registration = again };
        }
        catch (Exception e)
        {
            logger.LogError("the old generation could not register {Procedure} again after a failed takeover: {Error}", procedure, e.Message);
        }
    }

    public async Task<IAsyncDisposable> SubscribeAsync(string topic, Delegate handler, TopicSettings? settings = null,
        CancellationToken cancellationToken = default)
        => await SubscribeAsync(topic, new HandlerBinder(handler.Method, handler.Target, converter), settings ?? new TopicSettings(),
            cancellationToken).ConfigureAwait(false);

    internal async Task<IAsyncDisposable> SubscribeAsync(string topic, HandlerBinder binder, TopicSettings settings, CancellationToken ct)
    {
        var key = $"{settings.Match}:{topic}";
        Func<WampEvent, ValueTask> handler = async e =>
        {
            if (!claims.Claim(key, e.PublicationId, generation)) return; // the other generation of a swap handled it
            Interlocked.Increment(ref _running);
            try { await binder.HandleEventAsync(e).ConfigureAwait(false); }
            catch (Exception ex) { logger.LogWarning(ex, "event handler {Handler} for {Topic} failed", binder.Describe(), e.Topic); }
            finally { Finished(); }
        };
        var subscription = await session.SubscribeAsync(topic, handler, new SubscribeOptions { Match = settings.Match }, ct)
            .ConfigureAwait(false);
        lock (_subscriptions) _subscriptions.Add(subscription);
        return subscription;
    }

    private readonly List<WampSubscription> _subscriptions = [];

    /// <summary>
    /// A retiring generation stops receiving events before it leaves, so that none of its handlers runs
    /// (having claimed the event from the new generation) while its session is closing. Events still
    /// queued here were, by then, delivered to the new generation too, which handles them.
    /// </summary>
    private async Task StopEventsAsync()
    {
        WampSubscription[] subscriptions;
        lock (_subscriptions) subscriptions = [.. _subscriptions];
        foreach (var s in subscriptions)
        {
            try { await s.UnsubscribeAsync().ConfigureAwait(false); }
            catch (WampException) { /* the session ended: nothing more arrives */ }
        }
    }

    public async Task PublishAsync(string topic, IReadOnlyList<object?>? args = null, IReadOnlyDictionary<string, object?>? kwargs = null,
        PublishSettings? settings = null, CancellationToken cancellationToken = default)
    {
        var options = settings is null ? null : new PublishOptions
        {
            Acknowledge = settings.Acknowledge,
            ExcludeMe = settings.ExcludeMe,
            DiscloseMe = settings.DiscloseMe,
        };
        try
        {
            await session.PublishAsync(topic, args is null ? null : converter.ToWampList(args), converter.ToWampDict(kwargs),
                options, cancellationToken).ConfigureAwait(false);
        }
        catch (WampException e)
        {
            throw new WampErrorException(e.Error, e.Args, e.ArgsKw, e);
        }
    }

    /// <summary>The procedures registered and topics subscribed through this session so far (sorted), for the startup log.</summary>
    public (IReadOnlyList<string> Procedures, IReadOnlyList<string> Topics) Made()
    {
        string[] topics;
        lock (_subscriptions) topics = [.. _subscriptions.Select(s => s.Topic)];
        return ([.. _registrations.Keys.Order(StringComparer.Ordinal)], [.. topics.Distinct().Order(StringComparer.Ordinal)]);
    }

    /// <summary>The new generation has taken over: later registrations are ordinary ones.</summary>
    public void EndTakeover() => _takingOverFrom = null;

    private void Finished() => Interlocked.Decrement(ref _running);

    /// <summary>
    /// Waits (at most <paramref name="limit"/>) until every invocation and event the router sent this
    /// session has been handled and answered; false on timeout. An acknowledged publish serves as a
    /// barrier first: the router answers it after everything it routed here before (per-session
    /// order), so invocations still on the wire when the new generation took over are counted too.
    /// </summary>
    public async Task<bool> DrainAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await session.PublishAsync(DrainBarrierTopic, options: new PublishOptions { Acknowledge = true }, cancellationToken: timeout.Token)
                .ConfigureAwait(false);
        }
        catch (WampException) { /* an ERROR (e.g. not authorized) is as good a barrier; a closed session has nothing to drain */ }
        catch (OperationCanceledException) { return false; }
        // Every event and invocation the router sent before the barrier is counted by now (the client counts an
        // event from the moment it is queued for its handler until the handler returns): wait until none is left.
        if (!await WaitUntilIdleAsync(timeout.Token).ConfigureAwait(false)) return false;
        await StopEventsAsync().ConfigureAwait(false);
        return await WaitUntilIdleAsync(timeout.Token).ConfigureAwait(false);
    }

    /// <summary>Polls until no invocation or event of this session is pending or running (or the session closed); false on timeout.</summary>
    private async Task<bool> WaitUntilIdleAsync(CancellationToken timeout)
    {
        while (session.IsOpen && (session.RunningInvocations > 0 || session.PendingEvents > 0 || Volatile.Read(ref _running) > 0))
        {
            try { await Task.Delay(PollInterval, timeout).ConfigureAwait(false); }
            catch (OperationCanceledException) { return false; }
        }
        return true;
    }

    private const string DrainBarrierTopic = "pluginhost.component.drain";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);
}
