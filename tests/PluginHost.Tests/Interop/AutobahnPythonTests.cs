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
    [InlineData("ws", "json.batched")]
    [InlineData("ws", "msgpack.batched")]
    [InlineData("rs", "json")]
    [InlineData("rs", "msgpack")]
    [InlineData("rs", "cbor")]
    public Task AllScenariosPass(string transport, string serializer)
        => ScenarioScript.AssertPassesAsync(fixture, Python, "python/ab_scenarios.py",
            "--url", transport == "ws" ? fixture.WebSocketUrl : fixture.RawSocketUrl, "--serializer", serializer);
}
