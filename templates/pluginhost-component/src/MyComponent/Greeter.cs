using Microsoft.Extensions.Logging;
using PluginHost.Abstractions;

namespace MyComponent;

/// <summary>Options bound from the component's "extra" in the node config.</summary>
public sealed class GreeterOptions
{
    public string Greeting { get; set; } = "Hello";
}

/// <summary>
/// A component in the declarative style: public methods marked [WampProcedure] / [WampTopic] are registered or
/// subscribed when the component joins, their parameters bound from the call's args and kwargs.
/// Run it from a node config: {"type": "class", "classname": "MyComponent.Greeter", "realm": "realm1", ...}.
/// </summary>
public sealed class Greeter(ComponentContext context) : WampComponent(context)
{
    private readonly GreeterOptions _options = context.GetExtra<GreeterOptions>();

    [WampProcedure("com.example.greet")]
    public string Greet(string name) => $"{_options.Greeting}, {name}!";

    [WampProcedure("com.example.add2")]
    public long Add2(long x, long y) => x + y;

    /// <summary>The imperative style works alongside: register, subscribe or publish from OnJoinAsync.</summary>
    public override async Task OnJoinAsync(IWampComponentSession session, JoinDetails details)
    {
        Context.Logger.LogInformation("Greeter joined realm {Realm}", details.Realm);
        await session.PublishAsync("com.example.greeter.ready", [Context.ComponentId]);
    }
}
