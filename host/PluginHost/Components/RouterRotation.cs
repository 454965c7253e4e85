using PluginHost.Wamp.Transport;

namespace PluginHost.Components;

/// <summary>
/// The routers a container component may join (its <c>transport</c> list), tried in turn: a connection attempt goes to
/// the current router, and a failed attempt moves the rotation to the next one, so the component's reconnect pipeline
/// (ComponentRunner, Polly) walks the list round-robin until a router answers. A router that is up keeps the component
/// for as long as it is up; when it dies, the next attempts try the others.
/// THREADS: attempts of one component are sequential (its reconnect loop); the index is Interlocked all the same.
/// </summary>
internal sealed class RouterRotation
{
    private readonly IReadOnlyList<(Func<CancellationToken, Task<IWampConnection>> Connect, string Target)> _routers;
    private int _current;

    public RouterRotation(IReadOnlyList<(Func<CancellationToken, Task<IWampConnection>> Connect, string Target)> routers)
    {
        if (routers.Count == 0) throw new ArgumentException("at least one router", nameof(routers));
        _routers = routers;
    }

    /// <summary>The router the next attempt goes to (and, once connected, the one joined).</summary>
    public string Current => _routers[Volatile.Read(ref _current)].Target;

    /// <summary>Connects to the current router; when that fails, the next attempt goes to the next router.</summary>
    public async Task<IWampConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        int index = Volatile.Read(ref _current);
        try
        {
            return await _routers[index].Connect(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Refused, unreachable, or no handshake within the join's time limit: try the next router next time.
            Interlocked.CompareExchange(ref _current, (index + 1) % _routers.Count, index);
            throw;
        }
    }

    /// <summary>Every router, for logs: "ws://a, ws://b".</summary>
    public override string ToString() => string.Join(", ", _routers.Select(r => r.Target));
}
