using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace PluginHost.Listeners;

/// <summary>
/// The direct way into a WAMP WebSocket endpoint: connection middleware that reads a new connection's first request
/// head itself and, when it is a plain WebSocket upgrade that the endpoint at its path would accept as it stands,
/// answers 101 and serves the session on the connection's own pipe (<see cref="Wamp.Transport.PipeWebSocketConnection"/>).
/// A session then keeps no HTTP request, HttpContext or ManagedWebSocket for its whole life, and its frames are read
/// and written straight on the transport (issue 13: memory per session and reads per message).
///
/// Everything else goes on to Kestrel's HTTP pipeline with nothing consumed, which serves or refuses it exactly as
/// before: other methods and paths, a head this parser does not fully understand (<see cref="WebSocketHandshake"/>),
/// an origin or subprotocol the endpoint refuses (the pipeline answers 403/400 and logs it), permessage-deflate when
/// the endpoint enables it (the pipeline negotiates it), and a head that is not complete within <see cref="HeadTimeout"/>.
/// </summary>
internal static class WebSocketUpgrade
{
    private static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(10);

    /// <param name="find">The WAMP WebSocket endpoint the HTTP pipeline would route a path to, or null.</param>
    public static async Task HandleAsync(ConnectionContext context, ConnectionDelegate next, Func<string, WebSocketService?> find, ILogger logger)
    {
        // Only the served session's task is kept across its life: the request and its parse are gone by then.
        var session = await AcceptAsync(context, find, logger).ConfigureAwait(false);
        await (session ?? next(context)).ConfigureAwait(false);
    }

    /// <summary>The directly served session (started), or null when the request is left to the HTTP pipeline.</summary>
    private static async Task<Task?> AcceptAsync(ConnectionContext context, Func<string, WebSocketService?> find, ILogger logger)
        => await ReadUpgradeAsync(context, find, logger).ConfigureAwait(false) is var (service, request, accept)
            ? service.RunDirectAsync(context, request, accept)
            : null;

    /// <summary>
    /// Reads until the first request's head is complete. A plain upgrade the endpoint accepts is consumed and returned;
    /// otherwise the bytes are left unconsumed and unexamined, so the HTTP parser reads the same bytes at once.
    /// </summary>
    private static async Task<(WebSocketService, WebSocketHandshake, WebSocketService.DirectAccept)?> ReadUpgradeAsync(
        ConnectionContext context, Func<string, WebSocketService?> find, ILogger logger)
    {
        var input = context.Transport.Input;
        using var timeout = new CancellationTokenSource(HeadTimeout); // a closed connection completes the read by itself
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException || SessionRunner.IsConnectionFailure(e))
            {
                // Slow or gone: the HTTP pipeline applies its own timeouts to whatever comes (or ends at once).
                if (logger.IsEnabled(LogLevel.Debug)) logger.ClosedBeforeSending(TransportNet.PeerString(context.RemoteEndPoint), e.Message);
                return null;
            }
            var buffer = result.Buffer;
            var outcome = WebSocketHandshake.TryParse(buffer, out var request, out int headLength);
            if (outcome == WebSocketHandshake.Outcome.NeedMore && !result.IsCompleted && !result.IsCanceled)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }
            if (outcome == WebSocketHandshake.Outcome.Upgrade && find(request!.Path) is { } service && service.AcceptsDirectly(request) is { } accept)
            {
                input.AdvanceTo(buffer.GetPosition(headLength));
                return (service, request, accept);
            }
            input.AdvanceTo(buffer.Start);
            return null;
        }
    }
}
