using Microsoft.Extensions.Time.Testing;
using PluginHost.Wamp.Router;

namespace PluginHost.Tests.Router;

/// <summary>
/// A flood of malformed messages costs one full line per peer address and then one count line per interval
/// (ProtocolViolationLog). The clock is a FakeTimeProvider: its timer fires when the test moves the clock.
/// </summary>
public class ProtocolViolationLogTests
{
    private readonly CapturingLoggerProvider _logs = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private string[] Lines() => _logs.Entries.Select(e => e.Text).ToArray();

    [Fact]
    public void AFloodFromOneAddressIsOneLineThenOneCountPerInterval()
    {
        using var log = new ProtocolViolationLog(_logs.CreateLogger("t"), _time);
        // 17,000 violations in the first interval, each from a new port (every fuzzer connection has its own).
        for (int i = 0; i < 17_000; i++) log.Report($"tcp4:10.0.0.7:{1024 + i % 60000}", 0, "message type 1.5 is not an integer");
        var first = Assert.Single(Lines());
        Assert.Contains("tcp4:10.0.0.7:1024", first);
        Assert.Contains("message type 1.5 is not an integer", first);

        _time.Advance(ProtocolViolationLog.Interval); // the timer fires: the window's count is logged
        Assert.Equal(2, Lines().Length);
        Assert.Equal("16999 more protocol violations from tcp4:10.0.0.7 in the last 10 s (each ended its session with ABORT wamp.error.protocol_violation)", Lines()[1]);

        // The flood goes on: counted in the new window, not logged one by one.
        for (int i = 0; i < 500; i++) log.Report("tcp4:10.0.0.7:2000", 0, "x");
        Assert.Equal(2, Lines().Length);
        _time.Advance(ProtocolViolationLog.Interval);
        Assert.Equal(3, Lines().Length);
        Assert.StartsWith("500 more protocol violations from tcp4:10.0.0.7 ", Lines()[2]);

        // Quiet for an interval: nothing to report, the window is dropped and the next violation is logged in full.
        _time.Advance(ProtocolViolationLog.Interval);
        Assert.Equal(3, Lines().Length);
        log.Report("tcp4:10.0.0.7:3000", 42, "CALL request id 0 is outside [1, 2^53]");
        Assert.Equal(4, Lines().Length);
        Assert.Equal("ABORT wamp.error.protocol_violation to tcp4:10.0.0.7:3000 (session 42): CALL request id 0 is outside [1, 2^53]", Lines()[3]);
    }

    [Fact]
    public void AddressesAreCountedSeparatelyAndASingleViolationAddsNoCountLine()
    {
        using var log = new ProtocolViolationLog(_logs.CreateLogger("t"), _time);
        log.Report("tcp4:10.0.0.1:5000", 0, "a");
        log.Report("tcp6:[::1]:5001", 0, "b");
        log.Report("tcp6:[::1]:5002", 0, "c");
        Assert.Equal(2, Lines().Length);
        _time.Advance(ProtocolViolationLog.Interval);
        Assert.Equal(3, Lines().Length);
        Assert.StartsWith("1 more protocol violations from tcp6:[::1] ", Lines()[2]);
    }

    [Fact]
    public void TrackedAddressesAreBounded()
    {
        using var log = new ProtocolViolationLog(_logs.CreateLogger("t"), _time);
        for (int i = 0; i < ProtocolViolationLog.MaxAddresses + 5000; i++)
            log.Report($"tcp4:10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}:80", 0, "x");
        // One line per tracked address, one for the shared "other peers" window; the rest are counted there.
        Assert.Equal(ProtocolViolationLog.MaxAddresses + 1, Lines().Length);
        _time.Advance(ProtocolViolationLog.Interval);
        Assert.Contains(Lines(), l => l.StartsWith("4999 more protocol violations from other peers ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("tcp4:127.0.0.1:53412", "tcp4:127.0.0.1")]
    [InlineData("tcp6:[::1]:53412", "tcp6:[::1]")]
    [InlineData("unix:/tmp/s", "unix:/tmp/s")]
    [InlineData(null, "unknown peer")]
    public void AddressDropsTheTcpPort(string? peer, string expected) => Assert.Equal(expected, ProtocolViolationLog.Address(peer));
}
