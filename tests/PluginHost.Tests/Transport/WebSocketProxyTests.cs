using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using PluginHost.Listeners;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Router;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;
using static PluginHost.Tests.Transport.TransportTestKit;

namespace PluginHost.Tests.Transport;

/// <summary>
/// websocket-reverseproxy: a WAMP client connects to a proxy node's path, which forwards the WebSocket to a second
/// in-process router's own WebSocket transport (the backend).
/// </summary>
public sealed class WebSocketProxyTests : IAsyncLifetime
{
    private readonly WampRouter _router = new(new RouterOptions());
    private RouterTransports _backend = null!;
    private RouterTransports _proxy = null!;

    public async Task InitializeAsync()
    {
        _router.AddRealm(new RealmConfig { Name = "realm1" });
        var backendPaths = new Dictionary<string, WebPathConfig>
        {
            ["ws"] = new WebSocketPathConfig(),
            ["msgpack"] = new WebSocketPathConfig { WebSocket = new WebSocketServiceConfig { Serializers = ["msgpack"] } },
        };
        _backend = await RouterTransports.StartAsync([new WebTransportConfig { Id = "backend", Endpoint = Loopback, Paths = backendPaths }], _router);
        _proxy = await StartAsync(new EchoSessions(), new WebTransportConfig
        {
            Id = "proxy",
            Endpoint = Loopback,
            Paths = new Dictionary<string, WebPathConfig>
            {
                ["wamp"] = Proxy("/ws"),
                ["onlymsgpack"] = Proxy("/msgpack"),
                ["strict"] = Proxy("/ws") with { AllowedOrigins = ["https://*.example.com"], AllowNullOrigin = false },
            },
        });
    }

