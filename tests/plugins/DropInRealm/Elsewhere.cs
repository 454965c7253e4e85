using PluginHost.Abstractions;

namespace dropinrealm;

/// <summary>A generic base in the plugin: discovery must follow it to WampComponent.</summary>
public abstract class Answering<T>(ComponentContext context) : WampComponent(context)
{
    protected abstract T Answer { get; }

    [WampProcedure("test.dropin.where")]
    public string Where() => $"{Context.Realm} {Answer}";
}

[ComponentDefaults(Realm = "realm2", Id = "elsewhere")]
public sealed class Elsewhere(ComponentContext context) : Answering<int>(context)
{
    protected override int Answer => 42;
}
