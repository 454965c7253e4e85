using PluginHost.Wamp.Client;
using PluginHost.Wamp.Router;

namespace PluginHost.Bench.Embedded;

/// <summary>
/// A router with one open realm and sessions joined over in-process connections (WampRouter.ConnectInProcess):
/// what an application embedding PluginHost.Wamp runs, with nothing between the sessions and the router's loop but
/// the in-process pipes. Both ends (our client) are measured along with the router.
/// </summary>
internal sealed class EmbeddedRouter : IAsyncDisposable
{
    public const string Realm = "bench";

    private readonly List<WampSession> _sessions = new();

    public WampRouter Router { get; } = new();

    public EmbeddedRouter() => Router.AddRealm(new RealmConfig { Name = Realm });

    public async Task<WampSession> JoinAsync()
    {
        var session = await WampSession.JoinAsync(Router.ConnectInProcess(), Realm).ConfigureAwait(false);
        _sessions.Add(session);
        return session;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var s in _sessions) await s.DisposeAsync().ConfigureAwait(false);
        await Router.DisposeAsync().ConfigureAwait(false);
    }
}
