using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using PluginHost.Listeners;
using static PluginHost.Tests.Transport.TransportTestKit;

namespace PluginHost.Tests.Transport;

/// <summary>A Kestrel app on a free loopback port standing in for a proxied backend.</summary>
internal sealed class TestBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestBackend(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public static async Task<TestBackend> StartAsync(RequestDelegate handler)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync().WaitAsync(Wait);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new TestBackend(app, new Uri(address).Port);
    }

    /// <summary>Answers with what it received: method, path, query, the headers a proxy sets, and the body.</summary>
    public static Task<TestBackend> StartEchoAsync() => StartAsync(async context =>
    {
        var request = context.Request;
        string body = await new StreamReader(request.Body).ReadToEndAsync();
        if (request.Path.StartsWithSegments("/status", out var rest) && int.TryParse(rest.Value?.TrimStart('/'), out var status))
        {
            context.Response.StatusCode = status;
            context.Response.Headers["X-Backend"] = "yes";
            context.Response.Headers.Location = "/elsewhere";
            await context.Response.WriteAsync($"status {status}");
            return;
        }
        context.Response.ContentType = "application/json";
        context.Response.Headers["X-Backend"] = "echo";
        await context.Response.WriteAsJsonAsync(new Dictionary<string, string?>
        {
            ["method"] = request.Method,
            ["path"] = request.Path.Value,
            ["query"] = request.QueryString.Value,
            ["body"] = body,
            ["host"] = request.Headers.Host,
            ["xff"] = request.Headers["X-Forwarded-For"],
            ["xrealip"] = request.Headers["X-Real-IP"],
            ["xhost"] = request.Headers["X-Forwarded-Host"],
            ["xport"] = request.Headers["X-Forwarded-Port"],
            ["xproto"] = request.Headers["X-Forwarded-Proto"],
            ["custom"] = request.Headers["X-Custom"],
        });
    });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(Wait);
        await _app.DisposeAsync();
    }
}

public class ReverseProxyTests
{
    private static WebTransportConfig Web(Dictionary<string, WebPathConfig> paths) => new() { Id = "web1", Endpoint = Loopback, Paths = paths };

