using PluginHost.Node.Config;
using PluginHost.Listeners;
using static PluginHost.Tests.Node.ConfigTestData;

namespace PluginHost.Tests.Node;

public class ConfigValidationTests
{
    [Fact]
    public void UnknownTopLevelKeyIsAnErrorNamingIt()
    {
        var e = Fail("""{"version": 2, "processes": []}""");
        Assert.Equal("processes", e.Path);
        Assert.Contains("unknown key", e.Message);
    }

    [Fact]
    public void UnknownKeyDeepInsideNamesTheFullPath()
    {
        var e = Fail(RouterWorker(WebSocket("""{"type": "tcp", "port": 8080, "prot": 1}""")));
        Assert.Equal("workers[0].transports[0].endpoint.prot", e.Path);
    }

    [Fact]
    public void WrongTypeShowsExpectedAndActualValue()
    {
        var e = Fail(RouterWorker(WebSocket("""{"type": "tcp", "port": "80a"}""")));
        Assert.Equal("workers[0].transports[0].endpoint.port: expected an integer, got \"80a\"", e.Message);
    }

    [Fact]
    public void MissingRequiredKeyIsNamed()
    {
        var e = Fail(RouterWorker(realms: """[{"roles": []}]"""));
        Assert.Equal("workers[0].realms[0].name: missing required key", e.Message);
    }

    [Fact]
    public void BadEnumListsTheChoices()
    {
        var e = Fail(RouterWorker(realms: """[{"name": "realm1", "options": {"uri_check": "lax"}}]"""));
        Assert.Equal("workers[0].realms[0].options.uri_check", e.Path);
        Assert.Contains("strict, loose", e.Message);
        Assert.Contains("\"lax\"", e.Message);
    }

    [Fact]
    public void PathKeysThatAreNotIdentifiersAreQuoted()
    {
        var e = Fail(RouterWorker("""[{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"/": {"type": "static"}}}]"""));
        Assert.Equal("workers[0].transports[0].paths[\"/\"].directory", e.Path);
    }

    [Fact]
    public void PortOutOfRangeIsRejected()
    {
        var e = Fail(RouterWorker(WebSocket("""{"type": "tcp", "port": 70000}""")));
        Assert.Contains("0..65535", e.Message);
    }

    [Fact]
    public void PortFromEnvironmentVariable()
    {
        var config = Parse(RouterWorker(WebSocket("""{"type": "tcp", "port": "$MY_PORT"}""")), new Dictionary<string, string> { ["MY_PORT"] = "9123" });
        Assert.Equal(9123, config.FirstRouter().Transports[0].Endpoint.Port);
    }

    [Fact]
    public void UnsetPortVariableIsNamed()
    {
        var e = Fail(RouterWorker(WebSocket("""{"type": "tcp", "port": "$NOPE"}""")));
        Assert.Equal("workers[0].transports[0].endpoint.port: environment variable 'NOPE' is not set", e.Message);
    }

    [Fact]
    public void PortZeroMeansAnyFreePortAndNeverClashes()
    {
        var config = Parse(RouterWorker("""
            [{"type": "websocket", "endpoint": {"type": "tcp", "port": 0}},
             {"type": "rawsocket", "endpoint": {"type": "tcp", "port": 0}}]
            """));
        Assert.All(config.FirstRouter().Transports, t => Assert.Equal(0, t.Endpoint.Port));
    }

    [Fact]
    public void TwoTransportsOnOnePortAreRejected()
    {
        var e = Fail(RouterWorker("""
            [{"type": "websocket", "endpoint": {"type": "tcp", "port": 8080}},
             {"type": "rawsocket", "endpoint": {"type": "tcp", "port": 8080}}]
            """));
        Assert.Equal("workers[0].transports[1].endpoint.port: port 8080 is already used by transport 'transport001'", e.Message);
    }

