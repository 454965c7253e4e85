using PluginHost.Abstractions;

namespace dropin;

/// <summary>Discovered without a config entry; states a stable id and its extra with [ComponentDefaults].</summary>
[ComponentDefaults(Id = "greeter", Extra = """{"greeting": "hello"}""")]
public sealed class Greeter(ComponentContext context) : WampComponent(context)
{
    public sealed class Options
    {
        public string Greeting { get; set; } = "none";
    }

    [WampProcedure("test.dropin.version")]
    public string Version() => Versions.Current;

    [WampProcedure("test.dropin.greeting")]
    public string Greeting() => Context.GetExtra<Options>().Greeting;

    /// <summary>Takes a while, to be running when the plugin is removed.</summary>
    [WampProcedure("test.dropin.slow")]
    public async Task<string> SlowAsync(int ms)
    {
        await Session.PublishAsync("test.dropin.slow_started", []);
        await Task.Delay(ms);
        return Versions.Current;
    }
}

/// <summary>No attributes: its id is its class name and it joins the discover block's realm.</summary>
public sealed class Plain : WampComponent
{
    [WampProcedure("test.dropin.plain")]
    public string Hello() => "plain " + Versions.Current;
}

/// <summary>Not discovered: abstract, internal, or not a component.</summary>
public abstract class AbstractBase : WampComponent;
internal sealed class Hidden : WampComponent;
public sealed class NotAComponent;
