using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using PluginHost.Listeners;
using PluginHost.Listeners.Bridge;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Transport.TransportTestKit;

namespace PluginHost.Tests.Transport;

/// <summary>
/// Crossbar's HTTP bridge services on a web transport: HTTP requests become publications and calls of embedded
/// sessions, seen by ordinary WAMP sessions on the same router; every refusal has Crossbar's status and message.
/// </summary>
public sealed class HttpBridgeTests : IAsyncLifetime
{
    internal const string Key = "foobar";
    internal const string Secret = "secret";

    private WampRouter _router = null!;
    private RouterTransports _transports = null!;
    private HttpClient _http = null!;
    private WampSession _peer = null!;

    internal static RealmConfig Realm => new()
    {
        Name = "realm1",
        Roles =
        [
            new RoleConfig { Name = "anonymous", AllowByDefault = true }, // the test's own subscribers and callees
            new RoleConfig
            {
                Name = "bridge",
                Permissions = [new PermissionConfig { Uri = "com.example.", Match = UriMatch.Prefix, Publish = true, Call = true }],
            },
            new RoleConfig { Name = "restricted" },
        ],
    };

    internal static Dictionary<string, WebPathConfig> Paths() => new()
    {
        ["publish"] = new PublisherPathConfig { Realm = "realm1", Role = "bridge" },
        ["call"] = new CallerPathConfig { Realm = "realm1", Role = "bridge" },
        ["signed"] = new PublisherPathConfig { Realm = "realm1", Role = "bridge", Options = new() { Key = Key, Secret = Secret } },
        ["signedcall"] = new CallerPathConfig { Realm = "realm1", Role = "bridge", Options = new() { Key = Key, Secret = Secret } },
        ["restricted"] = new PublisherPathConfig { Realm = "realm1", Role = "restricted" },
        ["limited"] = new PublisherPathConfig { Realm = "realm1", Role = "bridge", Options = new() { PostBodyLimit = 64 } },
        ["elsewhere"] = new PublisherPathConfig { Realm = "realm1", Role = "bridge", Options = new() { RequireIp = [IPNetwork.Parse("10.0.0.0/8")] } },
        ["local"] = new PublisherPathConfig { Realm = "realm1", Role = "bridge", Options = new() { RequireIp = [IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("127.0.0.0/8")] } },
        ["tls"] = new PublisherPathConfig { Realm = "realm1", Role = "bridge", Options = new() { RequireTls = true } },
        ["hook"] = new WebhookPathConfig { Realm = "realm1", Role = "bridge", Topic = "com.example.hook" },
        ["hookdenied"] = new WebhookPathConfig { Realm = "realm1", Role = "restricted", Topic = "com.example.hook", ErrorResponse = "nope" },
        ["api"] = new NestedPathConfig(new Dictionary<string, WebPathConfig> { ["push"] = new PublisherPathConfig { Realm = "realm1", Role = "bridge" } }),
    };

    public async Task InitializeAsync()
    {
        _router = new WampRouter();
        _router.AddRealm(Realm);
        _transports = await RouterTransports.StartAsync([new WebTransportConfig { Id = "web1", Endpoint = Loopback, Paths = Paths() }], _router);
        _http = Http(_transports["web1"]);
        _peer = await WampSession.JoinAsync(_router.ConnectInProcess(), "realm1");
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _peer.DisposeAsync();
        await _transports.DisposeAsync();
        await _router.DisposeAsync();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, string json, string? contentType = "application/json")
    {
        var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = null;
        if (contentType is not null) content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var response = await _http.PostAsync(path, content);
        return (response.StatusCode, await BodyAsync(response));
    }

    private static async Task<JsonElement> BodyAsync(HttpResponseMessage response)
    {
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.Clone();
    }

    /// <summary>Crossbar's refusal body: {"error": message, "args": [], "kwargs": {}}.</summary>
    private static void AssertDenied(JsonElement body, string message)
    {
        Assert.Equal(message, body.GetProperty("error").GetString());
        Assert.Equal(0, body.GetProperty("args").GetArrayLength());
        Assert.Empty(body.GetProperty("kwargs").EnumerateObject());
    }

