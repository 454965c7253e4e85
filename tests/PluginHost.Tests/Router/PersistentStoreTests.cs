using Microsoft.Data.Sqlite;
using PluginHost.Wamp.Router;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Router;

/// <summary>
/// The persistent realm store (type "sqlite", Router/Store): history and retained events survive a router restart (a new
/// router on the same file), limits hold in the file, PUBLISHED means committed, a damaged file is refused by name.
/// The process-level crash test (kill -9 of the router worker) is Node/PersistentStoreNodeTests.
/// </summary>
public sealed class PersistentStoreTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pluginhost-store-").FullName;
    private string File => Path.Combine(_dir, "realm1.sqlite");

    private RealmConfig Realm(int limit = 100) => new()
    {
        Name = "realm1",
        Store = new RealmStoreConfig
        {
            Path = File,
            EventHistory = [new EventHistoryConfig("com.h.exact", UriMatch.Exact, limit), new EventHistoryConfig("com.h.", UriMatch.Prefix, 100)],
        },
    };

    private static async Task<(WampRouter Router, WampTestClient Client)> StartAsync(RealmConfig realm)
    {
        var router = new WampRouter();
        router.AddRealm(realm);
        return (router, await WampTestClient.JoinAsync(router, "realm1"));
    }

    private static async Task<List<IReadOnlyDictionary<string, object?>>> Events(WampTestClient c, string uri, string match = "exact")
    {
        var sub = (long)(await c.CallResultAsync("wamp.subscription.lookup", [uri, Dict(("match", match))])).Arguments![0]!;
        var result = await c.CallResultAsync("wamp.subscription.get_events", [sub]);
        return Assert.IsAssignableFrom<IEnumerable<object?>>(result.Arguments![0]).Cast<IReadOnlyDictionary<string, object?>>().ToList();
    }

    private static object? FirstArg(IReadOnlyDictionary<string, object?> e) => Assert.IsAssignableFrom<IEnumerable<object?>>(e["args"]).First();

    [Fact]
    public async Task History_and_its_payloads_survive_a_router_restart_with_the_limit_honoured()
    {
        var (router, c) = await StartAsync(Realm(limit: 3));
        var publications = new List<long>();
        for (int i = 0; i < 5; i++)
            publications.Add(await c.PublishAckAsync("com.h.exact", Dict(("exclude_authrole", new List<object?> { "nobody" })),
                [i, "text", new byte[] { 1, 2, (byte)i }, 1.5], Dict(("k", new List<object?> { true, null }))));
        await c.DisposeAsync();
        await router.DisposeAsync();

        // The file itself holds only the newest 3 of the exact entry (plus the prefix entry's 5).
        await using (var db = new SqliteConnection($"Data Source={File};Pooling=False"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "SELECT COUNT(*) FROM history WHERE uri='com.h.exact'";
            Assert.Equal(3L, cmd.ExecuteScalar());
        }

        (router, c) = await StartAsync(Realm(limit: 3));
        await using var _ = router;
        var events = await Events(c, "com.h.exact");
        Assert.Equal(publications.Skip(2), events.Select(e => (long)e["publication"]!));
        Assert.Equal([2L, 3L, 4L], events.Select(e => Convert.ToInt64(FirstArg(e))));
        var args = Assert.IsAssignableFrom<IEnumerable<object?>>(events[2]["args"]).ToList();
        Assert.Equal("text", args[1]);
        Assert.Equal(new byte[] { 1, 2, 4 }, args[2]);
        Assert.Equal(1.5, Convert.ToDouble(args[3]));
        Assert.Equal(5, (await Events(c, "com.h.", "prefix")).Count);
        // The authrole blacklist came back too: a session in role "nobody" sees nothing.
        var nobody = await WampTestClient.JoinAsync(router, "realm1", new TransportAuthConfig { AnonymousRole = "nobody" });
        Assert.Empty(await Events(nobody, "com.h.exact"));
        // New publications after the restart go on the restored history (still 3 at most).
        await c.PublishAckAsync("com.h.exact", args: [5]);
        Assert.Equal([3L, 4L, 5L], (await Events(c, "com.h.exact")).Select(e => Convert.ToInt64(FirstArg(e))));
    }

    [Fact]
    public async Task Retained_events_survive_a_restart_but_session_restricted_ones_do_not()
    {
        var (router, c) = await StartAsync(Realm());
        await c.PublishAckAsync("com.r.a", Dict(("retain", true)), ["old"]);
        var kept = await c.PublishAckAsync("com.r.a", Dict(("retain", true)), ["new"]);
        await c.PublishAckAsync("com.r.b", Dict(("retain", true), ("eligible", new List<object?> { c.SessionId })), ["session-only"]);
        await c.DisposeAsync();
        await router.DisposeAsync();

        (router, c) = await StartAsync(Realm());
        await using var _ = router;
        var sub = await c.SubscribeAsync("com.r.", Dict(("match", "prefix"), ("get_retained", true)));
        var ev = await c.ExpectAsync<PluginHost.Wamp.Messages.EventMessage>();
        Assert.Equal(kept, ev.Publication);
        Assert.Equal("new", ev.Arguments![0]);
        Assert.Equal(true, ev.Details["retained"]);
        Assert.Equal("com.r.a", ev.Details["topic"]);
        Assert.Equal(sub, ev.Subscription);
        await c.AssertNothingPendingAsync();
    }

    [Fact]
    public async Task Published_is_sent_only_once_the_publication_is_in_the_file()
    {
        var (router, c) = await StartAsync(Realm());
        await using var _ = router;
        await using var reader = new SqliteConnection($"Data Source={File};Pooling=False");
        reader.Open();
        for (int i = 0; i < 20; i++)
        {
            var publication = await c.PublishAckAsync("com.h.exact", args: [i]);
            // A second connection (another process's view) sees the committed row the moment PUBLISHED arrived.
            using var cmd = reader.CreateCommand();
            cmd.CommandText = $"SELECT COUNT(*) FROM history WHERE publication={publication}";
            Assert.Equal(2L, cmd.ExecuteScalar()); // one row per matching entry: exact and prefix
        }
    }

    [Fact]
    public async Task A_damaged_store_file_is_refused_naming_the_file()
    {
        await System.IO.File.WriteAllTextAsync(File, "this is not a database, just some text that is long enough to have a header........");
        await using var router = new WampRouter();
        var e = Assert.ThrowsAny<Exception>(() => router.AddRealm(Realm()));
        Assert.Contains(File, e.Message);
        Assert.False(router.HasRealm("realm1"));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }
}
