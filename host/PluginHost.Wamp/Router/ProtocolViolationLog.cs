using Microsoft.Extensions.Logging;

namespace PluginHost.Wamp.Router;

/// <summary>
/// Logs protocol violations (malformed or out-of-sequence messages; each ends its session with ABORT
/// wamp.error.protocol_violation) so that a flood of them cannot fill the disk: a fuzzer reconnecting as fast as it
/// can wrote 17,000 lines in 19 s when every violation was logged.
///
/// Per peer address (the IP, without the port: a flood reconnects from ever new ports) the first violation opens a
/// window of <see cref="Interval"/> and is logged in full; later ones in that window are only counted. When the window
/// ends, a count above zero is logged as one line ("N more protocol violations from ADDRESS in the last 10 s") and a
/// new counting window starts at once, so a sustained flood costs one line per address per interval; a window that
/// ends with nothing counted is dropped, and the next violation from that address is logged in full again. At most
/// <see cref="MaxAddresses"/> addresses are tracked; violations from further ones share one window, "other peers".
///
/// STATE: <c>_windows</c> and <c>_timerDue</c> are guarded by <c>_gate</c>. Writers: session readers (violations
/// before the join), realm loops (after it) and the timer callback. The clock and the timer come from the
/// <see cref="TimeProvider"/>, so tests drive the intervals with a fake clock.
/// </summary>
internal sealed class ProtocolViolationLog : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    public const int MaxAddresses = 1024;
    internal const string OtherPeers = "other peers";

    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly object _gate = new();
    private readonly Dictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private DateTimeOffset? _timerDue;

    private sealed class Window(DateTimeOffset end)
    {
        public DateTimeOffset End = end;
        public long Counted;
    }

    public ProtocolViolationLog(ILogger log, TimeProvider time)
    {
        _log = log;
        _time = time;
        _timer = time.CreateTimer(_ => Flush(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>A violation by <paramref name="peer"/> (TransportDetails.Peer), ending session <paramref name="sessionId"/> (0 before the join).</summary>
    public void Report(string? peer, long sessionId, string message)
    {
        string address = Address(peer);
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (!_windows.ContainsKey(address) && _windows.Count >= MaxAddresses) address = OtherPeers;
            if (_windows.TryGetValue(address, out var window) && now >= window.End)
            {
                Close(address, window, now);
                _windows.TryGetValue(address, out window);
            }
            if (window is null)
            {
                _windows[address] = new Window(now + Interval);
                if (sessionId != 0)
                    _log.ProtocolViolation(peer, sessionId, message);
                else
                    _log.ProtocolViolationBeforeJoin(peer, message);
                ArmTimer(now + Interval, now);
                return;
            }
            window.Counted++;
        }
    }

    /// <summary>Ends every window that is over (the timer's work; tests call it after moving the clock).</summary>
    internal void Flush()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            _timerDue = null;
            foreach (var (address, window) in _windows.ToArray())
                if (now >= window.End) Close(address, window, now);
            if (_windows.Count > 0) ArmTimer(_windows.Values.Min(w => w.End), now);
        }
    }

    private void Close(string address, Window window, DateTimeOffset now)
    {
        if (window.Counted == 0)
        {
            _windows.Remove(address);
            return;
        }
        _log.ProtocolViolationsCounted(window.Counted, address, (int)Interval.TotalSeconds);
        window.Counted = 0;
        window.End = now + Interval;
    }

    private void ArmTimer(DateTimeOffset due, DateTimeOffset now)
    {
        if (_timerDue is { } armed && armed <= due) return;
        _timerDue = due;
        var wait = due - now;
        _timer.Change(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    /// <summary>"tcp4:10.0.0.7:53412" → "tcp4:10.0.0.7", "tcp6:[::1]:53412" → "tcp6:[::1]"; other peers as they are.</summary>
    internal static string Address(string? peer)
    {
        if (string.IsNullOrEmpty(peer)) return "unknown peer";
        if (!(peer.StartsWith("tcp4:", StringComparison.Ordinal) || peer.StartsWith("tcp6:", StringComparison.Ordinal))) return peer;
        int colon = peer.LastIndexOf(':');
        return colon > 4 && peer.AsSpan(colon + 1).IndexOfAnyExceptInRange('0', '9') < 0 && colon + 1 < peer.Length ? peer[..colon] : peer;
    }

    public void Dispose() => _timer.Dispose();
}
