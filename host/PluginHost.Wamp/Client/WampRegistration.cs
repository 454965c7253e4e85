namespace PluginHost.Wamp.Client;

/// <summary>A procedure registered by this session. Dispose or unregister to withdraw it.</summary>
public sealed class WampRegistration : IAsyncDisposable
{
    private readonly WampSession _session;
    private int _unregistered;

    internal WampRegistration(WampSession session, string procedure,
        Func<WampInvocation, CancellationToken, ValueTask<WampResult?>> handler)
    {
        _session = session;
        Procedure = procedure;
        Handler = handler;
    }

    /// <summary>The router's registration id (valid once RegisterAsync returned).</summary>
    public long Id { get; internal set; }

    /// <summary>The registered URI (or pattern).</summary>
    public string Procedure { get; }

    internal Func<WampInvocation, CancellationToken, ValueTask<WampResult?>> Handler { get; }

    /// <summary>Set when the router revoked the registration (registration_revocation), with its reason.</summary>
    public string? RevokedReason { get; private set; }

    /// <summary>The router withdrew it: there is nothing left to unregister.</summary>
    internal void MarkRevoked(string? reason)
    {
        RevokedReason = reason ?? "wamp.error.unregistered";
        Interlocked.Exchange(ref _unregistered, 1);
    }

    /// <summary>
    /// Sends UNREGISTER and waits for UNREGISTERED; invocations already under way finish normally.
    /// Idempotent. A closed session counts as success: its registrations are gone with it.
    /// </summary>
    public async Task UnregisterAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _unregistered, 1) != 0) return;
        await _session.UnregisterAsync(this, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Unregisters (once; later calls do nothing).</summary>
    public async ValueTask DisposeAsync() => await UnregisterAsync().ConfigureAwait(false);
}