    private async Task<Task<WampEvent>> SubscribeOnceAsync(string topic, WampSession? session = null)
    {
        var received = new TaskCompletionSource<WampEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        await (session ?? _peer).SubscribeAsync(topic, e => { received.TrySetResult(e); return ValueTask.CompletedTask; });
        return received.Task.WaitAsync(Wait);
    }

    internal static string SignedQuery(string body, string key = Key, string secret = Secret, DateTime? at = null, string seq = "1", string nonce = "12345")
    {
        var timestamp = (at ?? DateTime.UtcNow).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
        var signature = SignedRequest.Sign(secret, key, timestamp, seq, nonce, Encoding.UTF8.GetBytes(body));
        return $"?key={Uri.EscapeDataString(key)}&timestamp={Uri.EscapeDataString(timestamp)}&seq={seq}&nonce={nonce}&signature={Uri.EscapeDataString(signature)}";
    }

    [Fact]
    public async Task PublishOverHttpReachesWampSubscriber()
    {
        var received = await SubscribeOnceAsync("com.example.topic1");

        using var response = await _http.PostAsync("/publish", Json("""{"topic": "com.example.topic1", "args": [1, "zwei", null], "kwargs": {"a": {"b": [true]}}}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json; charset=UTF-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("true", response.Headers.GetValues("Access-Control-Allow-Credentials").Single());
        Assert.True(response.Headers.CacheControl?.NoStore);
        var id = (await BodyAsync(response)).GetProperty("id").GetInt64();
        var ev = await received;
        Assert.Equal(id, ev.PublicationId);
        Assert.Equal([1L, "zwei", null], ev.Args);
        var a = Assert.IsType<Dictionary<string, object?>>(ev.ArgsKw["a"]);
        Assert.Equal([true], Assert.IsType<List<object?>>(a["b"]));
    }

    [Fact]
    public async Task PublishHonoursEligibleAndServesNestedPaths()
    {
        await using var other = await WampSession.JoinAsync(_router.ConnectInProcess(), "realm1");
        var events = System.Threading.Channels.Channel.CreateUnbounded<WampEvent>();
        await other.SubscribeAsync("com.example.only", e => { events.Writer.TryWrite(e); return ValueTask.CompletedTask; });
        var mine = await SubscribeOnceAsync("com.example.only");

        var (status, _) = await PostAsync("/api/push", $$$"""{"topic": "com.example.only", "args": ["first"], "options": {"eligible": [{{{_peer.SessionId}}}]}}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["first"], (await mine).Args);

        // The other subscriber was not eligible: the next event it gets is the one published after.
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("/api/push", """{"topic": "com.example.only", "args": ["second"]}""")).Status);
        Assert.Equal(["second"], (await events.Reader.ReadAsync().AsTask().WaitAsync(Wait)).Args);
    }

    [Fact]
    public async Task CallOverHttpAnswersWithCrossbarsResultShapes()
    {
        await _peer.RegisterAsync("com.example.add", (inv, _) => ValueTask.FromResult<WampResult?>(WampResult.Of((long)inv.Args[0]! + (long)inv.Args[1]!)));
        await _peer.RegisterAsync("com.example.rich", (inv, _) => ValueTask.FromResult<WampResult?>(
            new WampResult([1L, 2L], new Dictionary<string, object?> { ["echo"] = inv.ArgsKw["x"] })));
        await _peer.RegisterAsync("com.example.nothing", (_, _) => ValueTask.FromResult<WampResult?>(null));
        await _peer.RegisterAsync("com.example.kwonly", (_, _) => ValueTask.FromResult<WampResult?>(new WampResult(null, new Dictionary<string, object?> { ["k"] = "v" })));

        var (status, body) = await PostAsync("/call", """{"procedure": "com.example.add", "args": [2, 3]}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"args":[5]}""", body.GetRawText());
        Assert.Equal("""{"args":[1,2],"kwargs":{"echo":"ü"}}""", (await PostAsync("/call", """{"procedure": "com.example.rich", "kwargs": {"x": "ü"}}""")).Body.GetRawText());
        Assert.Equal("""{"args":[null]}""", (await PostAsync("/call", """{"procedure": "com.example.nothing"}""")).Body.GetRawText());
        Assert.Equal("""{"kwargs":{"k":"v"}}""", (await PostAsync("/call", """{"procedure": "com.example.kwonly"}""")).Body.GetRawText());
    }

    [Fact]
    public async Task CallErrorsAreMappedAsCrossbarMapsThem()
    {
        await _peer.RegisterAsync("com.example.fail", (_, _) => throw new WampException("com.example.error.bad", ["why"], new Dictionary<string, object?> { ["code"] = 7L }));

        var (status, body) = await PostAsync("/call", """{"procedure": "com.example.fail"}""");
        Assert.Equal(HttpStatusCode.OK, status); // a WAMP error is the application's answer
        Assert.Equal("""{"error":"com.example.error.bad","args":["why"],"kwargs":{"code":7}}""", body.GetRawText());

        (status, body) = await PostAsync("/call", """{"procedure": "com.example.missing"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("wamp.error.no_such_procedure", body.GetProperty("error").GetString());

        (status, body) = await PostAsync("/call", """{"args": [1]}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertDenied(body, "Request body was valid JSON, but not well formed (missing key 'procedure').");

        (status, body) = await PostAsync("/call", """{"procedure": 42}""");
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Equal("""{"error":"wamp.error.runtime_error","args":["Sorry, Crossbar.io has encountered a problem."],"kwargs":{}}""", body.GetRawText());
    }

    [Fact]
    public async Task RoleWithoutPermissionGetsNotAuthorized()
    {
        var (status, body) = await PostAsync("/restricted", """{"topic": "com.example.topic2"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("wamp.error.not_authorized", body.GetProperty("error").GetString());

        // The bridge role may only use com.example.*
        (status, body) = await PostAsync("/call", """{"procedure": "org.other.proc"}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("wamp.error.not_authorized", body.GetProperty("error").GetString());

        using var denied = await _http.PostAsync("/hookdenied", new StringContent("x"));
        Assert.Equal(HttpStatusCode.InternalServerError, denied.StatusCode);
        Assert.Equal("nope", await denied.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WebhookPublishesBodyAndHeaders()
    {
        var received = await SubscribeOnceAsync("com.example.hook");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/hook") { Content = new StringContent("payload=ä&x=1", Encoding.UTF8, "application/x-www-form-urlencoded") };
        request.Headers.Add("x-custom-thing", "one");

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("OK", await response.Content.ReadAsStringAsync());
        var message = Assert.IsType<Dictionary<string, object?>>(Assert.Single((await received).Args));
        Assert.Equal("payload=ä&x=1", message["body"]);
        var headers = Assert.IsType<Dictionary<string, object?>>(message["headers"]);
        Assert.Equal(["one"], Assert.IsType<List<object?>>(headers["X-Custom-Thing"]));
        Assert.Equal(["application/x-www-form-urlencoded; charset=utf-8"], Assert.IsType<List<object?>>(headers["Content-Type"]));
        Assert.Contains("Host", headers.Keys);
    }

    [Fact]
    public async Task SignedRequestsAreCheckedAsCrossbarChecksThem()
    {
        var received = await SubscribeOnceAsync("com.example.signed");
        const string body = """{"topic": "com.example.signed", "args": ["ok"]}""";

        var (status, reply) = await PostAsync("/signed" + SignedQuery(body), body);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(reply.GetProperty("id").GetInt64() > 0);
        Assert.Equal(["ok"], (await received).Args);

        (status, reply) = await PostAsync("/signed" + SignedQuery(body, secret: "not-the-secret"), body);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        AssertDenied(reply, "REST bridge signature secret not valid.");

        (status, reply) = await PostAsync("/signed" + SignedQuery(body, key: "other"), body);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        AssertDenied(reply, "REST bridge signature key not valid.");

        // Signed over a different body: the signature does not match.
        (status, reply) = await PostAsync("/signed" + SignedQuery(body), body.Replace("ok", "KO"));
        Assert.Equal(HttpStatusCode.Unauthorized, status);

        (status, reply) = await PostAsync("/signed" + SignedQuery(body, at: DateTime.UtcNow.AddMinutes(-10)), body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertDenied(reply, "Request expired, too old timestamp.");

        (status, reply) = await PostAsync("/signed", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertDenied(reply, "REST bridge signature was invalid (missing mandatory field - 'key' field missing).");

        (status, reply) = await PostAsync("/signed" + SignedQuery(body).Replace("&signature=", "&x="), body);
        AssertDenied(reply, "REST bridge signature was invalid (missing mandatory field - 'signature' field missing).");

        (status, reply) = await PostAsync("/signed" + SignedQuery(body, nonce: "abc"), body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertDenied(reply, "REST bridge signature was invalid (invalid nonce 'abc' (must be an integer)).");

        (status, reply) = await PostAsync("/signed?key=foobar&timestamp=yesterday&seq=1&nonce=1&signature=x", body);
        AssertDenied(reply, "REST bridge signature was invalid (invalid timestamp 'yesterday' (must be UTC/ISO-8601, e.g. '2011-10-14T16:59:51.123Z')).");

        // Unsigned services still check a timestamp that is given (as Crossbar does).
        (status, reply) = await PostAsync("/publish?timestamp=2011-10-14T16:59:51.123Z", """{"topic": "com.example.x"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertDenied(reply, "Request expired, too old timestamp.");
    }

    [Fact]
    public async Task SignedCallerAcceptsAValidSignature()
    {
        await _peer.RegisterAsync("com.example.echo", (inv, _) => ValueTask.FromResult<WampResult?>(new WampResult(inv.Args)));
        const string body = """{"procedure": "com.example.echo", "args": ["signed"]}""";
        var (status, reply) = await PostAsync("/signedcall" + SignedQuery(body), body);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"args":["signed"]}""", reply.GetRawText());
    }

    [Fact]
    public async Task PostBodyLimitRefusesLargerBodies()
    {
        var small = """{"topic": "com.example.small"}""";
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("/limited", small)).Status);

        var large = $$"""{"topic": "com.example.large", "args": ["{{new string('x', 64)}}"]}""";
        var (status, reply) = await PostAsync("/limited", large);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        AssertDenied(reply, $"Request too long. ({Encoding.UTF8.GetByteCount(large)} is longer than accepted 64)");

        // Without a Content-Length (chunked) the limit holds as well.
        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(large)));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/limited") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task RequireIpAndRequireTls()
    {
        var (status, reply) = await PostAsync("/elsewhere", """{"topic": "com.example.ip"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertDenied(reply, "Request denied based on IP address.");

        Assert.Equal(HttpStatusCode.OK, (await PostAsync("/local", """{"topic": "com.example.ip"}""")).Status);

        (status, reply) = await PostAsync("/tls", """{"topic": "com.example.tls"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        AssertDenied(reply, "Malformed request to the REST bridge.");
    }

    [Fact]
    public async Task MethodsAndMalformedBodiesGetCrossbarsStatusCodes()
    {
        using var get = await _http.GetAsync("/publish");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        AssertDenied(await BodyAsync(get), "Method not accepted by the REST bridge. (GET not allowed, only POST, PUT)");

        using var options = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Options, "/publish"));
        Assert.Equal(HttpStatusCode.OK, options.StatusCode);
        Assert.Equal("POST,PUT,OPTIONS", string.Join(",", options.Content.Headers.Allow));

        using var put = await _http.PutAsync("/publish", Json("""{"topic": "com.example.put"}"""));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var cases = new (string Body, string? ContentType, HttpStatusCode Status, string Message)[]
        {
            ("{not json", "application/json", HttpStatusCode.BadRequest, "Request body was invalid JSON."),
            ("", "application/json", HttpStatusCode.BadRequest, "Request body was invalid JSON."),
            ("""["com.example.topic"]""", "application/json", HttpStatusCode.BadRequest, "Request body was valid JSON, but not well formed (must be a dict)."),
            ("""{"args": [1]}""", "application/json", HttpStatusCode.BadRequest, "Request body was valid JSON, but not well formed (missing key 'topic')."),
            ("""{"topic": "com.example.t"}""", "text/plain", HttpStatusCode.BadRequest, "Non-accepted content type. (must be one of 'application/json', not 'text/plain')"),
            ("""{"topic": "com.example.t"}""", "application/json; charset=latin-1", HttpStatusCode.BadRequest, "Non-accepted request encoding, must be UTF-8."),
            ("""{"topic": 7}""", "application/json", HttpStatusCode.InternalServerError, "Unhandled exception in Crossbar."),
            ("""{"topic": "com.example.t", "args": {"not": "a list"}}""", "application/json", HttpStatusCode.InternalServerError, "Unhandled exception in Crossbar."),
        };
        foreach (var c in cases)
        {
            var (status, reply) = await PostAsync("/publish", c.Body, c.ContentType);
            Assert.True(c.Status == status, $"{c.Body} ({c.ContentType}): {status} {reply}");
            AssertDenied(reply, c.Message);
        }

        // No content type at all is fine (JSON parsing decides).
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("/publish", """{"topic": "com.example.t"}""", contentType: null)).Status);

        var invalidUtf8 = new ByteArrayContent([0x7B, 0xFF, 0x7D]);
        invalidUtf8.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var bad = await _http.PostAsync("/publish", invalidUtf8);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        AssertDenied(await BodyAsync(bad), "Non-decodable request body, was not UTF-8.");

        // A WAMP-level refusal of the URI is the router's answer.
        var (uriStatus, uriReply) = await PostAsync("/publish", """{"topic": "com.example..bad uri"}""");
        Assert.Equal(HttpStatusCode.OK, uriStatus);
        Assert.Equal("wamp.error.invalid_uri", uriReply.GetProperty("error").GetString());
    }

    [Fact]
    public async Task UniversalTransportServesBridgePaths()
    {
        var universal = new UniversalTransportConfig
        {
            Id = "uni", Endpoint = Loopback,
            Paths = new Dictionary<string, WebPathConfig> { ["pub"] = new PublisherPathConfig { Realm = "realm1", Role = "bridge" } },
        };
        await using var transports = await RouterTransports.StartAsync([universal], _router);
        using var http = Http(transports["uni"]);
        var received = await SubscribeOnceAsync("com.example.universal");

        using var response = await http.PostAsync("/pub", Json("""{"topic": "com.example.universal", "kwargs": {"via": "universal"}}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("universal", (await received).ArgsKw["via"]);
    }

    [Fact]
    public async Task BridgePathsNeedARouter()
    {
        var web = new WebTransportConfig { Id = "w", Endpoint = Loopback, Paths = new Dictionary<string, WebPathConfig> { ["p"] = new PublisherPathConfig { Realm = "realm1", Role = "bridge" } } };
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => RouterTransports.StartAsync([web], new EchoSessions().HandleAsync));
        Assert.Contains("need a router", e.Message);
    }

    [Fact]
    public void SignatureMatchesCrossbarsConstruction()
    {
        // base64url (with padding) of HMAC-SHA256 over key, timestamp, seq, nonce and body, concatenated.
        var expected = Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(
                Encoding.UTF8.GetBytes("s"), Encoding.UTF8.GetBytes("k2011-10-14T16:59:51.123Z17{}")))
            .Replace('+', '-').Replace('/', '_');
        Assert.Equal(expected, SignedRequest.Sign("s", "k", "2011-10-14T16:59:51.123Z", "1", "7", "{}"u8));
        Assert.True(SignedRequest.TryParseTimestamp("2011-10-14T16:59:51.1Z", out var t));
        Assert.Equal(new DateTime(2011, 10, 14, 16, 59, 51, 100, DateTimeKind.Utc), t);
        Assert.False(SignedRequest.TryParseTimestamp("2011-10-14T16:59:51Z", out _)); // the fraction is mandatory (strptime %f)
        Assert.Equal("Content-MD5", WebhookService.CanonicalName("content-md5"));
        Assert.Equal("X-Hub-Signature", WebhookService.CanonicalName("x-hub-signature"));
    }
}
