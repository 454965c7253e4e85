using PluginHost.Abstractions;

namespace misbehaving;

/// <summary>Ends its whole process "with success" from OnJoin: the host must take that for a crash, not a deliberate stop.</summary>
public sealed class ExitsWithSuccessInJoin : WampComponent
{
    public override Task OnJoinAsync(IWampComponentSession session, JoinDetails details)
    {
        Environment.Exit(0);
        return Task.CompletedTask;
    }
}

/// <summary>Ends its whole process with exit code 3 from OnJoin.</summary>
public sealed class ExitsWithErrorInJoin : WampComponent
{
    public override Task OnJoinAsync(IWampComponentSession session, JoinDetails details)
    {
        Environment.Exit(3);
        return Task.CompletedTask;
    }
}

/// <summary>Never returns from OnJoin, and blocks its thread while at it (the worst kind of stuck).</summary>
public sealed class StuckInJoin : WampComponent
{
    public override Task OnJoinAsync(IWampComponentSession session, JoinDetails details)
    {
        Thread.Sleep(Timeout.Infinite);
        return Task.CompletedTask;
    }
}
