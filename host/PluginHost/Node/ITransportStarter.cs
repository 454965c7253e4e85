using PluginHost.Transport;
using PluginHost.Wamp.Router;

namespace PluginHost.Node;

/// <summary>
/// The seam between the node and the listening transports: starts one router worker's transports
/// (already validated, paths resolved) and hands their connections to <paramref name="router"/>.
/// Throws when a transport cannot start (port in use, bad certificate); the node then fails to boot.
/// </summary>
public interface ITransportStarter
{
    Task<IStartedTransports> StartAsync(WampRouter router, IReadOnlyList<TransportConfig> transports, string nodeDir, CancellationToken cancellationToken);
}

/// <summary>Running transports. Disposing stops listening and closes their connections.</summary>
public interface IStartedTransports : IAsyncDisposable
{
    /// <summary>The TCP port each transport (by <see cref="TransportConfig.Id"/>) is bound to; differs from the config for port 0.</summary>
    IReadOnlyDictionary<string, int> BoundPorts { get; }
}
