using PluginHost.Tests.Support;

namespace PluginHost.Tests.Interop;

/// <summary>wampy.js (npm "wampy") drives our router over WebSocket with each serializer.</summary>
[Collection(InteropCollection.Name)]
public sealed class WampyTests(InteropNodeFixture fixture)
{
    [Theory]
    [InlineData("json")]
    [InlineData("msgpack")] // msgpackr encodes `undefined` option values as an extension type
    [InlineData("cbor")]
    public async Task ScenariosPass(string serializer)
    {
        var script = Path.Combine(RepoPaths.InteropDir, "js", "wampy_scenarios.js");
        var outcome = await ExternalProcess.RunAsync("node", [script, "--url", fixture.WebSocketUrl, "--serializer", serializer], TimeSpan.FromMinutes(2));
        Assert.False(outcome.TimedOut, "wampy timed out:\n" + outcome.Output);
        Assert.True(outcome.ExitCode == 0, $"wampy scenarios failed (exit {outcome.ExitCode}):\n{outcome.Output}\n--- node log ---\n{fixture.Node.Log}");
        Assert.Contains("PASS rpc", outcome.Output);
    }
}
