using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Client;

/// <summary>One INVOCATION of a registered procedure, as seen by the callee's handler.</summary>
public sealed class WampInvocation
{
    private readonly WampSession _session;
    internal readonly InvocationState State;

    internal WampInvocation(WampSession session, InvocationMessage message, WampRegistration registration, InvocationState state)
    {
        _session = session;
        State = state;
        RequestId = message.RequestId;
        RegistrationId = message.Registration;
        Args = message.Arguments ?? WampResult.NoArgs;
        ArgsKw = message.ArgumentsKw ?? WampResult.NoDict;
        Details = message.Details;
        // For pattern-based registrations the dealer names the procedure actually called.
        Procedure = message.Details.GetString("procedure") ?? registration.Procedure;
        Caller = message.Details.GetInt64("caller");
        CallerAuthId = message.Details.GetString("caller_authid");
        CallerAuthRole = message.Details.GetString("caller_authrole");
        ReceiveProgress = message.Details.GetBool("receive_progress");
        var timeout = message.Details.GetInt64("timeout");
        Timeout = timeout > 0 ? TimeSpan.FromMilliseconds(timeout.Value) : null;
    }

    /// <summary>The INVOCATION request id.</summary>
    public long RequestId { get; }
    /// <summary>The registration the call was routed to.</summary>
    public long RegistrationId { get; }
    /// <summary>The procedure called (for a prefix or wildcard registration, the actual URI).</summary>
    public string Procedure { get; }
    /// <summary>Positional arguments.</summary>
    public IReadOnlyList<object?> Args { get; }
    /// <summary>Keyword arguments.</summary>
    public IReadOnlyDictionary<string, object?> ArgsKw { get; }
    /// <summary>INVOCATION.Details as sent by the dealer.</summary>
    public IReadOnlyDictionary<string, object?> Details { get; }

    /// <summary>Caller session id, when disclosed (caller_identification).</summary>
    public long? Caller { get; }
    /// <summary>Caller authid, when disclosed.</summary>
    public string? CallerAuthId { get; }
    /// <summary>Caller authrole, when disclosed.</summary>
    public string? CallerAuthRole { get; }

    /// <summary>Whether the caller asked for progressive results.</summary>
    public bool ReceiveProgress { get; }

    /// <summary>The call timeout forwarded by the dealer; the handler's token fires when it expires.</summary>
    public TimeSpan? Timeout { get; }

    /// <summary>
    /// Sends a progressive result (YIELD with progress=true). Does nothing when the caller did not
    /// ask for progress (as Autobahn's details.progress is None then). Throws
    /// OperationCanceledException once the invocation was interrupted, and
    /// InvalidOperationException after it completed.
    /// </summary>
    public async ValueTask SendProgressAsync(IReadOnlyList<object?>? args = null,
        IReadOnlyDictionary<string, object?>? argsKw = null, CancellationToken cancellationToken = default)
    {
        if (!ReceiveProgress) return;
        var message = new YieldMessage(RequestId, new Dictionary<string, object?> { ["progress"] = true }, args, argsKw);
        if (!await _session.SendResponseAsync(message, () => !State.IsFinished, cancellationToken).ConfigureAwait(false))
        {
            State.Token.ThrowIfCancellationRequested();
            throw new InvalidOperationException($"invocation {RequestId} has already completed");
        }
    }
}

/// <summary>Bookkeeping of a running invocation: its cancellation and whether its answer was sent.</summary>
internal sealed class InvocationState : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private int _finished;

    public CancellationToken Token => _cts.Token;
    public bool IsFinished => Volatile.Read(ref _finished) != 0;
    public bool Interrupted { get; private set; }

    /// <summary>Claims the right to send the final YIELD/ERROR; true for exactly one caller.</summary>
    public bool TryFinish() => Interlocked.Exchange(ref _finished, 1) == 0;

    public void CancelAfter(TimeSpan timeout) => _cts.CancelAfter(timeout);

    /// <summary>Cancels the handler's token; callbacks run on the thread pool, not on the caller (the receive loop).</summary>
    public void Interrupt()
    {
        Interrupted = true;
        try { _ = _cts.CancelAsync(); } catch (ObjectDisposedException) { }
    }

    public void Dispose() => _cts.Dispose();
}
