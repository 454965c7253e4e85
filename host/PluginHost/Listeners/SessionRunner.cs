using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using PluginHost.Wamp.Transport;

namespace PluginHost.Listeners;

/// <summary>
/// Runs one WAMP session over an established connection; production wiring passes
/// <c>(c, auth, ct) => router.ServeAsync(c, auth, ct)</c>.
/// </summary>
public delegate Task WampSessionHandler(IWampConnection connection, TransportAuthConfig auth, CancellationToken cancellationToken);

/// <summary>
/// Hands established connections to the session handler, keeps track of them so shutdown can
/// close them, and turns connection-level failures into log lines instead of host crashes.
/// </summary>
internal sealed class SessionRunner(WampSessionHandler handler, ILogger logger) : IDisposable
{
    // Each open connection with the task of its session (Task.CompletedTask until RunAsync has started it).
    private readonly ConcurrentDictionary<IWampConnection, Task> _active = new();
    private readonly CancellationTokenSource _stopping = new();
    private volatile bool _stopRequested;

    public CancellationToken Stopping => _stopping.Token;

    public int ActiveCount => _active.Count;

    /// <summary>
    /// Runs the session; the handler's token fires only at shutdown. Connection loss is not a
    /// cancellation: a peer's clean close must reach ReceiveAsync as null rather than race with a
    /// token, and a broken connection fails the pending read by itself.
    /// </summary>
    public Task RunAsync(string transportId, IWampConnection connection, TransportAuthConfig auth)
    {
        // The session's own task is what StopAsync waits for: no completion source kept per idle session (issue 13).
        // Listed before it runs, so that its end always finds it.
        _active[connection] = Task.CompletedTask;
        var run = RunListedAsync(transportId, connection, auth);
        _active.TryUpdate(connection, run, Task.CompletedTask);
        return run;
    }

    private async Task RunListedAsync(string transportId, IWampConnection connection, TransportAuthConfig auth)
    {
        logger.ConnectionOpened(transportId, connection.Details.Type, connection.Details.Peer, connection.Details.SerializerName);
        try
        {
            if (_stopRequested) return; // StopAsync has already taken its snapshot of _active
            await handler(connection, auth, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            logger.ConnectionEnded(transportId, connection.Details.Peer, e.Message);
        }
        catch (Exception e)
        {
            logger.SessionFailed(e, transportId, connection.Details.Peer);
        }
        finally
        {
            await DisposeQuietlyAsync(connection).ConfigureAwait(false);
            _active.TryRemove(connection, out _);
        }
    }

    /// <summary>Errors caused by the peer or the network, expected in normal operation.</summary>
    public static bool IsConnectionFailure(Exception e)
        => e is IOException or WebSocketException or WampProtocolException or ConnectionResetException or ConnectionAbortedException;

    /// <summary>
    /// Stops accepting sessions and closes every open connection (close handshakes included),
    /// then cancels the sessions that have not ended within <paramref name="grace"/>.
    /// </summary>
    public async Task StopAsync(TimeSpan grace)
    {
        _stopRequested = true;
        await Task.WhenAll(_active.Keys.Select(c => CloseQuietlyAsync(c).AsTask())).ConfigureAwait(false);
        try
        {
            // Taken after the closes: a session started just before the stop has its own task listed by then.
            await Task.WhenAll(_active.Values).WaitAsync(grace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            logger.SessionsNotEnded(_active.Count);
        }
        _stopping.Cancel();
    }

    /// <summary>After <see cref="StopAsync"/>, when no session runs any more.</summary>
    public void Dispose() => _stopping.Dispose();

    private async ValueTask CloseQuietlyAsync(IWampConnection connection)
    {
        try { await connection.CloseAsync("router shutting down").ConfigureAwait(false); }
        catch (Exception e) { logger.CloseFailed(connection.Details.Peer, e.Message); }
    }

    private async ValueTask DisposeQuietlyAsync(IWampConnection connection)
    {
        try { await connection.DisposeAsync().ConfigureAwait(false); }
        catch (Exception e) { logger.DisposeFailed(connection.Details.Peer, e.Message); }
    }
}