    [Fact]
    public void DefaultIdsUseNodeWideCounters()
    {
        var config = Parse("""
            {"version": 2, "workers": [
              {"type": "router", "transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 0}}]},
              {"type": "router", "realms": [{"name": "realm1"}, {"name": "realm2"}],
               "transports": [{"type": "rawsocket", "endpoint": {"type": "tcp", "port": 0}}]}]}
            """);
        Assert.Equal(["worker001", "worker002"], config.Workers.Select(w => w.Id));
        var second = Assert.IsType<RouterWorkerConfig>(config.Workers[1]);
        Assert.Equal("transport002", second.Transports[0].Id);
        Assert.Equal(["realm001", "realm002"], second.Realms.Select(r => r.Id));
    }

    [Fact]
    public void InvalidExplicitIdIsRejected()
    {
        var e = Fail("""{"version": 2, "workers": [{"type": "router", "id": "Router-1"}]}""");
        Assert.Equal("workers[0].id", e.Path);
    }

    [Fact]
    public void VersionOtherThanTwoIsRejectedButMissingVersionIsTheOldForm()
    {
        Assert.Equal("version", Fail("""{"version": 3}""").Path);
        Assert.Equal(1, Parse("""{"workers": []}""").Version);
    }

    [Fact]
    public void InvalidJsonReportsTheLine()
    {
        var e = Fail("{\n  \"version\": 2,\n  \"workers\": [\n}");
        Assert.Contains("line 4", e.Message);
    }

    [Fact]
    public void UnsupportedTransportTypeIsAnError()
    {
        var e = Fail(RouterWorker("""[{"type": "mqtt", "endpoint": {"type": "tcp", "port": 1883}}]"""));
        Assert.Equal("workers[0].transports[0].type", e.Path);
        Assert.Contains("not supported", e.Message);
    }

    [Fact]
    public void UnsupportedAuthMethodsAreErrorsNotSilentlyDropped()
    {
        var e = Fail(RouterWorker(WebSocket(extra: """, "auth": {"cryptosign-proxy": {"type": "static", "principals": {}}}""")));
        Assert.Equal("workers[0].transports[0].auth.cryptosign-proxy", e.Path);
    }

    [Fact]
    public void AnonymousRoleComesFromAuth()
    {
        var config = Parse(RouterWorker(WebSocket(extra: """, "auth": {"anonymous": {"type": "static", "role": "public"}}""")));
        var ws = Assert.IsType<WebSocketTransportConfig>(config.FirstRouter().Transports[0]);
        Assert.Equal("public", ws.WebSocket.Auth.AnonymousRole);
    }

    [Fact]
    public void WebSocketOptionsAreMappedAndUnsupportedOnesWarned()
    {
        var config = Parse(RouterWorker(WebSocket(extra: """
            , "serializers": ["ubjson", "json"],
              "options": {"allowed_origins": ["https://example.com"], "max_message_size": 1024, "auto_ping_interval": 10000,
                          "auto_ping_timeout": 5000, "require_websocket_subprotocol": false, "open_handshake_timeout": 2000,
                          "enable_webstatus": false, "compression": {"deflate": {"max_window_bits": 13}}}
            """)));
        var ws = Assert.IsType<WebSocketTransportConfig>(config.FirstRouter().Transports[0]).WebSocket;
        Assert.Equal(["json"], ws.Serializers);
        Assert.Equal(["https://example.com"], ws.Options.AllowedOrigins);
        Assert.Equal(1024, ws.Options.MaxMessageSize);
        Assert.Equal(10000, ws.Options.AutoPingIntervalMs);
        Assert.Equal(5000, ws.Options.AutoPingTimeoutMs);
        Assert.False(ws.Options.RequireWebSocketSubprotocol);
        Assert.Equal(2000, ws.Options.OpenHandshakeTimeoutMs);
        Assert.Contains(config.Warnings, w => w.Contains("ubjson"));
        Assert.Contains(config.Warnings, w => w.EndsWith("ignored: enable_webstatus"));
        Assert.Equal(new DeflateOptions(MaxWindowBits: 13), ws.Options.Deflate);
    }

    [Fact]
    public void UnknownWebSocketOptionIsAnError()
    {
        var e = Fail(RouterWorker(WebSocket(extra: """, "options": {"auto_pong": 1}""")));
        Assert.Equal("workers[0].transports[0].options.auto_pong", e.Path);
    }

