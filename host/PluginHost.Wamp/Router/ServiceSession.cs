using PluginHost.Wamp.Client;
using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Router;

/// <summary>
/// A realm's service session (Crossbar's realm.session): an in-process client session the router joins to the realm
/// in role "trusted" (never authorized: RouterSession.IsTrusted) and over which it CALLs dynamic authenticators and
/// authorizers. Joined lazily on first use, so realms without dynamic auth carry no extra session; joined again
/// if it ever closed. Thread-safe; never used from the realm loop synchronously (joining posts to that loop).
/// </summary>
internal sealed class ServiceSession(WampRouter router, string realm)
{
    internal static readonly TransportAuthConfig AuthConfig = new() { AnonymousRole = null, Internal = true };

    private readonly object _lock = new();
    private Task<WampSession>? _session;

    /// <summary>
    /// CALLs <paramref name="procedure"/> and returns its result. Throws WampException for an ERROR (e.g.
    /// wamp.error.no_such_procedure, or the authenticator's ApplicationError), TimeoutException when no answer
    /// came within <paramref name="timeout"/> (the call is then canceled at the dealer), OperationCanceledException
    /// when <paramref name="cancellationToken"/> fired.
    /// </summary>
    public async Task<WampResult> CallAsync(string procedure, IReadOnlyList<object?> args, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var session = await GetAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            return await session.CallAsync(procedure, args, cancellationToken: limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"'{procedure}' did not answer within {timeout.TotalSeconds:0.###} s");
        }
    }

    private Task<WampSession> GetAsync()
    {
        lock (_lock)
        {
            // A session that failed to join or has closed since is replaced.
            if (_session is null || _session.IsFaulted || _session.IsCanceled
                || (_session.IsCompletedSuccessfully && !_session.Result.IsOpen))
                _session = Task.Run(() => WampSession.JoinAsync(router.ConnectInProcess(AuthConfig), realm,
                    new WampJoinOptions { AuthId = "router", AuthMethods = ["anonymous"] }));
            return _session;
        }
    }
}
