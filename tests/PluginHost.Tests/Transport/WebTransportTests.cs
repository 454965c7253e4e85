using System.Net;
using System.Text.Json;
using PluginHost.Listeners;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;
using static PluginHost.Tests.Transport.TransportTestKit;

namespace PluginHost.Tests.Transport;

public sealed class WebTransportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pluginhost-web-").FullName;

    public WebTransportTests()
    {
        File.WriteAllText(Path.Combine(_dir, "index.html"), "<h1>index</h1>");
        File.WriteAllText(Path.Combine(_dir, "app.html"), "<h1>app</h1>");
        File.WriteAllText(Path.Combine(_dir, "data.wamp"), "custom");
        Directory.CreateDirectory(Path.Combine(_dir, "sub"));
        File.WriteAllText(Path.Combine(_dir, "sub", "listed.txt"), "listed");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static WebTransportConfig Web(Dictionary<string, WebPathConfig> paths) => new() { Id = "web1", Endpoint = Loopback, Paths = paths };

    [Fact]
    public async Task StaticServesIndexMimeTypesAndCacheHeader()
    {
        var root = new StaticPathConfig { Directory = _dir, CacheTimeout = 60, MimeTypes = new Dictionary<string, string> { [".wamp"] = "application/x-wamp-test" } };
        await using var transports = await StartAsync(new EchoSessions(), Web(new() { ["/"] = root }));
        using var http = Http(transports["web1"]);

        var index = await http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Equal("<h1>index</h1>", await index.Content.ReadAsStringAsync());
        Assert.Equal(TimeSpan.FromSeconds(60), index.Headers.CacheControl?.MaxAge);

        var custom = await http.GetAsync("/data.wamp");
        Assert.Equal("application/x-wamp-test", custom.Content.Headers.ContentType?.MediaType);
        Assert.Equal("custom", await custom.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/missing.html")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/sub/")).StatusCode); // listing is off by default
    }

    [Fact]
    public async Task StaticListingDefaultFileAndNoCacheHeader()
    {
        var root = new StaticPathConfig { Directory = _dir, EnableDirectoryListing = true, DefaultFile = "app.html", CacheTimeout = null };
        await using var transports = await StartAsync(new EchoSessions(), Web(new() { ["/"] = root }));
        using var http = Http(transports["web1"]);

        var listing = await http.GetAsync("/sub/");
        Assert.Equal(HttpStatusCode.OK, listing.StatusCode);
        Assert.Contains("listed.txt", await listing.Content.ReadAsStringAsync());

        var fallback = await http.GetAsync("/some/client/route");
        Assert.Equal(HttpStatusCode.OK, fallback.StatusCode);
        Assert.Equal("<h1>app</h1>", await fallback.Content.ReadAsStringAsync());
        Assert.Null(fallback.Headers.CacheControl);
    }

    [Fact]
    public async Task RedirectJsonNestedAndUnknownPaths()
    {
        using var doc = JsonDocument.Parse("""{"name":"pluginhost","ports":[1,2]}""");
        var paths = new Dictionary<string, WebPathConfig>
        {
            ["go"] = new RedirectPathConfig("https://example.com/target"),
            ["info"] = new JsonPathConfig(doc.RootElement.Clone()),
            ["api"] = new NestedPathConfig(new Dictionary<string, WebPathConfig>
            {
                ["v1"] = new JsonPathConfig(JsonDocument.Parse("[1]").RootElement.Clone()),
                ["files"] = new StaticPathConfig { Directory = _dir },
            }),
        };
        await using var transports = await StartAsync(new EchoSessions(), Web(paths));
        using var http = Http(transports["web1"]);

        var redirect = await http.GetAsync("/go");
        Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);
        Assert.Equal(new Uri("https://example.com/target"), redirect.Headers.Location);

        var json = await http.GetAsync("/info");
        Assert.Equal("application/json", json.Content.Headers.ContentType?.MediaType);
        Assert.Equal("""{"name":"pluginhost","ports":[1,2]}""", await json.Content.ReadAsStringAsync());

        Assert.Equal("[1]", await http.GetStringAsync("/api/v1"));
        Assert.Equal("listed", await http.GetStringAsync("/api/files/sub/listed.txt"));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/other")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/")).StatusCode); // no root configured
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/nothing")).StatusCode);
    }

    [Fact]
    public async Task NodeInfoPageAndNoneHidingAPathOfTheStaticRoot()
    {
        var paths = new Dictionary<string, WebPathConfig>
        {
            ["/"] = new StaticPathConfig { Directory = _dir },
            ["info"] = new NodeInfoPathConfig(),
            ["sub"] = new NotFoundPathConfig(),
        };
        await using var transports = await StartAsync(new EchoSessions(), Web(paths));
        using var http = Http(transports["web1"]);

        var info = await http.GetAsync("/info");
        Assert.Equal("text/html", info.Content.Headers.ContentType?.MediaType);
        var page = await info.Content.ReadAsStringAsync();
        Assert.Contains("PluginHost 0.1.0", page);
        Assert.Contains($"<td>{Environment.ProcessId}</td>", page);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/info/more")).StatusCode);

        // "none" hides what the static root would serve there.
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/sub/listed.txt")).StatusCode);
        Assert.Equal("<h1>app</h1>", await http.GetStringAsync("/app.html"));
    }

    [Fact]
    public async Task WebSocketPathNextToStaticFiles()
    {
        var paths = new Dictionary<string, WebPathConfig>
        {
            ["/"] = new StaticPathConfig { Directory = _dir },
            ["ws"] = new WebSocketPathConfig(),
        };
        await using var transports = await StartAsync(new EchoSessions(), Web(paths));
        var web = transports["web1"];
        Assert.Contains($"ws://127.0.0.1:{web.Port}/ws", web.Urls);

        await using var client = await WampTransportConnector.ConnectWebSocketAsync(WsUri(web, "/ws"), WampSerializers.All);
        await client.SendAsync(Call(1, "via path"));
        AssertSame(Call(1, "via path"), await client.ReceiveAsync().AsTask().WaitAsync(Wait));

        using var http = Http(web);
        Assert.Equal(HttpStatusCode.UpgradeRequired, (await http.GetAsync("/ws")).StatusCode);
        Assert.Equal("<h1>index</h1>", await http.GetStringAsync("/"));
    }

    [Fact]
    public async Task UniversalServesRawSocketWebSocketAndHttpOnOnePort()
    {
        var universal = new UniversalTransportConfig
        {
            Id = "uni",
            Endpoint = Loopback,
            RawSocket = new RawSocketTransportConfig { Id = "uni-rs", Endpoint = Loopback },
            Paths = new Dictionary<string, WebPathConfig>
            {
                ["/"] = new StaticPathConfig { Directory = _dir },
                ["ws"] = new WebSocketPathConfig(),
            },
        };
        var sessions = new EchoSessions();
        await using var transports = await StartAsync(sessions, universal);
        var port = transports["uni"].Port;

        await using var raw = await WampTransportConnector.ConnectRawSocketAsync("127.0.0.1", port, WampSerializers.Json);
        await using var ws = await WampTransportConnector.ConnectWebSocketAsync(new Uri($"ws://127.0.0.1:{port}/ws"), [WampSerializers.Json]);
        await raw.SendAsync(Call(1, "raw"));
        await ws.SendAsync(Call(2, "ws"));
        AssertSame(Call(1, "raw"), await raw.ReceiveAsync().AsTask().WaitAsync(Wait));
        AssertSame(Call(2, "ws"), await ws.ReceiveAsync().AsTask().WaitAsync(Wait));
        Assert.Equal("rawsocket", raw.Details.Type);

        using var http = Http(transports["uni"]);
        Assert.Equal("<h1>index</h1>", await http.GetStringAsync("/"));
        Assert.Equal(2, transports.ActiveConnections);
    }

    [Fact]
    public async Task DisposeClosesOpenConnections()
    {
        var sessions = new EchoSessions();
        var transports = await StartAsync(sessions, new WebSocketTransportConfig { Id = "ws", Endpoint = Loopback },
            new RawSocketTransportConfig { Id = "rs", Endpoint = Loopback });
        await using var ws = await WampTransportConnector.ConnectWebSocketAsync(WsUri(transports["ws"]), [WampSerializers.Json]);
        await using var raw = await WampTransportConnector.ConnectRawSocketAsync("127.0.0.1", transports["rs"].Port, WampSerializers.Json);
        var wsEnd = ws.ReceiveAsync().AsTask();
        var rawEnd = raw.ReceiveAsync().AsTask();

        await transports.DisposeAsync().AsTask().WaitAsync(Wait);
        Assert.Null(await wsEnd.WaitAsync(Wait));
        Assert.Null(await rawEnd.WaitAsync(Wait));
        Assert.Equal(0, transports.ActiveConnections);
    }
}
