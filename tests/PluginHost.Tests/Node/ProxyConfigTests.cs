using PluginHost.Listeners;
using static PluginHost.Tests.Node.ConfigTestData;

namespace PluginHost.Tests.Node;

/// <summary>reverseproxy and websocket-reverseproxy paths in config.json: Crossbar's keys and defaults, warnings for keys not acted on, errors naming the path.</summary>
public class ProxyConfigTests
{
    private static string Web(string paths) => RouterWorker($$"""[{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {{paths}}}]""");

    private static IReadOnlyDictionary<string, WebPathConfig> Paths(PluginHost.Node.Config.NodeConfig config)
        => Assert.IsType<WebTransportConfig>(config.FirstRouter().Transports[0]).Paths;

    [Fact]
    public void ReverseProxyDefaultsAndOptions()
    {
        var config = Parse(Web("""
            {"a": {"type": "reverseproxy", "host": "backend.local"},
             "b": {"type": "reverseproxy", "id": "b1", "host": "[::1]", "port": 5000, "path": "/app/", "forwarded_port": 443, "forwarded_proto": "https"},
             "c": {"type": "reverseproxy", "host": "127.0.0.1", "path": ""}}
            """));
        var a = Assert.IsType<ReverseProxyPathConfig>(Paths(config)["a"]);
        Assert.Equal(("backend.local", 80, "/", null, null), (a.Host, a.Port, a.BasePath, a.ForwardedPort, a.ForwardedProto));
        Assert.Equal("http://backend.local:80/", a.BackendUrl);
        var b = Assert.IsType<ReverseProxyPathConfig>(Paths(config)["b"]);
        Assert.Equal(("::1", 5000, "/app", 443, "https"), (b.Host, b.Port, b.BasePath, b.ForwardedPort, b.ForwardedProto));
        Assert.Equal("http://[::1]:5000/app", b.BackendUrl);
        Assert.Equal("/", Assert.IsType<ReverseProxyPathConfig>(Paths(config)["c"]).BasePath);
        Assert.Empty(config.Warnings);
    }

    [Fact]
    public void WebSocketProxyAsInCrossbarsExample()
    {
        var config = Parse(Web("""
            {"proxy1": {"type": "websocket-reverseproxy",
                        "backend": {"type": "websocket", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": 9000}, "url": "ws://localhost:9000"}},
             "proxy2": {"type": "websocket-reverseproxy", "options": {"allowed_origins": ["https://*.example.com"], "allow_null_origin": false},
                        "backend": {"endpoint": {"type": "tcp", "host": "10.0.0.5", "port": 8080, "timeout": 3}}}}
            """));
        var p1 = Assert.IsType<WebSocketProxyPathConfig>(Paths(config)["proxy1"]);
        Assert.Equal(("127.0.0.1", 9000, "ws://localhost:9000/", 10), (p1.Host, p1.Port, p1.Url.ToString(), (int)p1.ConnectTimeout.TotalSeconds));
        Assert.Equal(["*"], p1.AllowedOrigins);
        var p2 = Assert.IsType<WebSocketProxyPathConfig>(Paths(config)["proxy2"]);
        Assert.Equal(("ws://10.0.0.5:8080/", 3, false), (p2.Url.ToString(), (int)p2.ConnectTimeout.TotalSeconds, p2.AllowNullOrigin));
        Assert.Equal(["https://*.example.com"], p2.AllowedOrigins);
        Assert.Empty(config.Warnings);
    }

