using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Transport;

namespace PluginHost.Wamp.Router.Cluster;

/// <summary>
/// The transport of a session that lives on another node (RealmCluster.cs): what the dealer sends it (INVOCATION,
/// INTERRUPT, ERROR) goes to that node's subject, addressed to the session. Encoded on the session's writer task, queued
/// into the node's bounded outbox: the realm loop never waits for NATS. Nothing is ever received from it: the other
/// node's answers come in as envelopes to the realm.
/// </summary>
internal sealed class ClusterConnection(ClusterNode node, string subject, long session) : IWampConnection
{
    private readonly TaskCompletionSource<WampMessage?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TransportDetails Details { get; } = new("cluster", "msgpack", subject);

    public ValueTask<WampMessage?> ReceiveAsync(CancellationToken cancellationToken = default) => new(_closed.Task.WaitAsync(cancellationToken));

    public ValueTask SendAsync(IReadOnlyList<WampMessage> messages, CancellationToken cancellationToken = default)
    {
        foreach (var message in messages) node.Send(subject, ClusterEnvelope.Encode(EnvelopeKind.ToSession, session, node.NodeId, message));
        return ValueTask.CompletedTask;
    }

    public ValueTask CloseAsync(string? reason = null)
    {
        _closed.TrySetResult(null);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => CloseAsync();
}
