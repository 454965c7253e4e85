using System.Globalization;
using System.Text.RegularExpressions;
using PluginHost.Listeners;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;
using static PluginHost.Tests.Transport.TransportTestKit;

namespace PluginHost.Tests.Metrics;

/// <summary>
/// A router with a web transport serving "ws" and "metrics", and a fixed amount of real WAMP traffic on a realm of
/// its own (the router's Meter is process-wide: other tests' realms show up in the same exposition, ours is unique).
/// </summary>
internal sealed partial class RouterMetricsTraffic : IAsyncDisposable
{
    public const int Adds = 2, Fails = 1, Missing = 1, Publications = 3;

    private readonly WampRouter _router;
    private readonly RouterTransports _transports;
    private readonly List<WampSession> _sessions = [];

    public string Realm { get; } = "metrics.test" + Guid.NewGuid().ToString("N")[..8];
    public StartedTransport Web => _transports["web1"];

    private RouterMetricsTraffic(WampRouter router, RouterTransports transports) => (_router, _transports) = (router, transports);

    public static async Task<RouterMetricsTraffic> StartAsync()
    {
        var router = new WampRouter();
        var transports = await RouterTransports.StartAsync([new WebTransportConfig
        {
            Id = "web1", Endpoint = Loopback,
            Paths = new Dictionary<string, WebPathConfig> { ["ws"] = new WebSocketPathConfig(), ["metrics"] = new MetricsPathConfig() },
        }], router);
        var traffic = new RouterMetricsTraffic(router, transports);
        router.AddRealm(new RealmConfig { Name = traffic.Realm, Roles = [new RoleConfig { Name = "anonymous", AllowByDefault = true }] });
        return traffic;
    }

    private async Task<WampSession> JoinAsync(IWampSerializer serializer, string? realm = null)
    {
        var connection = await WampTransportConnector.ConnectWebSocketAsync(WsUri(Web, "/ws"), [serializer]);
        var session = await WampSession.JoinAsync(connection, realm ?? Realm).WaitAsync(Wait);
        _sessions.Add(session);
        return session;
    }

    /// <summary>
    /// Three sessions (json callee, msgpack subscriber, cbor caller/publisher): 3 calls routed (1 failing with
    /// com.example.oops), 1 call to no callee, 3 acknowledged publications each delivered once, and one HELLO to a
    /// realm that does not exist (refused: an auth failure with wamp.error.no_such_realm).
    /// </summary>
    public async Task RunAsync()
    {
        var callee = await JoinAsync(WampSerializers.Json);
        await callee.RegisterAsync("com.example.add", (inv, _) => ValueTask.FromResult<WampResult?>(
            WampResult.Of(Convert.ToInt64(inv.Args[0], CultureInfo.InvariantCulture) + Convert.ToInt64(inv.Args[1], CultureInfo.InvariantCulture))));
        await callee.RegisterAsync("com.example.fail", (_, _) => throw new WampException("com.example.oops", "failing on purpose"));

        var subscriber = await JoinAsync(WampSerializers.MsgPack);
        int received = 0;
        var allReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await subscriber.SubscribeAsync("com.example.tick", _ =>
        {
            if (Interlocked.Increment(ref received) == Publications) allReceived.TrySetResult();
            return ValueTask.CompletedTask;
        });

        var caller = await JoinAsync(WampSerializers.Cbor);
        for (int i = 0; i < Adds; i++) Assert.Equal(3L, Convert.ToInt64((await caller.CallAsync("com.example.add", [1, 2])).Args[0], CultureInfo.InvariantCulture));
        for (int i = 0; i < Fails; i++)
            Assert.Equal("com.example.oops", (await Assert.ThrowsAsync<WampException>(() => caller.CallAsync("com.example.fail"))).Error);
        for (int i = 0; i < Missing; i++)
            Assert.Equal(WampErrors.NoSuchProcedure, (await Assert.ThrowsAsync<WampException>(() => caller.CallAsync("com.example.missing"))).Error);
        for (int i = 0; i < Publications; i++) await caller.PublishAsync("com.example.tick", [i], options: new PublishOptions { Acknowledge = true });
        await allReceived.Task.WaitAsync(Wait);

        await Assert.ThrowsAnyAsync<Exception>(() => JoinAsync(WampSerializers.Json, "metrics.nosuchrealm"));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var s in _sessions) await s.DisposeAsync();
        await _transports.DisposeAsync();
        await _router.DisposeAsync();
    }

    /// <summary>One sample of the text exposition: <c>name{labels} value</c>, null when absent.</summary>
    public static double? Sample(string exposition, string name, params (string Label, string Value)[] labels)
    {
        foreach (Match m in SampleLine().Matches(exposition))
        {
            if (m.Groups["name"].Value != name) continue;
            string set = m.Groups["labels"].Value;
            if (labels.All(l => set.Contains($"{l.Label}=\"{l.Value}\"", StringComparison.Ordinal)))
                return double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return null;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex SampleLine();
}
