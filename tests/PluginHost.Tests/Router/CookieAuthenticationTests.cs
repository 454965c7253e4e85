using Microsoft.Extensions.Logging.Abstractions;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using PluginHost.Wamp.Router.Store;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Router;

/// <summary>
/// Cookie authentication (Router/Store/CookieStore.cs, Authentication/CookieAuthenticator.cs) in process: a cookie authenticated
/// by a ticket session authenticates the next connection carrying it (authmethod cookie, same authid and role), until it
/// expires (max_age, on a controllable clock) or is revoked by GOODBYE wamp.close.logout; a file store keeps it over a restart.
/// The real WebSocket path (Set-Cookie in the upgrade response) is Controller/CookieAuthNodeTests.
/// </summary>
public sealed class CookieAuthenticationTests : RouterTestBase, IDisposable
{
    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private readonly Clock _clock = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("pluginhost-cookies-").FullName;

    protected override IEnumerable<RealmConfig> Realms =>
        [new RealmConfig { Name = "realm1", Roles = [new RoleConfig { Name = "user", AllowByDefault = true }] }];

    private static TransportAuthConfig Auth(CookieStore store, string cookieId) => new()
    {
        AnonymousRole = null,
        CookieAuth = true,
        Ticket = new Dictionary<string, TicketPrincipal> { ["joe"] = new("secret", "user") },
        Cookie = new ConnectionCookie(store, cookieId),
    };

    /// <summary>HELLO as joe with <paramref name="methods"/>; answers a ticket CHALLENGE; returns WELCOME or ABORT.</summary>
    private async Task<(WampTestClient Client, WampMessage Reply)> ConnectAsync(CookieStore store, string cookieId, params string[] methods)
    {
        var client = new WampTestClient(Router.ConnectInProcess(Auth(store, cookieId)));
        return (client, await client.HelloAnsweringTicketAsync("realm1", "joe", "secret", methods));
    }

    private static void AssertWelcome(WampMessage reply, string method) => WampTestClient.AssertWelcomed(reply, method, "joe", "user");

    private CookieStore Store(string? file = null) => new(new CookieConfig { MaxAge = TimeSpan.FromHours(1), StorePath = file }, NullLogger.Instance, _clock);

    [Fact]
    public async Task A_cookie_authenticated_by_ticket_welcomes_the_next_connection_as_the_same_principal()
    {
        await using var store = Store();
        var cookie = store.Create();
        // Not authenticated yet: "cookie" is skipped, ticket runs.
        var (first, reply) = await ConnectAsync(store, cookie.Id, "cookie", "ticket");
        AssertWelcome(reply, "ticket");
        var (second, again) = await ConnectAsync(store, cookie.Id, "cookie", "ticket");
        AssertWelcome(again, "cookie");
        // Another browser (another cookie) is not recognised.
        var (_, stranger) = await ConnectAsync(store, store.Create().Id, "cookie");
        Assert.Equal(WampErrors.NoAuthMethod, Assert.IsType<AbortMessage>(stranger).Reason);
        await first.DisposeAsync();
        await second.DisposeAsync();
    }

    [Fact]
    public async Task An_expired_cookie_is_refused_and_falls_back_to_the_other_methods()
    {
        await using var store = Store();
        var cookie = store.Create();
        AssertWelcome((await ConnectAsync(store, cookie.Id, "ticket")).Reply, "ticket");
        _clock.Now += TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1);
        Assert.Equal(WampErrors.NoAuthMethod, Assert.IsType<AbortMessage>((await ConnectAsync(store, cookie.Id, "cookie")).Reply).Reason);
        AssertWelcome((await ConnectAsync(store, cookie.Id, "cookie", "ticket")).Reply, "ticket");
        Assert.Null(store.Find(cookie.Id)); // forgotten
    }

    [Fact]
    public async Task Goodbye_with_logout_revokes_the_cookie()
    {
        await using var store = Store();
        var cookie = store.Create();
        var (session, reply) = await ConnectAsync(store, cookie.Id, "ticket");
        AssertWelcome(reply, "ticket");
        await session.SendAsync(new GoodbyeMessage(Dict(), "wamp.close.logout"));
        Assert.Equal(WampCloseReasons.GoodbyeAndOut, (await session.ExpectAsync<GoodbyeMessage>()).Reason);
        Assert.Equal(WampErrors.NoAuthMethod, Assert.IsType<AbortMessage>((await ConnectAsync(store, cookie.Id, "cookie")).Reply).Reason);
        // A plain goodbye does not revoke.
        (session, reply) = await ConnectAsync(store, cookie.Id, "ticket");
        await session.SendAsync(new GoodbyeMessage(Dict(), WampCloseReasons.CloseRealm));
        await session.ExpectAsync<GoodbyeMessage>();
        AssertWelcome((await ConnectAsync(store, cookie.Id, "cookie")).Reply, "cookie");
    }

    [Fact]
    public async Task A_file_cookie_store_keeps_authenticated_cookies_over_a_restart_and_purge_on_startup_forgets_them()
    {
        var file = Path.Combine(_dir, "cookies.sqlite");
        string id;
        await using (var store = Store(file))
        {
            id = store.Create().Id;
            AssertWelcome((await ConnectAsync(store, id, "ticket")).Reply, "ticket");
        } // disposing writes what is queued
        await using (var reopened = Store(file))
            AssertWelcome((await ConnectAsync(reopened, id, "cookie")).Reply, "cookie");
        await using (var purged = new CookieStore(new CookieConfig { StorePath = file, PurgeOnStartup = true }, NullLogger.Instance, _clock))
            Assert.Null(purged.Find(id));
        await using (var after = Store(file))
            Assert.Null(after.Find(id));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
