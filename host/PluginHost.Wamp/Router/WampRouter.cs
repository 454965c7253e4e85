using Microsoft.Extensions.Logging;
using PluginHost.Wamp.Transport;

namespace PluginHost.Wamp.Router;

/// <summary>
/// The WAMP router: realms and the sessions attached to them. Transports hand each
/// established connection to <see cref="ServeAsync"/>; embedded components use
/// <see cref="ConnectInProcess"/>.
/// </summary>
public sealed class WampRouter : IAsyncDisposable
{
    public WampRouter(RouterOptions? options = null, ILoggerFactory? loggerFactory = null)
        => throw new NotImplementedException("router skeleton: being implemented");

    /// <summary>Starts a realm. Throws InvalidOperationException when a realm of that name exists.</summary>
    public void AddRealm(RealmConfig realm) => throw new NotImplementedException();

    public bool HasRealm(string name) => throw new NotImplementedException();

    /// <summary>
    /// Runs one WAMP session over <paramref name="connection"/> from HELLO to GOODBYE/ABORT/transport loss.
    /// Completes when the session is over; peer errors are logged, never thrown.
    /// </summary>
    public Task ServeAsync(IWampConnection connection, TransportAuthConfig? auth = null, CancellationToken cancellationToken = default)
        => throw new NotImplementedException();

    /// <summary>Returns the client end of an in-process connection whose router end is being served.</summary>
    public IWampConnection ConnectInProcess(TransportAuthConfig? auth = null) => throw new NotImplementedException();

    /// <summary>Ends every session with GOODBYE wamp.close.system_shutdown and stops the realms.</summary>
    public ValueTask DisposeAsync() => throw new NotImplementedException();
}
