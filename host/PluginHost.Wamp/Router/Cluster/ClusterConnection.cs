using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Transport;

namespace PluginHost.Wamp.Router.Cluster;

/// <summary>
/// The transport of a session that lives on another node (RealmCluster.cs): what the dealer sends it (INVOCATION,
/// INTERRUPT, ERROR, revocations, GOODBYE) goes to that node's subject, addressed to the session, queued at once (in the
/// loop's order) into the node's bounded outbox and encoded by the outbox's task: the realm loop never waits for NATS nor
/// encodes. Nothing is ever received from it: the other node's answers come in as envelopes to the realm.
/// </summary>
internal sealed class ClusterConnection(ClusterNode node, string subject, long session) : IWampConnection
{
    private readonly TaskCompletionSource<WampMessage?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TransportDetails Details { get; } = new("cluster", "msgpack", subject);

    public ValueTask<WampMessage?> ReceiveAsync(CancellationToken cancellationToken = default) => new(_closed.Task.WaitAsync(cancellationToken));

    /// <summary>Queues one message for the session's node; never waits (RouterSession.Send calls it on the realm loop).</summary>
    public void Send(WampMessage message) => node.Send(subject, () => ClusterEnvelope.Encode(EnvelopeKind.ToSession, session, node.NodeId, message));

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
