using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Client;

public sealed partial class WampSession
{
    private readonly ConcurrentDictionary<long, WampRegistration> _registrations = new();
    private readonly ConcurrentDictionary<long, InvocationState> _invocations = new();

    /// <summary>Invocations received and not yet answered (their handlers are queued or running).</summary>
    public int RunningInvocations => _invocations.Count;

    /// <summary>
    /// Calls a procedure and returns its RESULT; an ERROR throws <see cref="WampException"/>.
    ///
    /// Cancellation: when <paramref name="cancellationToken"/> fires before the final reply, the task
    /// ends at once with OperationCanceledException — whatever the mode — and CANCEL (with
    /// <see cref="CallOptions.CancelMode"/>) is sent if the dealer announced call_canceling. The
    /// router's eventual answer (ERROR wamp.error.canceled, or a RESULT that crossed the CANCEL) is
    /// consumed and discarded. A reply that arrived before the token fired wins; a
    /// wamp.error.canceled the router sends on its own (not caused by this token) is a WampException.
    /// </summary>
    public async Task<WampResult> CallAsync(string procedure, IReadOnlyList<object?>? args = null,
        IReadOnlyDictionary<string, object?>? kwargs = null, CallOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= CallOptions.Default;
        var call = new PendingCall(options, new SerialQueue(_logger, "progress"));
        var callOptions = new Dictionary<string, object?>();
        if (options.Timeout is { } timeout) callOptions["timeout"] = (long)timeout.TotalMilliseconds;
        if (options.DiscloseMe) callOptions["disclose_me"] = true;
        if (call.WantsProgress) callOptions["receive_progress"] = true;

        await EnqueueRequestAsync(id => new CallMessage(id, callOptions, procedure, args, kwargs), call, cancellationToken)
            .ConfigureAwait(false);

        // The CALL is queued: from here on giving up must also tell the dealer.
        await using var onCancel = cancellationToken.Register(() =>
            GiveUp(call, new OperationCanceledException(cancellationToken), WampOptionNames.Of(options.CancelMode)));
        // A dealer without call_timeout ignores options.timeout: enforce it here instead.
        var limit = options.Timeout ?? TimeSpan.Zero;
        using var localTimeout = limit > TimeSpan.Zero && !RouterSupports("dealer", "call_timeout")
            ? new CancellationTokenSource(limit) : null;
        await using var onTimeout = localTimeout?.Token.Register(() => GiveUp(call,
            new WampException(WampErrors.Timeout, $"call to {procedure} timed out after {limit.TotalMilliseconds} ms"), WampOptionNames.Of(CancelMode.KillNoWait)));
        return await call.Result.ConfigureAwait(false);
    }

    private void GiveUp(PendingCall call, Exception reason, string cancelMode)
    {
        if (!call.TryAbandon(reason) || !RouterSupports("dealer", "call_canceling")) return;
        var options = new Dictionary<string, object?> { ["mode"] = cancelMode };
        _ = SendResponseAsync(new CancelMessage(call.RequestId, options)).AsTask();
    }

    /// <summary>
    /// Registers <paramref name="handler"/> for <paramref name="procedure"/>. The handler runs on
    /// the thread pool, concurrently with other invocations; its token fires on INTERRUPT, on the
    /// call timeout forwarded by the dealer, and when the session ends. Returning sends YIELD
    /// (null = no payload); a thrown WampException sends ERROR with its URI and payload; an
    /// OperationCanceledException after the token fired sends wamp.error.canceled (or
    /// wamp.error.timeout); any other exception sends wamp.error.runtime_error with its message.
    /// </summary>
    public async Task<WampRegistration> RegisterAsync(string procedure,
        Func<WampInvocation, CancellationToken, ValueTask<WampResult?>> handler,
        RegisterOptions? options = null, CancellationToken cancellationToken = default)
    {
        var registration = new WampRegistration(this, procedure, handler);
        var registerOptions = new Dictionary<string, object?>();
        if (options is not null)
        {
            if (options.Match != UriMatch.Exact) registerOptions["match"] = WampOptionNames.Of(options.Match);
            if (options.Invoke != InvokePolicy.Single) registerOptions["invoke"] = WampOptionNames.Of(options.Invoke);
            if (options.DiscloseCaller) registerOptions["disclose_caller"] = true;
            if (options.ForceReregister) registerOptions["force_reregister"] = true;
        }
        var pending = new PendingRequest(WampMessageType.Register, reply =>
        {
            if (reply is not RegisteredMessage registered) return;
            registration.Id = registered.Registration;
            _registrations[registered.Registration] = registration;
        });
        await EnqueueRequestAsync(id => new RegisterMessage(id, registerOptions, procedure), pending, cancellationToken)
            .ConfigureAwait(false);
        await GetReplyOrUndoAsync(pending, registration.UnregisterAsync, cancellationToken).ConfigureAwait(false);
        return registration;
    }

