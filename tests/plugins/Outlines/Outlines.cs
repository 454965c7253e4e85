using PluginHost.Abstractions;

namespace outlines;

/// <summary>Declarative handlers, some inherited from a base class in the same DLL.</summary>
public abstract class DeclaredBase : WampComponent
{
    [WampProcedure("com.outlines.base")]
    public int FromBase() => 1;
}

public sealed class Declared : DeclaredBase
{
    [WampProcedure("com.outlines.add")]
    public long Add(long x, long y) => x + y;

    [WampProcedure("com.outlines.", UriMatch = UriMatch.Prefix)]
    [WampProcedure("com.outlines.sum")]
    public long Sum(long[] values) => values.Sum();

    [WampTopic("com.outlines.tick")]
    public void OnTick(long n) { }

    // Not public: the host does not bind it, so check must not list it.
    [WampProcedure("com.outlines.hidden")]
    internal int Hidden() => 0;
}

/// <summary>Imperative registrations in the shapes C# compiles differently.</summary>
public sealed class Imperative : WampComponent
{
    private const string ConstUri = "com.outlines.const";
    private readonly string _prefix = "com.outlines";

    public override async Task OnJoinAsync(IWampComponentSession session, JoinDetails details)
    {
        await session.RegisterAsync("com.outlines.method", Method);
        await session.RegisterAsync("com.outlines.lambda", (long a, long b) => a * b);
        await session.RegisterAsync(ConstUri, Method, new ProcedureSettings { Match = UriMatch.Exact, DiscloseCaller = true });
        await session.SubscribeAsync("com.outlines.topic", (string s) => { _ = s.Length; });
        await session.RegisterAsync($"{_prefix}.interpolated", Method);
        await session.RegisterAsync(_prefix + ".concat", Method);
        var name = await session.CallAsync<string>("com.outlines.name", "an argument", 42);
        await session.PublishAsync("com.outlines.joined", [name, "x"]);
    }

    private string Method() => "ok";
}

/// <summary>Not a component (no WampComponent base): check must say so.</summary>
public sealed class NotAComponent
{
    public int Value => 1;
}