    private static async Task<Dictionary<string, string?>> EchoAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("echo", response.Headers.GetValues("X-Backend").Single());
        return JsonSerializer.Deserialize<Dictionary<string, string?>>(await response.Content.ReadAsStringAsync())!;
    }

    [Fact]
    public async Task MapsPathsBelowTheServiceWithAndWithoutABackendPath()
    {
        await using var backend = await TestBackend.StartEchoAsync();
        var paths = new Dictionary<string, WebPathConfig>
        {
            ["app"] = new ReverseProxyPathConfig { Host = "127.0.0.1", Port = backend.Port },
            ["api"] = new ReverseProxyPathConfig { Host = "127.0.0.1", Port = backend.Port, BasePath = "/v2/base" },
            ["nested"] = new NestedPathConfig(new Dictionary<string, WebPathConfig>
            {
                ["deep"] = new ReverseProxyPathConfig { Host = "localhost", Port = backend.Port, BasePath = "/d" },
            }),
        };
        await using var transports = await StartAsync(new EchoSessions(), Web(paths));
        using var http = Http(transports["web1"]);

        Assert.Equal("/", (await EchoAsync(await http.GetAsync("/app")))["path"]);
        Assert.Equal("/", (await EchoAsync(await http.GetAsync("/app/")))["path"]);
        Assert.Equal("/a/b.html", (await EchoAsync(await http.GetAsync("/app/a/b.html")))["path"]);
        Assert.Equal("/v2/base", (await EchoAsync(await http.GetAsync("/api")))["path"]);
        Assert.Equal("/v2/base/x/y", (await EchoAsync(await http.GetAsync("/api/x/y")))["path"]);
        Assert.Equal("/d/z", (await EchoAsync(await http.GetAsync("/nested/deep/z")))["path"]);
        Assert.Equal("/v2/base/a b", (await EchoAsync(await http.GetAsync("/api/a%20b")))["path"]); // escaped on the way, decoded there
        // Other paths are not proxied.
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/application")).StatusCode);
    }

    [Fact]
    public async Task RootServiceProxiesWhatNoOtherPathMatches()
    {
        await using var backend = await TestBackend.StartEchoAsync();
        using var doc = JsonDocument.Parse("[1]");
        var paths = new Dictionary<string, WebPathConfig>
        {
            ["/"] = new ReverseProxyPathConfig { Host = "127.0.0.1", Port = backend.Port },
            ["info"] = new JsonPathConfig(doc.RootElement.Clone()),
        };
        await using var transports = await StartAsync(new EchoSessions(), Web(paths));
        using var http = Http(transports["web1"]);
        Assert.Equal("/", (await EchoAsync(await http.GetAsync("/")))["path"]);
        Assert.Equal("/some/page", (await EchoAsync(await http.GetAsync("/some/page")))["path"]);
        Assert.Equal("[1]", await http.GetStringAsync("/info"));
    }

    [Fact]
    public async Task QueryStringBodyMethodAndHeadersPassThrough()
    {
        await using var backend = await TestBackend.StartEchoAsync();
        await using var transports = await StartAsync(new EchoSessions(),
            Web(new() { ["app"] = new ReverseProxyPathConfig { Host = "127.0.0.1", Port = backend.Port, BasePath = "/base" } }));
        using var http = Http(transports["web1"]);

        var get = await EchoAsync(await http.GetAsync("/app/search?q=a%20b&x=1&x=2"));
        Assert.Equal("?q=a%20b&x=1&x=2", get["query"]);
        Assert.Equal("GET", get["method"]);

        using var post = new HttpRequestMessage(HttpMethod.Post, "/app/items?id=7") { Content = new StringContent("{\"name\":\"ünï\"}", Encoding.UTF8, "application/json") };
        post.Headers.Add("X-Custom", "kept");
        var posted = await EchoAsync(await http.SendAsync(post));
        Assert.Equal(("POST", "/base/items", "?id=7", "{\"name\":\"ünï\"}", "kept"), (posted["method"], posted["path"], posted["query"], posted["body"], posted["custom"]));

        var put = await EchoAsync(await http.PutAsync("/app/big", new ByteArrayContent(Encoding.ASCII.GetBytes(new string('x', 300_000)))));
        Assert.Equal(("PUT", 300_000), (put["method"], put["body"]!.Length));
    }

    [Theory]
    [InlineData(201)]
    [InlineData(302)]
    [InlineData(404)]
    [InlineData(500)]
    [InlineData(503)]
    public async Task BackendStatusHeadersAndBodyComeBackAsTheyAre(int status)
    {
        await using var backend = await TestBackend.StartEchoAsync();
        await using var transports = await StartAsync(new EchoSessions(),
            Web(new() { ["app"] = new ReverseProxyPathConfig { Host = "127.0.0.1", Port = backend.Port } }));
        using var http = Http(transports["web1"]); // redirects are not followed

        var response = await http.GetAsync($"/app/status/{status}");
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("yes", response.Headers.GetValues("X-Backend").Single());
        Assert.Equal("/elsewhere", response.Headers.Location?.OriginalString);
        Assert.Equal($"status {status}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SetsForwardedHeadersAsCrossbarDoes()
    {
        await using var backend = await TestBackend.StartEchoAsync();
        var paths = new Dictionary<string, WebPathConfig>
        {
            ["plain"] = new ReverseProxyPathConfig { Host = "127.0.0.1", Port = backend.Port },
            ["public"] = new ReverseProxyPathConfig { Host = "127.0.0.1", Port = backend.Port, ForwardedPort = 443, ForwardedProto = "https" },
        };
        await using var transports = await StartAsync(new EchoSessions(), Web(paths));
        var port = transports["web1"].Port;
        using var http = Http(transports["web1"]);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/plain/x");
        request.Headers.Host = "public.example.com:8443";
        request.Headers.Add("X-Forwarded-For", "10.9.9.9"); // replaced, as Crossbar does, not appended
        var plain = await EchoAsync(await http.SendAsync(request));
        Assert.Equal($"127.0.0.1:{backend.Port}", plain["host"]);          // Host is the backend's
        Assert.Equal("public.example.com:8443", plain["xhost"]);            // the client's Host
        Assert.Equal("127.0.0.1", plain["xff"]);
        Assert.Equal("127.0.0.1", plain["xrealip"]);
        Assert.Equal(port.ToString(), plain["xport"]);                      // the port the request came in on
        Assert.Equal("http", plain["xproto"]);

        var overridden = await EchoAsync(await http.GetAsync("/public/x"));
        Assert.Equal(("443", "https"), (overridden["xport"], overridden["xproto"]));
        Assert.Equal($"127.0.0.1:{port}", overridden["xhost"]);
    }

    [Fact]
    public async Task BackendDownGives502NamingItAndOtherPathsKeepServing()
    {
        // A bound socket that never listens: connections to its port are refused, and no one else can take the port.
        using var reserved = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        reserved.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var downPort = ((IPEndPoint)reserved.LocalEndPoint!).Port;
        await using var backend = await TestBackend.StartEchoAsync();
        using var doc = JsonDocument.Parse("{\"ok\":true}");
        var paths = new Dictionary<string, WebPathConfig>
        {
            ["down"] = new ReverseProxyPathConfig { Host = "127.0.0.1", Port = downPort, BasePath = "/x" },
            ["up"] = new ReverseProxyPathConfig { Host = "127.0.0.1", Port = backend.Port },
            ["info"] = new JsonPathConfig(doc.RootElement.Clone()),
        };
        await using var transports = await StartAsync(new EchoSessions(), Web(paths));
        using var http = Http(transports["web1"]);

        for (int i = 0; i < 2; i++)
        {
            var response = await http.PostAsync("/down/page", new StringContent("body"));
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            Assert.StartsWith("502 Bad Gateway: backend ", text);
            Assert.Contains($"http://127.0.0.1:{downPort}/x", text);
        }
        Assert.Equal("/p", (await EchoAsync(await http.GetAsync("/up/p")))["path"]);
        Assert.Equal("{\"ok\":true}", await http.GetStringAsync("/info"));
    }
}