    private WebSocketProxyPathConfig Proxy(string backendPath) => new()
    {
        Host = "127.0.0.1",
        Port = _backend["backend"].Port,
        Url = new Uri($"ws://localhost:{_backend["backend"].Port}{backendPath}"),
    };

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _backend.DisposeAsync();
        await _router.DisposeAsync();
    }

    private Uri ProxyUri(string path = "/wamp") => WsUri(_proxy["proxy"], path);

    private async Task<WampSession> JoinDirectAsync()
        => await WampSession.JoinAsync(await WampTransportConnector.ConnectWebSocketAsync(WsUri(_backend["backend"], "/ws"), [WampSerializers.Json]), "realm1")
            .WaitAsync(Wait);

    [Theory]
    [InlineData("json")]
    [InlineData("msgpack")]
    public async Task JoinCallAndPublishPassThrough(string serializerName)
    {
        var serializer = WampSerializers.ByName(serializerName)!;
        await using var direct = await JoinDirectAsync();
        await direct.RegisterAsync("com.example.add",
            (inv, _) => ValueTask.FromResult<WampResult?>(WampResult.Of(Convert.ToInt64(inv.Args[0]) + Convert.ToInt64(inv.Args[1]))));
        var atDirect = new TaskCompletionSource<WampEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        await direct.SubscribeAsync("com.example.up", e => { atDirect.TrySetResult(e); return ValueTask.CompletedTask; });

        var connection = await WampTransportConnector.ConnectWebSocketAsync(ProxyUri(), [serializer]).WaitAsync(Wait);
        Assert.Equal(serializer.Subprotocol, connection.Details.Protocol); // the backend's choice came back
        await using var proxied = await WampSession.JoinAsync(connection, "realm1").WaitAsync(Wait);

        var result = await proxied.CallAsync("com.example.add", [2, 3]).WaitAsync(Wait);
        Assert.Equal(5L, Convert.ToInt64(result.Args[0]));

        var atProxied = new TaskCompletionSource<WampEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        await proxied.SubscribeAsync("com.example.down", e => { atProxied.TrySetResult(e); return ValueTask.CompletedTask; });
        await direct.PublishAsync("com.example.down", ["to the proxied client"], options: new PublishOptions { Acknowledge = true }).WaitAsync(Wait);
        Assert.Equal("to the proxied client", (await atProxied.Task.WaitAsync(Wait)).Args[0]);

        await proxied.PublishAsync("com.example.up", ["from the proxied client", new string('x', 200_000)], options: new PublishOptions { Acknowledge = true }).WaitAsync(Wait);
        var up = await atDirect.Task.WaitAsync(Wait);
        Assert.Equal(("from the proxied client", 200_000), ((string)up.Args[0]!, ((string)up.Args[1]!).Length));

        await proxied.LeaveAsync().WaitAsync(Wait);
    }

    [Fact]
    public async Task TheBackendNegotiatesTheSubprotocol()
    {
        // The backend path speaks msgpack only: of json-then-msgpack it picks msgpack, through the proxy.
        await using (var both = await WampTransportConnector.ConnectWebSocketAsync(ProxyUri("/onlymsgpack"), [WampSerializers.Json, WampSerializers.MsgPack]).WaitAsync(Wait))
            Assert.Equal(WampSerializers.MsgPack.Subprotocol, both.Details.Protocol);

        // Offering json alone: the backend refuses the upgrade (400) and the proxy passes its answer on.
        var (socket, error) = await RawConnectAsync(ProxyUri("/onlymsgpack"), [WampSerializers.Json.Subprotocol]);
        using (socket)
        {
            Assert.NotNull(error);
            Assert.Equal(HttpStatusCode.BadRequest, socket.HttpStatusCode);
        }
    }

    [Fact]
    public async Task ClosePassesThroughBothWays()
    {
        // Client closes: the backend's close frame comes back, so the close handshake completes.
        await using (var client = await WampTransportConnector.ConnectWebSocketAsync(ProxyUri(), [WampSerializers.Json]).WaitAsync(Wait))
        {
            await client.CloseAsync().AsTask().WaitAsync(Wait);
            Assert.Null(await client.ReceiveAsync().AsTask().WaitAsync(Wait));
        }

        // Backend goes away: the proxied session learns it.
        var proxied = await WampSession.JoinAsync(await WampTransportConnector.ConnectWebSocketAsync(ProxyUri(), [WampSerializers.Json]), "realm1").WaitAsync(Wait);
        await using (proxied)
        {
            await _backend.DisposeAsync();
            await proxied.Closed.WaitAsync(Wait);
        }
    }

    [Fact]
    public async Task PlainHttpGets426AndOriginsAreChecked()
    {
        using var http = Http(_proxy["proxy"]);
        var response = await http.GetAsync("/wamp");
        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
        Assert.Contains("WebSocket reverse proxy", await response.Content.ReadAsStringAsync());

        var (denied, error) = await RawConnectAsync(ProxyUri("/strict"), [WampSerializers.Json.Subprotocol], "https://evil.test");
        using (denied)
        {
            Assert.NotNull(error);
            Assert.Equal(HttpStatusCode.Forbidden, denied.HttpStatusCode);
        }
        var (allowed, noError) = await RawConnectAsync(ProxyUri("/strict"), [WampSerializers.Json.Subprotocol], "https://app.example.com");
        using (allowed)
        {
            Assert.Null(noError);
            await allowed.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(Wait);
        }
    }

    [Fact]
    public async Task BackendDownFailsTheHandshakeWith502()
    {
        using var reserved = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        reserved.Bind(new IPEndPoint(IPAddress.Loopback, 0)); // bound, never listening: connections are refused
        var downPort = ((IPEndPoint)reserved.LocalEndPoint!).Port;
        await using var proxy = await StartAsync(new EchoSessions(), new WebTransportConfig
        {
            Id = "proxy2",
            Endpoint = Loopback,
            Paths = new Dictionary<string, WebPathConfig>
            {
                ["wamp"] = new WebSocketProxyPathConfig { Host = "127.0.0.1", Port = downPort, Url = new Uri($"ws://127.0.0.1:{downPort}/ws") },
                ["local"] = new WebSocketPathConfig(),
            },
        });

        await Assert.ThrowsAsync<WebSocketException>(() => WampTransportConnector.ConnectWebSocketAsync(WsUri(proxy["proxy2"], "/wamp"), [WampSerializers.Json]).WaitAsync(Wait));
        var (socket, error) = await RawConnectAsync(WsUri(proxy["proxy2"], "/wamp"), [WampSerializers.Json.Subprotocol]);
        using (socket)
        {
            Assert.NotNull(error);
            Assert.Equal(HttpStatusCode.BadGateway, socket.HttpStatusCode);
        }
        // The node keeps serving.
        await using var local = await WampTransportConnector.ConnectWebSocketAsync(WsUri(proxy["proxy2"], "/local"), [WampSerializers.Json]).WaitAsync(Wait);
        Assert.Equal(WampSerializers.Json.Subprotocol, local.Details.Protocol);
    }

    private static async Task<(ClientWebSocket Socket, Exception? Error)> RawConnectAsync(Uri uri, IEnumerable<string> protocols, string? origin = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        foreach (var p in protocols) socket.Options.AddSubProtocol(p);
        if (origin is not null) socket.Options.SetRequestHeader("Origin", origin);
        try
        {
            await socket.ConnectAsync(uri, CancellationToken.None).WaitAsync(Wait);
            return (socket, null);
        }
        catch (WebSocketException e)
        {
            return (socket, e);
        }
    }

    /// <summary>A peer nobody here wrote: Autobahn|Python calls through the proxy to a callee joined at the backend.</summary>
    [Fact]
    public async Task AutobahnPythonCallsThroughTheProxy()
    {
        await using var direct = await JoinDirectAsync();
        await direct.RegisterAsync("com.example.hello", (_, _) => ValueTask.FromResult<WampResult?>(WampResult.Of("hello via proxy")));

        var script = Path.Combine(PluginHost.Tests.Support.RepoPaths.InteropDir, "python", "call_procedure.py");
        var outcome = await PluginHost.Tests.Support.ExternalProcess.RunAsync("/usr/bin/python3",
            [script, "--url", ProxyUri().ToString(), "--procedure", "com.example.hello"], TimeSpan.FromMinutes(1));

        Assert.True(outcome.ExitCode == 0, $"Autobahn|Python failed through the proxy:\n{outcome.Output}");
        Assert.Contains("RESULT \"hello via proxy\"", outcome.Output);
    }
}