    [Fact]
    public void KeysNotActedOnAreWarningsNamingThePath()
    {
        var config = Parse(Web("""
            {"p": {"type": "websocket-reverseproxy", "url": "ws://public.example.com/ws",
                   "options": {"auto_ping_interval": 10000, "max_message_size": 1048576, "enable_webstatus": false},
                   "backend": {"type": "websocket", "serializers": ["json"], "options": {"auto_ping_interval": 5000},
                               "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": 9000, "version": 4}, "url": "ws://127.0.0.1:9000/ws"}}}
            """));
        Assert.IsType<WebSocketProxyPathConfig>(Paths(config)["p"]);
        string at = "workers[0].transports[0].paths.p";
        Assert.Contains(config.Warnings, w => w.StartsWith($"{at}.url:") && w.Contains("ignored"));
        Assert.Contains(config.Warnings, w => w.StartsWith($"{at}.options:") && w.Contains("auto_ping_interval, max_message_size"));
        Assert.Contains(config.Warnings, w => w.StartsWith($"{at}.options:") && w.Contains("enable_webstatus"));
        Assert.Contains(config.Warnings, w => w.StartsWith($"{at}.backend.serializers:"));
        Assert.Contains(config.Warnings, w => w.StartsWith($"{at}.backend.options:"));
        Assert.Contains(config.Warnings, w => w.StartsWith($"{at}.backend.endpoint.version:"));
        Assert.DoesNotContain(config.Warnings, w => w.Contains("skipped"));
    }

