using PluginHost.Listeners;
using static PluginHost.Tests.Node.ConfigTestData;

namespace PluginHost.Tests.Node;

/// <summary>HTTP bridge paths (publisher, caller, webhook) in config.json: Crossbar's keys, ranges and errors naming the path.</summary>
public class BridgeConfigTests
{
    private const string Realms = """
        [{"name": "realm1", "roles": [{"name": "anonymous"}, {"name": "backend"}]}, {"name": "open"}]
        """;

    private static string Web(string paths) => RouterWorker($$"""[{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {{paths}}}]""", Realms);

    [Fact]
    public void PublisherCallerAndWebhookAreParsed()
    {
        var config = Parse(Web("""
            {"pub": {"type": "publisher", "realm": "realm1", "role": "backend",
                     "options": {"key": "k", "secret": "s", "require_ip": ["10.0.0.0/8", "192.168.1.7"], "require_tls": true,
                                 "post_body_limit": 8192, "timestamp_delta_limit": 10, "debug": true}},
             "call": {"type": "caller", "realm": "open", "role": "anyone", "id": "caller1"},
             "api": {"type": "path", "paths": {"hook": {"type": "webhook", "realm": "realm1", "role": "anonymous",
                     "options": {"topic": "com.example.hook", "success_response": "yes", "github_secret": "gh", "post_body_limit": 100}}}}}
            """));
        var web = Assert.IsType<WebTransportConfig>(config.FirstRouter().Transports[0]);

        var pub = Assert.IsType<PublisherPathConfig>(web.Paths["pub"]);
        Assert.Equal(("realm1", "backend", "k", "s"), (pub.Realm, pub.Role, pub.Options.Key, pub.Options.Secret));
        Assert.True(pub.Options.Signed && pub.Options.RequireTls && pub.Options.Debug);
        Assert.Equal(["10.0.0.0/8", "192.168.1.7/32"], pub.Options.RequireIp!.Select(n => n.ToString()));
        Assert.Equal((8192, 10), (pub.Options.PostBodyLimit, pub.Options.TimestampDeltaLimit));
        Assert.Equal("workers[0].transports[0].paths.pub", pub.ConfigPath);

        var call = Assert.IsType<CallerPathConfig>(web.Paths["call"]);
        Assert.Equal((0, 300, false), (call.Options.PostBodyLimit, call.Options.TimestampDeltaLimit, call.Options.Signed));

        var hook = Assert.IsType<WebhookPathConfig>(Assert.IsType<NestedPathConfig>(web.Paths["api"]).Paths["hook"]);
        Assert.Equal(("com.example.hook", "yes", "NOT OK", "gh", 100), (hook.Topic, hook.SuccessResponse, hook.ErrorResponse, hook.Options.GithubSecret, hook.Options.PostBodyLimit));
        Assert.DoesNotContain(config.Warnings, w => w.Contains("skipped"));
    }

    [Theory]
    [InlineData("""{"p": {"type": "webhook", "realm": "realm1", "role": "anonymous", "options": {}}}""", "workers[0].transports[0].paths.p.options.topic", "missing required key")]
    [InlineData("""{"p": {"type": "webhook", "realm": "realm1", "role": "anonymous"}}""", "workers[0].transports[0].paths.p.options", "missing required key")]
    [InlineData("""{"p": {"type": "webhook", "realm": "realm1", "role": "anonymous", "options": {"topic": "t", "key": "k"}}}""", "workers[0].transports[0].paths.p.options.key", "unknown key")]
    [InlineData("""{"p": {"type": "publisher", "realm": "realm1"}}""", "workers[0].transports[0].paths.p.role", "missing required key")]
    [InlineData("""{"p": {"type": "caller", "role": "backend"}}""", "workers[0].transports[0].paths.p.realm", "missing required key")]
    [InlineData("""{"p": {"type": "publisher", "realm": "realm2", "role": "backend"}}""", "workers[0].transports[0].paths.p.realm", "realm 'realm2' is not defined on this router")]
    [InlineData("""{"p": {"type": "caller", "realm": "realm1", "role": "admin"}}""", "workers[0].transports[0].paths.p.role", "role 'admin' is not defined on realm 'realm1'")]
    [InlineData("""{"p": {"type": "publisher", "realm": "realm1", "role": "backend", "options": {"secret": "s"}}}""", "workers[0].transports[0].paths.p.options.secret", "needs 'key'")]
    [InlineData("""{"p": {"type": "publisher", "realm": "realm1", "role": "backend", "options": {"post_body_limit": 1048577}}}""", "workers[0].transports[0].paths.p.options.post_body_limit", "0..1048576")]
    [InlineData("""{"p": {"type": "caller", "realm": "realm1", "role": "backend", "options": {"timestamp_delta_limit": -1}}}""", "workers[0].transports[0].paths.p.options.timestamp_delta_limit", "0..86400")]
    [InlineData("""{"p": {"type": "caller", "realm": "realm1", "role": "backend", "options": {"require_ip": ["10.0.0.1/8"]}}}""", "workers[0].transports[0].paths.p.options.require_ip[0]", "invalid network")]
    [InlineData("""{"p": {"type": "caller", "realm": "realm1", "role": "backend", "options": {"require_ip": "10.0.0.0/8"}}}""", "workers[0].transports[0].paths.p.options.require_ip", "expected")]
    [InlineData("""{"p": {"type": "caller", "realm": "realm1", "role": "backend", "options": {"require_tls": "yes"}}}""", "workers[0].transports[0].paths.p.options.require_tls", "expected")]
    [InlineData("""{"p": {"type": "publisher", "realm": "realm1", "role": "backend", "options": {"topic": "t"}}}""", "workers[0].transports[0].paths.p.options.topic", "unknown key")]
    public void BadBridgeConfigsNameThePath(string paths, string path, string message)
    {
        var e = Fail(Web(paths));
        Assert.Equal(path, e.Path);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void KeyWithoutSecretIsAWarning()
    {
        var config = Parse(Web("""{"p": {"type": "publisher", "realm": "realm1", "role": "backend", "options": {"key": "k"}}}"""));
        Assert.Contains(config.Warnings, w => w.StartsWith("workers[0].transports[0].paths.p.options.key:") && w.Contains("not signed"));
        Assert.False(Assert.IsType<PublisherPathConfig>(Assert.IsType<WebTransportConfig>(config.FirstRouter().Transports[0]).Paths["p"]).Options.Signed);
    }

    [Fact]
    public void UniversalTransportWebPathsMayBeBridges()
    {
        var config = Parse(RouterWorker("""
            [{"type": "universal", "endpoint": {"type": "tcp", "port": 0},
              "web": {"paths": {"publish": {"type": "publisher", "realm": "realm1", "role": "backend"}}}}]
            """, Realms));
        var universal = Assert.IsType<UniversalTransportConfig>(config.FirstRouter().Transports[0]);
        Assert.IsType<PublisherPathConfig>(universal.Paths!["publish"]);
    }
}
