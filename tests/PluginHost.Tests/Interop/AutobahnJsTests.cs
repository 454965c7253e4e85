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
    public Task AllScenariosPass(string transport, string serializer)
        => ScenarioScript.AssertPassesAsync(fixture, "node", "js/ab_scenarios.js",
            "--url", transport == "ws" ? fixture.WebSocketUrl : fixture.RawSocketUrl, "--serializer", serializer);
}
