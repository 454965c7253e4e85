using PluginHost.Tests.Support;

namespace PluginHost.Tests.Interop;

/// <summary>
/// Autobahn|JS (npm "autobahn", under Node.js) drives our router: WebSocket with each
/// serializer, and RawSocket (Autobahn|JS speaks JSON there).
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class AutobahnJsTests(InteropNodeFixture fixture)
{
    [Theory]
    [InlineData("ws", "json")]
    [InlineData("ws", "msgpack")]
    [InlineData("ws", "cbor")]
    [InlineData("rs", "json")]
    public async Task AllScenariosPass(string transport, string serializer)
    {
        var url = transport == "ws" ? fixture.WebSocketUrl : fixture.RawSocketUrl;
        var script = Path.Combine(RepoPaths.InteropDir, "js", "ab_scenarios.js");
        var outcome = await ExternalProcess.RunAsync("node", [script, "--url", url, "--serializer", serializer], TimeSpan.FromMinutes(2));
        Assert.False(outcome.TimedOut, "Autobahn|JS timed out:\n" + outcome.Output);
        Assert.True(outcome.ExitCode == 0, $"Autobahn|JS scenarios failed (exit {outcome.ExitCode}):\n{outcome.Output}\n--- node log ---\n{fixture.Node.Log}");
        Assert.Contains("PASS rpc", outcome.Output);
    }
}
