using Microsoft.Extensions.Logging;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Router;

namespace PluginHost.Listeners.Bridge;

/// <summary>
/// The embedded WAMP session behind one bridge service: joined to its realm in its role over an in-process
/// connection when the transport starts (as Crossbar attaches its service session), joined again on the next
/// request should it have ended.
/// </summary>
internal sealed class BridgeSession(WampRouter router, string realm, string role, ILogger log) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private WampSession? _session;
    private bool _disposed;

    public string Realm => realm;
    public string Role => role;

    public async Task<WampSession> GetAsync(CancellationToken ct)
    {
        if (Volatile.Read(ref _session) is { IsOpen: true } open) return open;
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_session is { IsOpen: true } current) return current;
            if (_session is { } ended)
            {
                log.BridgeSessionRejoining(realm, role);
                await ended.DisposeAsync().ConfigureAwait(false);
            }
            var auth = new TransportAuthConfig { AnonymousRole = role };
            var session = await WampSession.JoinAsync(router.ConnectInProcess(auth), realm, new WampJoinOptions { Logger = log }, ct)
                .ConfigureAwait(false);
            Volatile.Write(ref _session, session);
            return session;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed) return;
            _disposed = true;
            if (_session is not null) await _session.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }
}
