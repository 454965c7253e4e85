namespace PluginHost.Tests.Interop;

/// <summary>wampy.js (npm "wampy") drives our router over WebSocket with each serializer.</summary>
[Collection(InteropCollection.Name)]
public sealed class WampyTests(InteropNodeFixture fixture)
{
    [Theory]
    [InlineData("json")]
    [InlineData("msgpack")] // msgpackr encodes `undefined` option values as an extension type
    [InlineData("cbor")]
    public Task ScenariosPass(string serializer)
        => ScenarioScript.AssertPassesAsync(fixture, "node", "js/wampy_scenarios.js", "--url", fixture.WebSocketUrl, "--serializer", serializer);
}
