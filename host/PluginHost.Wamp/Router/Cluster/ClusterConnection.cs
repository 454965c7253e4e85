using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Transport;

namespace PluginHost.Wamp.Router.Cluster;

/// <summary>
/// The transport of a session that lives on another node (RealmCluster.cs): what the dealer sends it (INVOCATION,
/// INTERRUPT, ERROR, revocations, GOODBYE) goes to that node's subject, addressed to the session, queued at once (in the
/// loop's order) into the node's bounded outbox and encoded by the outbox's task: the realm loop never waits for NATS nor
/// encodes. Nothing is ever received from it: the other node's answers come in as envelopes to the realm.
/// An INVOCATION is published with a reply subject under <paramref name="lostPrefix"/>: should that node have no
/// subscriber at that moment (reconnecting to NATS, or gone and not yet known gone), NATS answers there at once and the
/// call fails instead of waiting for an answer that cannot come (RealmCluster.InvocationLost).
/// </summary>
internal sealed class ClusterConnection(ClusterNode node, string subject, long session, string lostPrefix) : IWampConnection
{
    private readonly TaskCompletionSource<WampMessage?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TransportDetails Details { get; } = new("cluster", "msgpack", subject);

    public ValueTask<WampMessage?> ReceiveAsync(CancellationToken cancellationToken = default) => new(_closed.Task.WaitAsync(cancellationToken));

    /// <summary>Queues one message for the session's node; never waits (RouterSession.Send calls it on the realm loop).</summary>
    public void Send(WampMessage message)
        => node.Send(subject, () => ClusterEnvelope.Encode(EnvelopeKind.ToSession, session, node.NodeId, message),
            message is InvocationMessage invocation ? $"{lostPrefix}.{session}.{invocation.RequestId}" : null);

    public ValueTask SendAsync(IReadOnlyList<WampMessage> messages, CancellationToken cancellationToken = default)
    {
        foreach (var message in messages) Send(message);
        return ValueTask.CompletedTask;
    }

    public ValueTask CloseAsync(string? reason = null)
    {
        _closed.TrySetResult(null);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => CloseAsync();
}
