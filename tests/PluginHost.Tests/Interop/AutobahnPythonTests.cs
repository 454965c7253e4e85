using PluginHost.Tests.Support;

namespace PluginHost.Tests.Interop;

/// <summary>
/// Autobahn|Python (Debian python3-autobahn, asyncio) drives our router: every scenario of
/// tests/interop/python/ab_scenarios.py, over WebSocket and RawSocket, with each serializer.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class AutobahnPythonTests(InteropNodeFixture fixture)
{
    private const string Python = "/usr/bin/python3"; // Debian's, which has python3-autobahn

    [Theory]
    [InlineData("ws", "json")]
    [InlineData("ws", "msgpack")]
    [InlineData("ws", "cbor")]
    [InlineData("rs", "json")]
    [InlineData("rs", "msgpack")]
    [InlineData("rs", "cbor")]
    public async Task AllScenariosPass(string transport, string serializer)
    {
        var url = transport == "ws" ? fixture.WebSocketUrl : fixture.RawSocketUrl;
        var script = Path.Combine(RepoPaths.InteropDir, "python", "ab_scenarios.py");
        var outcome = await ExternalProcess.RunAsync(Python, [script, "--url", url, "--serializer", serializer], TimeSpan.FromMinutes(3));
        Assert.False(outcome.TimedOut, "Autobahn|Python timed out:\n" + outcome.Output);
        Assert.True(outcome.ExitCode == 0, $"Autobahn|Python scenarios failed (exit {outcome.ExitCode}):\n{outcome.Output}\n--- node log ---\n{fixture.Node.Log}");
        Assert.Contains("PASS rpc", outcome.Output);
    }
}