    [Fact]
    public void StaticDirectoryIsRelativeToTheNodeDirectory()
    {
        var project = Directory.CreateTempSubdirectory("pluginhost-cfg-");
        try
        {
            var cbdir = Directory.CreateDirectory(Path.Combine(project.FullName, ".crossbar")).FullName;
            var config = Parse(RouterWorker("""
                [{"type": "web", "endpoint": {"type": "tcp", "port": 0},
                  "paths": {"/": {"type": "static", "directory": "..", "options": {"cache_timeout": null}},
                            "ws": {"type": "websocket"}, "info": {"type": "nodeinfo"},
                            "api": {"type": "path", "paths": {"v1": {"type": "json", "value": {"ok": true}}}}}}]
                """), nodeDir: cbdir);
            var web = Assert.IsType<WebTransportConfig>(config.FirstRouter().Transports[0]);
            var root = Assert.IsType<StaticPathConfig>(web.Paths["/"]);
            Assert.Equal(project.FullName, root.Directory);
            Assert.Null(root.CacheTimeout);
            Assert.IsType<WebSocketPathConfig>(web.Paths["ws"]);
            Assert.IsType<NodeInfoPathConfig>(web.Paths["info"]); // Crossbar's init config has it
            Assert.Empty(config.Warnings);
            Assert.IsType<JsonPathConfig>(Assert.IsType<NestedPathConfig>(web.Paths["api"]).Paths["v1"]);
        }
        finally { project.Delete(recursive: true); }
    }

    [Fact]
    public void MissingStaticDirectoryIsAnError()
    {
        var e = Fail(RouterWorker("""[{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"/": {"type": "static", "directory": "no-such-dir-4711"}}}]"""));
        Assert.Equal("workers[0].transports[0].paths[\"/\"].directory", e.Path);
    }

    [Fact]
    public void UniversalTransportCombinesRawSocketWebSocketAndWeb()
    {
        var config = Parse(RouterWorker("""
            [{"type": "universal", "endpoint": {"type": "tcp", "port": 0},
              "rawsocket": {"serializers": ["cbor"]},
              "websocket": {"ws": {"serializers": ["json"]}},
              "web": {"paths": {"hello": {"type": "redirect", "url": "https://example.com"}}}}]
            """));
        var u = Assert.IsType<UniversalTransportConfig>(config.FirstRouter().Transports[0]);
        Assert.Equal(["cbor"], u.RawSocket!.Serializers);
        Assert.IsType<WebSocketPathConfig>(u.Paths!["ws"]);
        Assert.IsType<RedirectPathConfig>(u.Paths["hello"]);
    }

    [Fact]
    public void ComponentOnUndefinedRealmIsAnError()
    {
        var e = Fail(RouterWorker(extra: """, "components": [{"type": "class", "realm": "nope", "classname": "a.B"}]"""));
        Assert.Equal("workers[0].components[0].realm", e.Path);
    }

    [Fact]
    public void ContainerAndGuestWorkersAreValidatedByShape()
    {
        var config = Parse("""
            {"version": 2, "workers": [
              {"type": "container", "options": {"restart": "restart-always"},
               "components": [{"type": "class", "classname": "a.B", "realm": "realm1",
                               "transport": {"type": "websocket", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": 8080}, "url": "ws://127.0.0.1:8080/ws"}}]},
              {"type": "guest", "executable": "node", "arguments": ["app.js"], "options": {"workdir": "..", "stdout": "log"}}]}
            """);
        var container = Assert.IsType<ContainerWorkerConfig>(config.Workers[0]);
        Assert.Equal("ws://127.0.0.1:8080/ws", container.Components[0].TransportUrl);
        Assert.Equal("node", Assert.IsType<GuestWorkerConfig>(config.Workers[1]).Executable);

        var e = Fail("""{"version": 2, "workers": [{"type": "guest"}]}""");
        Assert.Equal("workers[0].executable: missing required key", e.Message);
    }

