using System.Collections.Concurrent;

namespace PluginHost.Wamp.Transport;

/// <summary>
/// Crossbar's <c>auto_ping_interval</c> / <c>auto_ping_timeout</c> for the <see cref="PipeWebSocketConnection"/>s of one
/// endpoint: one timer sweeps them all (a timer per connection would cost every idle session its own), PINGs each
/// connection once per interval and drops one that has sent nothing back within the timeout of a PING (any frame counts
/// as an answer, as Autobahn's auto_ping_restart_on_any_traffic does). The sweep runs four times per the shorter of the
/// two periods, so a PING or a drop comes at most a quarter period late.
/// </summary>
public sealed class WebSocketKeepAlive : IDisposable
{
    private readonly ConcurrentDictionary<PipeWebSocketConnection, byte> _connections = new();
    private readonly long _intervalMs, _timeoutMs;
    private readonly ITimer _timer;

    /// <param name="interval">How often each connection is pinged (auto_ping_interval).</param>
    /// <param name="timeout">How long a ping may go unanswered before the connection is dropped (auto_ping_timeout); zero = never.</param>
    public WebSocketKeepAlive(TimeSpan interval, TimeSpan timeout)
    {
        if (interval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(interval), "the keep-alive needs an interval");
        _intervalMs = (long)interval.TotalMilliseconds;
        _timeoutMs = timeout > TimeSpan.Zero ? (long)timeout.TotalMilliseconds : 0;
        long period = Math.Max(1, Math.Min(_intervalMs, _timeoutMs > 0 ? _timeoutMs : _intervalMs) / 4);
        _timer = TimeProvider.System.CreateTimer(_ => Sweep(), null, TimeSpan.FromMilliseconds(period), TimeSpan.FromMilliseconds(period));
    }

    /// <summary>Keeps <paramref name="connection"/> alive until the returned handle is disposed (when its session ends).</summary>
    public Registration Add(PipeWebSocketConnection connection)
    {
        _connections.TryAdd(connection, 0);
        return new Registration(this, connection);
    }

    private void Sweep()
    {
        long now = Environment.TickCount64;
        foreach (var connection in _connections.Keys) connection.KeepAliveTick(now, _intervalMs, _timeoutMs);
    }

    /// <summary>Stops the sweep (the endpoint is shutting down).</summary>
    public void Dispose() => _timer.Dispose();

    /// <summary>Ends the keep-alive of one connection.</summary>
    public readonly struct Registration(WebSocketKeepAlive? owner, PipeWebSocketConnection connection) : IDisposable
    {
        /// <summary>Stops pinging the connection.</summary>
        public void Dispose() => owner?._connections.TryRemove(connection, out _);
    }
}
