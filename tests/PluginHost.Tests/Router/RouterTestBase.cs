using Microsoft.Extensions.Logging;
using PluginHost.Wamp.Router;

namespace PluginHost.Tests.Router;

/// <summary>A router with one open realm ("realm1", no roles: everything allowed) per test.</summary>
public abstract class RouterTestBase : IAsyncLifetime
{
    internal WampRouter Router { get; private set; } = null!;
    private readonly List<WampTestClient> _clients = new();

    protected virtual RouterOptions Options => new();

    protected virtual ILoggerFactory? LoggerFactory => null;

    protected virtual IEnumerable<RealmConfig> Realms => [new RealmConfig { Name = "realm1" }];

    public Task InitializeAsync()
    {
        Router = new WampRouter(Options, LoggerFactory);
        foreach (var realm in Realms) Router.AddRealm(realm);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var c in _clients) await c.DisposeAsync();
        await Router.DisposeAsync();
    }

    internal async Task<WampTestClient> JoinAsync(string realm = "realm1", TransportAuthConfig? auth = null, bool callCanceling = true,
        params (string Role, string Feature)[] features)
    {
        var client = await WampTestClient.JoinAsync(Router, realm, auth, callCanceling, features);
        _clients.Add(client);
        return client;
    }

    internal async Task<WampTestClient> JoinWithHelloAsync(Dictionary<string, object?> helloDetails, string realm = "realm1")
    {
        var client = await WampTestClient.JoinWithHelloAsync(Router, realm, helloDetails);
        _clients.Add(client);
        return client;
    }

    internal static TransportAuthConfig Role(string role) => new() { AnonymousRole = role };
}