    [Theory]
    [InlineData("""{"p": {"type": "reverseproxy"}}""", "p.host", "missing required key")]
    [InlineData("""{"p": {"type": "reverseproxy", "host": ""}}""", "p.host", "expected a host name or IP address")]
    [InlineData("""{"p": {"type": "reverseproxy", "host": "http://backend"}}""", "p.host", "expected a host name or IP address")]
    [InlineData("""{"p": {"type": "reverseproxy", "host": 5}}""", "p.host", "expected a string")]
    [InlineData("""{"p": {"type": "reverseproxy", "host": "h", "port": 0}}""", "p.port", "1..65535")]
    [InlineData("""{"p": {"type": "reverseproxy", "host": "h", "port": "80"}}""", "p.port", "expected an integer")]
    [InlineData("""{"p": {"type": "reverseproxy", "host": "h", "path": "app"}}""", "p.path", "starting with /")]
    [InlineData("""{"p": {"type": "reverseproxy", "host": "h", "path": "/a?b=1"}}""", "p.path", "starting with /")]
    [InlineData("""{"p": {"type": "reverseproxy", "host": "h", "forwarded_port": 70000}}""", "p.forwarded_port", "1..65535")]
    [InlineData("""{"p": {"type": "reverseproxy", "host": "h", "forwarded_proto": "ftp"}}""", "p.forwarded_proto", "http, https")]
    [InlineData("""{"p": {"type": "reverseproxy", "host": "h", "timeout": 5}}""", "p.timeout", "unknown key")]
    [InlineData("""{"p": {"type": "path", "paths": {"q": {"type": "reverseproxy", "host": "h", "port": -1}}}}""", "p.paths.q.port", "1..65535")]
    [InlineData("""{"p": {"type": "websocket-reverseproxy"}}""", "p.backend", "missing required key")]
    [InlineData("""{"p": {"type": "websocket-reverseproxy", "backend": {}}}""", "p.backend.endpoint", "missing required key")]
    [InlineData("""{"p": {"type": "websocket-reverseproxy", "backend": {"type": "rawsocket", "endpoint": {"type": "tcp", "host": "h", "port": 1}}}}""", "p.backend.type", "websocket")]
    [InlineData("""{"p": {"type": "websocket-reverseproxy", "backend": {"endpoint": {"type": "unix", "path": "/tmp/s"}}}}""", "p.backend.endpoint.type", "tcp only")]
    [InlineData("""{"p": {"type": "websocket-reverseproxy", "backend": {"endpoint": {"type": "tcp", "port": 9000}}}}""", "p.backend.endpoint.host", "missing required key")]
    [InlineData("""{"p": {"type": "websocket-reverseproxy", "backend": {"endpoint": {"type": "tcp", "host": "h"}}}}""", "p.backend.endpoint.port", "missing required key")]
    [InlineData("""{"p": {"type": "websocket-reverseproxy", "backend": {"endpoint": {"type": "tcp", "host": "h", "port": 0}}}}""", "p.backend.endpoint.port", "1..65535")]
    [InlineData("""{"p": {"type": "websocket-reverseproxy", "backend": {"endpoint": {"type": "tcp", "host": "h", "port": 1, "timeout": 0}}}}""", "p.backend.endpoint.timeout", "1..3600")]
    [InlineData("""{"p": {"type": "websocket-reverseproxy", "backend": {"endpoint": {"type": "tcp", "host": "h", "port": 1, "tls": {"hostname": "h"}}}}}""", "p.backend.endpoint.tls", "not supported")]
    [InlineData("""{"p": {"type": "websocket-reverseproxy", "backend": {"endpoint": {"type": "tcp", "host": "h", "port": 1, "interface": "x"}}}}""", "p.backend.endpoint.interface", "unknown key")]
    [InlineData("""{"p": {"type": "websocket-reverseproxy", "backend": {"url": "http://h/ws", "endpoint": {"type": "tcp", "host": "h", "port": 1}}}}""", "p.backend.url", "ws:// or wss://")]
    [InlineData("""{"p": {"type": "websocket-reverseproxy", "url": "not a url", "backend": {"endpoint": {"type": "tcp", "host": "h", "port": 1}}}}""", "p.url", "ws:// or wss://")]
    [InlineData("""{"p": {"type": "websocket-reverseproxy", "options": {"allowed_origins": "*"}, "backend": {"endpoint": {"type": "tcp", "host": "h", "port": 1}}}}""", "p.options.allowed_origins", "expected a list")]
    [InlineData("""{"p": {"type": "websocket-reverseproxy", "options": {"no_such": 1}, "backend": {"endpoint": {"type": "tcp", "host": "h", "port": 1}}}}""", "p.options.no_such", "unknown key")]
    [InlineData("""{"p": {"type": "websocket-reverseproxy", "backend": {"serializers": ["xml"], "endpoint": {"type": "tcp", "host": "h", "port": 1}}}}""", "p.backend.serializers[0]", "expected one of")]
    [InlineData("""{"p": {"type": "websocket-reverseproxy", "serializers": ["json"], "backend": {"endpoint": {"type": "tcp", "host": "h", "port": 1}}}}""", "p.serializers", "unknown key")]
    public void BadProxyConfigsNameThePath(string paths, string path, string message)
    {
        var e = Fail(Web(paths));
        Assert.Equal("workers[0].transports[0].paths." + path, e.Path);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void UniversalTransportWebPathsMayBeProxies()
    {
        var config = Parse(RouterWorker("""
            [{"type": "universal", "endpoint": {"type": "tcp", "port": 0},
              "web": {"paths": {"app": {"type": "reverseproxy", "host": "127.0.0.1", "port": 5000},
                                "ws": {"type": "websocket-reverseproxy", "backend": {"endpoint": {"type": "tcp", "host": "127.0.0.1", "port": 9000}}}}}}]
            """));
        var universal = Assert.IsType<UniversalTransportConfig>(config.FirstRouter().Transports[0]);
        Assert.IsType<ReverseProxyPathConfig>(universal.Paths!["app"]);
        Assert.IsType<WebSocketProxyPathConfig>(universal.Paths!["ws"]);
    }

    [Fact]
    public void CheckReportListsProxies()
    {
        var config = Parse(RouterWorker("""
            [{"type": "web", "endpoint": {"type": "tcp", "port": 8080}, "paths": {
                "app": {"type": "reverseproxy", "host": "127.0.0.1", "port": 5000},
                "api": {"type": "reverseproxy", "host": "backend", "path": "/v1", "forwarded_proto": "https", "forwarded_port": 443},
                "ws": {"type": "websocket-reverseproxy", "backend": {"endpoint": {"type": "tcp", "host": "10.0.0.5", "port": 9000}, "url": "ws://router.internal/ws"}}}}]
            """));
        var output = new StringWriter();
        PluginHost.Cli.CheckReport.Write(config, Path.GetTempPath(), output);
        var text = output.ToString();
        Assert.Contains("http://localhost:8080/app  reverse proxy to http://127.0.0.1:5000/\n", text.ReplaceLineEndings("\n"));
        Assert.Contains("http://localhost:8080/api  reverse proxy to http://backend:80/v1 (X-Forwarded-Proto https, X-Forwarded-Port 443)", text);
        Assert.Contains("ws://localhost:8080/ws  websocket reverse proxy to ws://router.internal/ws via 10.0.0.5:9000", text);
    }
}
