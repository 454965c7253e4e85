using PluginHost.Components;
using PluginHost.Node.Config;
using PluginHost.Listeners;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Components.ComponentTestKit;

namespace PluginHost.Tests.Components;

/// <summary>
/// Container components joining a router that requires authentication, with credentials from the component's
/// <c>auth</c> in the node config (parsed as a user writes it): ticket, wampcra (plain and salted), cryptosign,
/// several methods at once, and wrong credentials reported as a refused join.
/// </summary>
public sealed class ComponentAuthTests : IAsyncLifetime
{
    // A fixed Ed25519 private key (seed) for the cryptosign principal.
    private const string PrivateKey = "4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510";
    private const string Salt = "salt123";

    private readonly LogCollector _log = new();
    private readonly NodeLayout _node = new("TimeService");
    private readonly ComponentHost _host;
    private WampRouter? _router;
    private RouterTransports? _transports;
    private string _url = "";

    public ComponentAuthTests() => _host = _node.Host(_log, hotReload: false);

    public async Task InitializeAsync()
    {
        _router = OpenRouter(_log);
        var auth = new TransportAuthConfig
        {
            AnonymousRole = "anonymous", // the test's own caller
            Ticket = new Dictionary<string, TicketPrincipal> { ["ticket-user"] = new("s3cret", "backend") },
            WampCra = new Dictionary<string, WampCraUser>
            {
                ["cra-user"] = new("cra-secret", "backend"),
                ["salted-user"] = new(WampCraAuthenticator.DeriveKey("password", Salt, 100, 32), "backend") { Salt = Salt, Iterations = 100, KeyLength = 32 },
            },
            Cryptosign = new Dictionary<string, CryptosignPrincipal>
            {
                ["key-user"] = new([new CryptosignAuthenticator(PrivateKey).PublicKeyHex], "backend"),
            },
        };
        var ws = new WebSocketTransportConfig
        {
            Id = "ws", Endpoint = new EndpointConfig { Port = 0, Interface = "127.0.0.1" }, WebSocket = new WebSocketServiceConfig { Auth = auth },
        };
        _transports = await RouterTransports.StartAsync([ws], _router, _log);
        _url = $"ws://127.0.0.1:{_transports["ws"].Port}/ws";
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        if (_transports is not null) await _transports.DisposeAsync();
        if (_router is not null) await _router.DisposeAsync();
        _node.Dispose();
    }

    /// <summary>The component as the config loader reads it from a container worker's "components".</summary>
    private ComponentConfig Component(string auth) => ((ContainerWorkerConfig)ConfigLoader.Parse($$"""
        {"version": 2, "workers": [{"type": "container", "components": [{
          "id": "c1", "type": "class", "classname": "timeservice.TimeService", "realm": "realm1",
          "transport": {"type": "websocket", "url": "{{_url}}", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": 1},
                        "initial_retry_delay": 0.1, "max_retry_delay": 1},
          "auth": {{auth}}}]}]}
        """, _node.NodeDir, name => name == "TICKET" ? "s3cret" : null).Workers[0]).Components[0];

    [Theory]
    [InlineData("""{"ticket": {"authid": "ticket-user", "ticket": "s3cret"}}""", "ticket-user", "ticket")]
    [InlineData("""{"ticket": {"authid": "ticket-user", "ticket": "${TICKET}"}}""", "ticket-user", "ticket")]
    [InlineData("""{"wampcra": {"authid": "cra-user", "secret": "cra-secret"}}""", "cra-user", "wampcra")]
    [InlineData("""{"wampcra": {"authid": "salted-user", "secret": "password"}}""", "salted-user", "wampcra")]
    [InlineData("""{"cryptosign": {"authid": "key-user", "privkey": "4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510"}}""", "key-user", "cryptosign")]
    // Several methods: HELLO offers them in config order and the router (like Crossbar) goes with the first it has.
    [InlineData("""{"wampcra": {"authid": "cra-user", "secret": "cra-secret"}, "ticket": {"ticket": "unused"}}""", "cra-user", "wampcra")]
    public async Task ComponentJoinsWithItsConfiguredCredentials(string auth, string authId, string authMethod)
    {
        await _host.StartContainerComponentAsync(Component(auth), CancellationToken.None);
        await _log.WaitForAsync("Component 'c1' registered com.timeservice.now");

        await using var caller = await CallerAsync(_router!);
        var sessions = (await caller.CallAsync("wamp.session.list")).Args[0] as IReadOnlyList<object?>;
        var details = new List<IReadOnlyDictionary<string, object?>>();
        foreach (var id in sessions!)
            details.Add((IReadOnlyDictionary<string, object?>)(await caller.CallAsync("wamp.session.get", [id])).Args[0]!);
        var component = Assert.Single(details, d => (string?)d["authid"] == authId);
        Assert.Equal(authMethod, component["authmethod"]);
        Assert.Equal("backend", component["authrole"]);
        Assert.IsType<string>(await caller.CallValueAsync("com.timeservice.now"));
    }

    [Fact]
    public async Task WrongCredentialsFailTheComponentWithTheRoutersReason()
    {
        var stopped = new TaskCompletionSource<ComponentStopped>(TaskCreationOptions.RunContinuationsAsynchronously);
        _host.Stopped += s => stopped.TrySetResult(s);

        await _host.StartContainerComponentAsync(Component("""{"ticket": {"authid": "ticket-user", "ticket": "wrong"}}"""), CancellationToken.None);

        var outcome = await stopped.Task.WaitAsync(Wait);
        Assert.True(outcome.Failed);
        Assert.Contains($"joining realm 'realm1' on {_url} was refused", outcome.Reason);
        Assert.Contains("wamp.error", outcome.Reason);
        await _log.WaitForAsync("Error .*joining realm 'realm1' .* was refused");
    }
}