    [Fact]
    public void DisabledWorkerFromEnvironment()
    {
        var json = """{"version": 2, "workers": [{"type": "router", "options": {"disabled": "${OFF}"}}]}""";
        Assert.True(Parse(json, new Dictionary<string, string> { ["OFF"] = "1" }).Workers[0].Disabled);
        Assert.False(Parse(json).Workers[0].Disabled);
    }

    private static string ContainerWithAuth(string auth) => $$$"""
        {"version": 2, "workers": [{"type": "container", "components": [{"type": "class", "classname": "a.B", "realm": "realm1",
          "transport": {"type": "websocket", "url": "ws://127.0.0.1:8080/ws", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": 8080}},
          "auth": {{{auth}}}}]}]}
        """;

    [Theory]
    [InlineData("""{"cryptosign": {"privkey": "abcd"}}""", "workers[0].components[0].auth.cryptosign.privkey", "32 bytes")]
    [InlineData("""{"ticket": {"authid": "joe", "ticket": "${NOT_SET}"}}""", "workers[0].components[0].auth.ticket.ticket", "NOT_SET")]
    [InlineData("""{"tls": {}}""", "workers[0].components[0].auth.tls", "not supported")]
    [InlineData("""{"scram": {"password": "p"}}""", "workers[0].components[0].auth.scram.authid", "missing")]
    [InlineData("""{"ticket": {"authid": "joe", "ticket": "t"}, "scram": {"authid": "jim", "password": "p"}}""", "workers[0].components[0].auth.scram.authid", "differs")]
    [InlineData("""{"wampcra": {"authid": "joe", "secret": "s", "authrole": "x"}}""", "workers[0].components[0].auth.wampcra.authrole", "unknown key")]
    [InlineData("""{}""", "workers[0].components[0].auth", "no authentication method")]
    public void ComponentCredentialErrorsNameTheirPath(string auth, string path, string message)
    {
        var e = Fail(ContainerWithAuth(auth));
        Assert.Equal(path, e.Path);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void ComponentCredentialsAreReadInConfigOrderWithSecretsFromTheEnvironment()
    {
        var node = ConfigLoader.Parse(ContainerWithAuth("""
            {"cryptosign": {"authid": "joe", "privkey": "4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510", "authextra": {"x": 1}},
             "ticket": {"ticket": "${TICKET}"}}
            """), Path.GetTempPath(), name => name == "TICKET" ? "from-env" : null);
        var auth = ((ContainerWorkerConfig)node.Workers[0]).Components[0].Auth!;
        Assert.Equal(["cryptosign", "ticket"], auth.Methods);
        Assert.Equal("joe", auth.AuthId);
        Assert.Equal("from-env", auth.Ticket);
        Assert.Equal(1L, auth.AuthExtra!["x"]);
        Assert.Equal(64, Assert.IsType<string>(auth.AuthExtra["pubkey"]).Length);
    }

    [Fact]
    public void WebSocketDeflateIsReadAndItsClientSideKeysAreWarned()
    {
        var config = Parse(RouterWorker(WebSocket(extra: """, "options": {"compression": {"deflate": {"no_context_takeover": true, "max_window_bits": 12, "request_max_window_bits": 10}}}""")));
        var ws = Assert.IsType<WebSocketTransportConfig>(config.FirstRouter().Transports[0]);
        Assert.Equal(new DeflateOptions(NoContextTakeover: true, MaxWindowBits: 12), ws.WebSocket.Options.Deflate);
        Assert.Contains(config.Warnings, w => w.StartsWith("workers[0].transports[0].options.compression.deflate:") && w.Contains("request_max_window_bits"));

        var e = Fail(RouterWorker(WebSocket(extra: """, "options": {"compression": {"deflate": {"max_window_bits": 20}}}""")));
        Assert.Equal("workers[0].transports[0].options.compression.deflate.max_window_bits", e.Path);
        Assert.Null(Assert.IsType<WebSocketTransportConfig>(Parse(RouterWorker(WebSocket())).FirstRouter().Transports[0]).WebSocket.Options.Deflate);
    }
}