    /// <summary>
    /// Awaits a REGISTERED/SUBSCRIBED. If the caller stops waiting first, the registration or
    /// subscription may still be made; it is then withdrawn so that nothing leaks.
    /// </summary>
    private static async Task<WampMessage> GetReplyOrUndoAsync(PendingRequest pending,
        Func<CancellationToken, Task> undo, CancellationToken ct)
    {
        try
        {
            return await pending.GetReplyAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            _ = pending.Reply.ContinueWith(t =>
            {
                if (t.IsCompletedSuccessfully && t.Result is not ErrorMessage) _ = undo(CancellationToken.None);
            }, TaskScheduler.Default);
            throw;
        }
    }

    internal async Task UnregisterAsync(WampRegistration registration, CancellationToken ct)
    {
        // The registration stays routable until UNREGISTERED: invocations sent before it still arrive.
        var pending = new PendingRequest(WampMessageType.Unregister, reply => _registrations.TryRemove(registration.Id, out var _));
        try
        {
            await EnqueueRequestAsync(id => new UnregisterMessage(id, registration.Id), pending, ct).ConfigureAwait(false);
            await pending.GetReplyAsync(ct).ConfigureAwait(false);
        }
        catch (WampException) when (Closed.IsCompleted)
        {
            // The session ended: its registrations ended with it.
        }
    }

    /// <summary>
    /// Registration revocation ([UNREGISTERED, 0, {registration, reason}]): the router withdrew a
    /// registration, e.g. because another session took it over with force_reregister. Invocations
    /// already running finish normally; the router still accepts their YIELD.
    /// </summary>
    private void OnRegistrationRevoked(UnregisteredMessage message)
    {
        var id = message.Details?.GetInt64("registration");
        if (id is null || !_registrations.TryRemove(id.Value, out var registration)) return;
        var reason = message.Details!.GetString("reason");
        registration.MarkRevoked(reason);
        _logger.RegistrationRevoked(id.Value, registration.Procedure, reason);
    }

    private void OnInvocation(InvocationMessage message)
    {
        if (!_registrations.TryGetValue(message.Registration, out var registration))
            throw new WampProtocolException($"INVOCATION for unknown registration {message.Registration}");
        var state = new InvocationState();
        if (!_invocations.TryAdd(message.RequestId, state))
            throw new WampProtocolException($"INVOCATION reuses active request id {message.RequestId}");
        var invocation = new WampInvocation(this, message, registration, state);
        if (invocation.Timeout is { } timeout) state.CancelAfter(timeout);
        _ = Task.Run(() => RunInvocationAsync(registration, invocation));
    }

    private async Task RunInvocationAsync(WampRegistration registration, WampInvocation invocation)
    {
        var state = invocation.State;
        long id = invocation.RequestId;
        WampMessage reply;
        try
        {
            var result = await registration.Handler(invocation, state.Token).ConfigureAwait(false);
            reply = new YieldMessage(id, WampValue.NoDetails, result?.Args, result?.ArgsKw);
        }
        catch (WampException e)
        {
            reply = new ErrorMessage(WampMessageType.Invocation, id, e.Details, e.Error, e.Args, e.ArgsKw);
        }
        catch (OperationCanceledException) when (state.Token.IsCancellationRequested)
        {
            reply = InvocationError(id, state.Interrupted ? WampErrors.Canceled : WampErrors.Timeout,
                state.Interrupted ? "invocation interrupted" : "invocation timed out");
        }
        catch (Exception e)
        {
            _logger.ProcedureFailed(e, invocation.Procedure);
            reply = InvocationError(id, WampErrors.RuntimeError, e.Message);
        }
        // Removed only once the answer is queued, so that RunningInvocations == 0 means every answer
        // precedes anything sent afterwards (a GOODBYE after draining must not overtake a YIELD).
        await SendResponseAsync(reply, state.TryFinish).ConfigureAwait(false);
        _invocations.TryRemove(id, out _);
        state.Dispose();
    }

    private static ErrorMessage InvocationError(long requestId, string error, string message)
        => new(WampMessageType.Invocation, requestId, WampValue.NoDetails, error, [message]);

    /// <summary>
    /// INTERRUPT: cancel the handler's token and answer wamp.error.canceled at once (as Autobahn
    /// does), so that a handler ignoring its token cannot hold the caller in "kill" mode. Whatever
    /// the handler returns afterwards is discarded. An INTERRUPT for an invocation that already
    /// finished crossed our answer and is ignored.
    /// </summary>
    private void OnInterrupt(InterruptMessage message)
    {
        if (!_invocations.TryRemove(message.RequestId, out var state)) return;
        state.Interrupt();
        var error = InvocationError(message.RequestId, WampErrors.Canceled, "invocation interrupted");
        _ = SendResponseAsync(error, state.TryFinish).AsTask();
    }
}
