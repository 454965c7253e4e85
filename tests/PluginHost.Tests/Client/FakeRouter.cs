using PluginHost.Wamp.Client;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Transport;

namespace PluginHost.Tests.Client;

/// <summary>
/// The test plays the router over an in-process connection pair: it reads what the session
/// sends and scripts the replies. Every wait is bounded so that a broken session fails fast.
/// </summary>
internal sealed class FakeRouter : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);
    public const long SessionId = 4242;

    public InProcessConnection ClientEnd { get; }
    public InProcessConnection Connection { get; }

    public FakeRouter()
    {
        (ClientEnd, Connection) = InProcessConnection.CreatePair();
    }

    /// <summary>Dealer and broker announcing every feature the client may rely on.</summary>
    public static Dictionary<string, object?> Roles(params string[] dealerFeatures) => new()
    {
        ["dealer"] = new Dictionary<string, object?>
        {
            ["features"] = (dealerFeatures.Length > 0 ? dealerFeatures : ["call_canceling", "call_timeout", "progressive_call_results"])
                .ToDictionary(f => f, object? (_) => true),
        },
        ["broker"] = new Dictionary<string, object?> { ["features"] = new Dictionary<string, object?>() },
    };

    /// <summary>Joins a session: answers HELLO with WELCOME (authid "alice", authrole "user").</summary>
    public static async Task<(WampSession Session, FakeRouter Router)> JoinAsync(
        Dictionary<string, object?>? roles = null, WampJoinOptions? options = null)
    {
        var router = new FakeRouter();
        var join = WampSession.JoinAsync(router.ClientEnd, "realm1", options);
        var hello = await router.ExpectAsync<HelloMessage>();
        Assert.Equal("realm1", hello.Realm);
        await router.SendAsync(new WelcomeMessage(SessionId, new Dictionary<string, object?>
        {
            ["authid"] = "alice",
            ["authrole"] = "user",
            ["authmethod"] = "anonymous",
            ["roles"] = roles ?? Roles(),
        }));
        return (await join.WaitAsync(Patience), router);
    }

    public async Task<WampMessage?> ReceiveAsync()
    {
        using var cts = new CancellationTokenSource(Patience);
        return await Connection.ReceiveAsync(cts.Token);
    }

    public async Task<T> ExpectAsync<T>() where T : WampMessage
    {
        var message = await ReceiveAsync();
        return Assert.IsType<T>(message);
    }

    /// <summary>The client closed the transport (ReceiveAsync yields null).</summary>
    public async Task ExpectClosedAsync() => Assert.Null(await ReceiveAsync());

    public ValueTask SendAsync(WampMessage message) => Connection.SendAsync(message);

    public ValueTask DisposeAsync() => Connection.CloseAsync();
}

internal static class TestExtensions
{
    public static Task<T> Within<T>(this Task<T> task) => task.WaitAsync(FakeRouter.Patience);
    public static Task Within(this Task task) => task.WaitAsync(FakeRouter.Patience);

    public static Dictionary<string, object?> Dict(params (string Key, object? Value)[] entries)
        => entries.ToDictionary(e => e.Key, e => e.Value);
}
