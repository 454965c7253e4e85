using System.Text.Json;
using PluginHost.Tests.Support;
using PluginHost.Listeners;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Transport.TransportTestKit;

namespace PluginHost.Tests.Transport;

/// <summary>
/// The HTTP bridge driven by third-party HTTP clients: Python's urllib with the signature computed by
/// tests/interop/python/http_bridge.py (hmac, hashlib; nothing of ours), and curl for a webhook.
/// </summary>
public sealed class HttpBridgeClientTests : IAsyncLifetime
{
    private const string Python = "/usr/bin/python3";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private WampRouter _router = null!;
    private RouterTransports _transports = null!;
    private WampSession _peer = null!;
    private string _base = "";

    public async Task InitializeAsync()
    {
        _router = new WampRouter();
        _router.AddRealm(HttpBridgeTests.Realm);
        _transports = await RouterTransports.StartAsync([new WebTransportConfig { Id = "web1", Endpoint = Loopback, Paths = HttpBridgeTests.Paths() }], _router);
        _base = $"http://127.0.0.1:{_transports["web1"].Port}";
        _peer = await WampSession.JoinAsync(_router.ConnectInProcess(), "realm1");
    }

    public async Task DisposeAsync()
    {
        await _peer.DisposeAsync();
        await _transports.DisposeAsync();
        await _router.DisposeAsync();
    }

    private async Task<(int Status, JsonElement Body)> PythonPostAsync(string path, string body, params string[] extra)
    {
        var script = Path.Combine(RepoPaths.Root, "tests", "interop", "python", "http_bridge.py");
        var outcome = await ExternalProcess.RunAsync(Python, [script, "--url", _base + path, "--body", body, .. extra], Deadline);
        Assert.True(outcome.ExitCode == 0, outcome.Output);
        var line = outcome.Output.Split('\n').Single(l => l.StartsWith("STATUS ", StringComparison.Ordinal));
        var parts = line.Split(' ', 3);
        using var doc = JsonDocument.Parse(parts[2]);
        return (int.Parse(parts[1]), doc.RootElement.Clone());
    }

    [Fact]
    public async Task PythonSignedPublishAndCall()
    {
        var received = new TaskCompletionSource<WampEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _peer.SubscribeAsync("com.example.py", e => { received.TrySetResult(e); return ValueTask.CompletedTask; });
        await _peer.RegisterAsync("com.example.mul", (inv, _) => ValueTask.FromResult<WampResult?>(WampResult.Of((long)inv.Args[0]! * (long)inv.Args[1]!)));
        string[] signing = ["--key", HttpBridgeTests.Key, "--secret", HttpBridgeTests.Secret];

        var (status, body) = await PythonPostAsync("/signed", """{"topic": "com.example.py", "args": ["from python"], "kwargs": {"n": 1}}""", signing);
        Assert.Equal(200, status);
        var ev = await received.Task.WaitAsync(Wait);
        Assert.Equal(body.GetProperty("id").GetInt64(), ev.PublicationId);
        Assert.Equal(["from python"], ev.Args);

        (status, body) = await PythonPostAsync("/signedcall", """{"procedure": "com.example.mul", "args": [6, 7]}""", signing);
        Assert.Equal(200, status);
        Assert.Equal("""{"args":[42]}""", body.GetRawText());

        (status, body) = await PythonPostAsync("/signed", """{"topic": "com.example.py"}""", "--key", HttpBridgeTests.Key, "--secret", "wrong");
        Assert.Equal(401, status);
        Assert.Equal("REST bridge signature secret not valid.", body.GetProperty("error").GetString());

        (status, body) = await PythonPostAsync("/signed", """{"topic": "com.example.py"}""", [.. signing, "--timestamp-offset", "-3600"]);
        Assert.Equal(400, status);
        Assert.Equal("Request expired, too old timestamp.", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task CurlWebhook()
    {
        var received = new TaskCompletionSource<WampEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _peer.SubscribeAsync("com.example.hook", e => { received.TrySetResult(e); return ValueTask.CompletedTask; });

        var outcome = await ExternalProcess.RunAsync("curl", ["-sS", "-X", "POST", "-H", "X-GitHub-Event: push", "-H", "Content-Type: text/plain",
            "--data-binary", "hello from curl", "-w", "\n%{http_code}", _base + "/hook"], Deadline);

        Assert.True(outcome.ExitCode == 0, outcome.Output);
        Assert.Equal(["OK", "202"], outcome.Output.Trim().Split('\n'));
        var message = Assert.IsType<Dictionary<string, object?>>(Assert.Single((await received.Task.WaitAsync(Wait)).Args));
        Assert.Equal("hello from curl", message["body"]);
        var headers = Assert.IsType<Dictionary<string, object?>>(message["headers"]);
        Assert.Equal(["push"], Assert.IsType<List<object?>>(headers["X-Github-Event"]));
        Assert.StartsWith("curl/", (string)Assert.IsType<List<object?>>(headers["User-Agent"])[0]!);
    }
}
