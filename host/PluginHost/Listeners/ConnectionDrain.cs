using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace PluginHost.Listeners;

/// <summary>The end of a connection served on Kestrel's pipes (RawSocket, a directly served WebSocket).</summary>
internal static class ConnectionDrain
{
    /// <summary>How long a closed connection may take to hand its unsent bytes to the peer before it is aborted.</summary>
    internal static readonly TimeSpan CloseDeadline = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The session closed its side (output completed); Kestrel shuts the socket down once the unsent bytes are out,
    /// which fires ConnectionClosed. A peer that does not read (or has gone without a FIN reaching us) would keep
    /// the descriptor and the kernel buffers for ever: after <see cref="CloseDeadline"/> the connection is aborted.
    /// </summary>
    public static async Task CloseOrAbortAsync(ConnectionContext context, string transportId, string peer, ILogger logger)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (context.ConnectionClosed.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), closed).ConfigureAwait(false))
        {
            try
            {
                await closed.Task.WaitAsync(CloseDeadline).ConfigureAwait(false);
                return;
            }
            catch (TimeoutException)
            {
            }
        }
        logger.NotClosedAborting(transportId, peer, CloseDeadline);
        context.Abort(new ConnectionAbortedException("closed connection not drained in time"));
    }
}
