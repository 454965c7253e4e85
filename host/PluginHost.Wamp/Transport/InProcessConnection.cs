using System.Threading.Channels;
using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Transport;

/// <summary>
/// Transport for components embedded in the router process: message objects are handed
/// over by reference through a bounded channel, with no serialization and no socket.
/// </summary>
public sealed class InProcessConnection : IWampConnection
{
    private const int Capacity = 4096;

    private readonly ChannelReader<WampMessage> _inbox;
    private readonly ChannelWriter<WampMessage> _outbox;
    private InProcessConnection? _peer;
    private readonly CancellationTokenSource _closed = new();

    private InProcessConnection(ChannelReader<WampMessage> inbox, ChannelWriter<WampMessage> outbox, string side)
    {
        _inbox = inbox;
        _outbox = outbox;
        Details = new TransportDetails("inprocess", "none", Peer: side);
    }

    /// <summary>Creates two connected ends: give one to the router, the other to the client session.</summary>
    public static (InProcessConnection Client, InProcessConnection Router) CreatePair()
    {
        var toRouter = Channel.CreateBounded<WampMessage>(new BoundedChannelOptions(Capacity) { SingleReader = true, SingleWriter = true });
        var toClient = Channel.CreateBounded<WampMessage>(new BoundedChannelOptions(Capacity) { SingleReader = true, SingleWriter = true });
        var client = new InProcessConnection(toClient.Reader, toRouter.Writer, "inprocess:client");
        var router = new InProcessConnection(toRouter.Reader, toClient.Writer, "inprocess:router");
        client._peer = router;
        router._peer = client;
        return (client, router);
    }

    /// <inheritdoc/>
    public TransportDetails Details { get; }

    /// <inheritdoc/>
    public ValueTask<WampMessage?> ReceiveAsync(CancellationToken cancellationToken = default)
        // A message already waiting is taken without an async state machine (the common case under load).
        => _inbox.TryRead(out var message) ? new ValueTask<WampMessage?>(message) : WaitAndReceiveAsync(cancellationToken);

    private async ValueTask<WampMessage?> WaitAndReceiveAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (await _inbox.WaitToReadAsync(cancellationToken).ConfigureAwait(false) && _inbox.TryRead(out var message))
                return message;
            return null;
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public ValueTask SendAsync(IReadOnlyList<WampMessage> messages, CancellationToken cancellationToken = default)
    {
        // Room in the peer's inbox (the common case): handed over synchronously, nothing allocated.
        for (int i = 0; i < messages.Count; i++)
            if (!_outbox.TryWrite(messages[i])) return SendRestAsync(messages, i, cancellationToken);
        return ValueTask.CompletedTask;
    }

    /// <summary>The inbox is full (wait for room) or closed (fail): from message <paramref name="next"/> on.</summary>
    private async ValueTask SendRestAsync(IReadOnlyList<WampMessage> messages, int next, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closed.Token);
        try
        {
            for (int i = next; i < messages.Count; i++)
            {
                if (!_outbox.TryWrite(messages[i]))
                    await _outbox.WriteAsync(messages[i], linked.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is ChannelClosedException || (e is OperationCanceledException && _closed.IsCancellationRequested))
        {
            throw new IOException("in-process transport is closed", e);
        }
    }

    /// <inheritdoc/>
    public ValueTask CloseAsync(string? reason = null)
    {
        // Closing either end closes both directions, like a socket.
        CloseOneSide();
        _peer?.CloseOneSide();
        return ValueTask.CompletedTask;
    }

    private void CloseOneSide()
    {
        _outbox.TryComplete();
        try { _closed.Cancel(); } catch (ObjectDisposedException) { }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => CloseAsync();
}
