using PluginHost.Components;
using PluginHost.Wamp.Router;
using PluginHost.Wamp.Transport;

namespace PluginHost.Tests.Components;

/// <summary>RouterRotation: attempts go to the current router; a failed attempt moves on to the next, round-robin.</summary>
public class RouterRotationTests
{
    [Fact]
    public async Task A_failed_attempt_moves_on_to_the_next_router_round_robin_and_a_working_one_is_kept()
    {
        await using var router = new WampRouter();
        var up = new HashSet<string> { "c" };
        var tried = new List<string>();
        (Func<CancellationToken, Task<IWampConnection>>, string) Router(string name) => (_ =>
        {
            tried.Add(name);
            return up.Contains(name) ? Task.FromResult(router.ConnectInProcess()) : Task.FromException<IWampConnection>(new IOException($"{name} refused"));
        }, name);
        var rotation = new RouterRotation([Router("a"), Router("b"), Router("c")]);

        Assert.Equal("a", rotation.Current);
        await Assert.ThrowsAsync<IOException>(() => rotation.ConnectAsync(CancellationToken.None));
        await Assert.ThrowsAsync<IOException>(() => rotation.ConnectAsync(CancellationToken.None));
        await (await rotation.ConnectAsync(CancellationToken.None)).DisposeAsync();
        await (await rotation.ConnectAsync(CancellationToken.None)).DisposeAsync(); // c works: it is kept
        Assert.Equal(["a", "b", "c", "c"], tried);

        up.Clear();
        up.Add("a");
        await Assert.ThrowsAsync<IOException>(() => rotation.ConnectAsync(CancellationToken.None)); // c died: on to a (wrapping)
        Assert.Equal("a", rotation.Current);
        await (await rotation.ConnectAsync(CancellationToken.None)).DisposeAsync();
        Assert.Equal(["a", "b", "c", "c", "c", "a"], tried);
        Assert.Equal("a, b, c", rotation.ToString());
    }
}
