using PluginHost.Abstractions;

namespace faulty;

public sealed class ThrowingJoin : WampComponent
{
    public override Task OnJoinAsync(IWampComponentSession session, JoinDetails details)
        => throw new InvalidOperationException("OnJoin exploded on purpose");
}

public sealed class ThrowingConstructor : WampComponent
{
    public ThrowingConstructor() => throw new InvalidOperationException("constructor exploded on purpose");
}

/// <summary>Not derived from WampComponent.</summary>
public sealed class NotAComponent
{
    public string Hello() => "hello";
}

/// <summary>Needs FaultyHelper.dll at construction.</summary>
public sealed class NeedsHelper : WampComponent
{
    private readonly string _greeting;

    public NeedsHelper() => _greeting = Greet();

    private static string Greet() => faultyhelper.Helper.Hello();

    [WampProcedure("test.faulty.greeting")]
    public string Greeting() => _greeting;
}
