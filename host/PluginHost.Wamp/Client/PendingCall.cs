using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Client;

/// <summary>
/// A CALL in flight. It stays in the session's table until the router's final RESULT or
/// ERROR even when the caller gave up (cancel or local timeout), so that late replies are
/// recognised rather than treated as protocol violations.
/// </summary>
internal sealed class PendingCall(CallOptions options, SerialQueue progressQueue)
    : PendingRequest(WampMessageType.Call)
{
    private readonly TaskCompletionSource<WampResult> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _settled; // final reply received or caller gave up; guarded by _result

    public Task<WampResult> Result => _result.Task;
    public bool WantsProgress => options.OnProgress is not null || options.Progress is not null;

    public override bool Deliver(WampMessage m)
    {
        if (m is ResultMessage { } r && r.Details.GetBool("progress"))
        {
            if (WantsProgress && !IsSettled())
            {
                var progress = ToResult(r);
                progressQueue.Enqueue(() =>
                {
                    // The caller may have cancelled while this report waited in the queue.
                    if (_result.Task.IsCompleted) return ValueTask.CompletedTask;
                    options.OnProgress?.Invoke(progress);
                    options.Progress?.Report(progress);
                    return ValueTask.CompletedTask;
                });
            }
            return false;
        }
        if (!TrySettle()) return true;
        // Through the queue so that every progress report is seen before the task completes.
        progressQueue.Enqueue(() =>
        {
            if (m is ErrorMessage e) _result.TrySetException(WampException.FromError(e));
            else _result.TrySetResult(ToResult((ResultMessage)m));
            return ValueTask.CompletedTask;
        });
        return true;
    }

    public override void Fail(Exception e)
    {
        if (TrySettle()) _result.TrySetException(e);
    }

    /// <summary>The caller stops waiting (cancel/timeout). False when the final reply already came.</summary>
    public bool TryAbandon(Exception e)
    {
        if (!TrySettle()) return false;
        if (e is OperationCanceledException oce) _result.TrySetCanceled(oce.CancellationToken);
        else _result.TrySetException(e);
        return true;
    }

    private bool TrySettle()
    {
        lock (_result)
        {
            if (_settled) return false;
            _settled = true;
            return true;
        }
    }

    private bool IsSettled() { lock (_result) return _settled; }

    private static WampResult ToResult(ResultMessage r) => new(r.Arguments, r.ArgumentsKw, r.Details);
}
