using System.Net.WebSockets;
using PluginHost.Tests.Support;
using PluginHost.Listeners;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Router;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;
using static PluginHost.Tests.Transport.TransportTestKit;

namespace PluginHost.Tests.Transport;

/// <summary>compression.deflate: permessage-deflate (RFC 7692) negotiated with clients that offer it, WAMP unchanged over it.</summary>
public sealed class WebSocketCompressionTests : IAsyncLifetime
{
    private readonly WampRouter _router = new(new RouterOptions());
    private RouterTransports _transports = null!;

    public async Task InitializeAsync()
    {
        _router.AddRealm(new RealmConfig { Name = "realm1" });
        var paths = new Dictionary<string, WebPathConfig>
        {
            ["deflate"] = new WebSocketPathConfig { WebSocket = new WebSocketServiceConfig { Options = new WebSocketOptions { Deflate = new DeflateOptions() } } },
            ["plain"] = new WebSocketPathConfig(),
        };
        _transports = await RouterTransports.StartAsync([new WebTransportConfig { Id = "web", Endpoint = Loopback, Paths = paths }], _router);
    }

    public async Task DisposeAsync()
    {
        await _transports.DisposeAsync();
        await _router.DisposeAsync();
    }

    /// <summary>A ClientWebSocket offering permessage-deflate; returns the WAMP connection and the extensions the server accepted.</summary>
    private async Task<(IWampConnection Connection, string Extensions)> ConnectDeflateAsync(string path)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(WampSerializers.Json.Subprotocol);
        socket.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        socket.Options.CollectHttpResponseDetails = true;
        await socket.ConnectAsync(WsUri(_transports["web"], path), CancellationToken.None).WaitAsync(Wait);
        var extensions = socket.HttpResponseHeaders?.TryGetValue("Sec-WebSocket-Extensions", out var values) == true ? string.Join(",", values) : "";
        return (new WebSocketConnection(socket, WampSerializers.Json, new TransportDetails("websocket", "json")), extensions);
    }

    [Fact]
    public async Task DeflateIsNegotiatedOnlyWhereConfiguredAndWampWorksOverIt()
    {
        var (plainConnection, plainExtensions) = await ConnectDeflateAsync("/plain");
        await plainConnection.DisposeAsync();
        Assert.DoesNotContain("permessage-deflate", plainExtensions);

        var (connection, extensions) = await ConnectDeflateAsync("/deflate");
        Assert.Contains("permessage-deflate", extensions);
        await using var session = await WampSession.JoinAsync(connection, "realm1").WaitAsync(Wait);
        await session.RegisterAsync("com.example.echo", (inv, _) => ValueTask.FromResult<WampResult?>(WampResult.Of(inv.Args[0])));
        var big = new string('a', 200_000) + "end"; // compresses to almost nothing, and spans many frames before that
        for (int i = 0; i < 3; i++)
            Assert.Equal(big, (await session.CallAsync("com.example.echo", [big]).WaitAsync(Wait)).Args[0]);
    }

    /// <summary>Autobahn|JS on Node's ws offers permessage-deflate by default: its calls work over the compressed path.</summary>
    [Fact]
    public async Task AutobahnJsCallsOverACompressedConnection()
    {
        var (connection, _) = await ConnectDeflateAsync("/deflate");
        await using var callee = await WampSession.JoinAsync(connection, "realm1").WaitAsync(Wait);
        await callee.RegisterAsync("com.example.hello", (_, _) => ValueTask.FromResult<WampResult?>(WampResult.Of("hello, compressed")));

        var outcome = await ExternalProcess.RunAsync("node",
            [Path.Combine(RepoPaths.InteropDir, "js", "call_procedure.js"), "--url", WsUri(_transports["web"], "/deflate").ToString(), "--procedure", "com.example.hello"],
            TimeSpan.FromMinutes(1));

        Assert.True(outcome.ExitCode == 0, $"Autobahn|JS failed:\n{outcome.Output}");
        Assert.Contains("RESULT \"hello, compressed\"", outcome.Output);
    }
}
