using System.Net;
using PluginHost.Tests.Router;
using PluginHost.Tests.Support;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;
using static PluginHost.Tests.Controller.ControllerConfigs;
using static PluginHost.Tests.Router.WampTestClient;

namespace PluginHost.Tests.Controller;

/// <summary>
/// Cookie authentication through a real node and real WebSocket connections (ClientWebSocket with a cookie container, as a
/// browser keeps cookies): ticket first, the router's Set-Cookie in the 101 response, then authmethod cookie on reconnect,
/// across a node restart with a database cookie store, and refused after logout.
/// </summary>
public class CookieAuthNodeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pluginhost-cookie-node-").FullName;

    private string Config(int port) => NodeJson($$$"""
        {"type": "router", "options": { {{{FastBackoff}}} },
         "realms": [{"name": "realm1", "roles": [{"name": "user", "allow-by-default": true}]}],
         "transports": [{"type": "websocket", "id": "wsock", "endpoint": {"type": "tcp", "port": {{{port}}}},
            "cookie": {"name": "sid", "max_age": 600, "store": {"type": "database", "path": "{{{Path.Combine(_dir, "cookies.sqlite")}}}"} },
            "auth": {"cookie": {}, "ticket": {"type": "static", "principals": {"joe": {"ticket": "secret", "role": "user"} } } } }]}
        """);

    /// <summary>A browser-like connection: the container sends its cookies and keeps the ones the upgrade response sets.</summary>
    /// <summary>A WebSocket with the browser's cookie jar; HELLO as joe with <paramref name="methods"/>, a ticket CHALLENGE answered.</summary>
    private static async Task<(WampTestClient Client, WampMessage Reply)> ConnectAsync(int port, CookieContainer jar, params string[] methods)
    {
        var connection = await WampTransportConnector.ConnectWebSocketAsync(new Uri($"ws://127.0.0.1:{port}/"), [WampSerializers.Json],
            o => o.Cookies = jar, WebSocketConnection.DefaultMaxMessageSize);
        var client = new WampTestClient(connection);
        return (client, await client.HelloAnsweringTicketAsync("realm1", "joe", "secret", methods));
    }

    private static void AssertWelcome(WampMessage reply, string method) => WampTestClient.AssertWelcomed(reply, method, "joe", "user");

    [Fact]
    public async Task A_browser_authenticated_by_ticket_is_welcomed_by_cookie_after_reconnecting_and_a_node_restart_until_it_logs_out()
    {
        var jar = new CookieContainer();
        int port = NodeProcess.FreePort();
        await using (var node = await NodeProcess.StartAsync(Config(port)))
        {
            var (first, reply) = await ConnectAsync(port, jar, "cookie", "ticket");
            AssertWelcome(reply, "ticket");
            var cookie = Assert.Single(jar.GetCookies(new Uri($"http://127.0.0.1:{port}/")));
            Assert.Equal("sid", cookie.Name);
            Assert.True(cookie.HttpOnly);
            await first.Connection.DisposeAsync();

            var (second, again) = await ConnectAsync(port, jar, "cookie", "ticket");
            AssertWelcome(again, "cookie");
            await second.Connection.DisposeAsync();
        }

        // The cookie store is a database file: the next node still knows the cookie (same port: the cookie belongs to the host).
        await using var restarted = await NodeProcess.StartAsync(Config(port));
        var (third, welcome) = await ConnectAsync(port, jar, "cookie", "ticket");
        AssertWelcome(welcome, "cookie");
        await third.SendAsync(new GoodbyeMessage(Dict(), "wamp.close.logout"));
        await third.ExpectAsync<GoodbyeMessage>();
        await third.Connection.DisposeAsync();

        var (fourth, refused) = await ConnectAsync(port, jar, "cookie");
        Assert.Equal(WampErrors.NoAuthMethod, Assert.IsType<AbortMessage>(refused).Reason);
        await fourth.Connection.DisposeAsync();
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
        GC.SuppressFinalize(this);
    }
}
