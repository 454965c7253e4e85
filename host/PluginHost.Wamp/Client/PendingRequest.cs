using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Client;

/// <summary>
/// A request waiting for its reply. <see cref="Deliver"/> runs on the receive loop, so
/// <c>onReply</c> can update session tables before the next message is dispatched (an
/// INVOCATION may follow REGISTERED immediately); the awaiting caller resumes asynchronously.
/// </summary>
internal class PendingRequest(WampMessageType kind, Action<WampMessage>? onReply = null)
{
    private readonly TaskCompletionSource<WampMessage> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public WampMessageType Kind { get; } = kind;
    public long RequestId { get; set; }
    public Task<WampMessage> Reply => _reply.Task;

    /// <summary>Whether <paramref name="m"/> is a legal reply to this request.</summary>
    public bool Accepts(WampMessage m) => m switch
    {
        ErrorMessage e => e.RequestType == Kind,
        _ => (Kind, m.Type) switch
        {
            (WampMessageType.Call, WampMessageType.Result) => true,
            (WampMessageType.Register, WampMessageType.Registered) => true,
            (WampMessageType.Unregister, WampMessageType.Unregistered) => true,
            (WampMessageType.Subscribe, WampMessageType.Subscribed) => true,
            (WampMessageType.Unsubscribe, WampMessageType.Unsubscribed) => true,
            (WampMessageType.Publish, WampMessageType.Published) => true,
            _ => false,
        },
    };

    /// <summary>Handles an accepted reply; returns true when the request is finished.</summary>
    public virtual bool Deliver(WampMessage m)
    {
        onReply?.Invoke(m);
        _reply.TrySetResult(m);
        return true;
    }

    public virtual void Fail(Exception e) => _reply.TrySetException(e);

    /// <summary>Awaits the reply and turns ERROR into <see cref="WampException"/>.</summary>
    public async Task<WampMessage> GetReplyAsync(CancellationToken ct)
    {
        var m = await Reply.WaitAsync(ct).ConfigureAwait(false);
        return m is ErrorMessage e ? throw WampException.FromError(e) : m;
    }
}
