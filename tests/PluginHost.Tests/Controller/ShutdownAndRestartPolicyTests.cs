using PluginHost.Node.Config;
using PluginHost.Node.Controller;
using static PluginHost.Tests.Node.ConfigTestData;

namespace PluginHost.Tests.Controller;

/// <summary>The pure rules behind supervision: restarts in a row (with reset) and the controller's shutdown triggers.</summary>
public class ShutdownAndRestartPolicyTests
{
    private static readonly RestartBackoff Backoff = new()
        { InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(4), MaxRestarts = 3 };

    [Fact]
    public void ACrashLoopIsCappedWithDoublingDelays()
    {
        var budget = new RestartBudget(Backoff);
        var decisions = Enumerable.Range(0, 4).Select(_ => budget.OnDeath(TimeSpan.FromSeconds(0.5))).ToList();
        Assert.Equal([true, true, true, false], decisions.Select(d => d.Restart));
        Assert.Equal([1, 2, 4], decisions.Take(3).Select(d => d.Delay.TotalSeconds));
        Assert.All(decisions, d => Assert.False(d.CounterReset));
    }

    [Fact]
    public void AHealthyRunStartsTheCountOver()
    {
        var budget = new RestartBudget(Backoff); // reset_after defaults to max_delay (4 s)
        for (var i = 0; i < 3; i++) Assert.True(budget.OnDeath(TimeSpan.Zero).Restart);
        var afterHealthyRun = budget.OnDeath(TimeSpan.FromSeconds(4));
        Assert.Equal(new RestartDecision(true, 1, TimeSpan.FromSeconds(1), CounterReset: true), afterHealthyRun);
        // A short run after that is part of a new crash loop, not a reset.
        Assert.Equal((2, false), (budget.OnDeath(TimeSpan.FromSeconds(3.9)) is var d ? (d.Attempt, d.CounterReset) : default));
    }

    [Fact]
    public void MaxRestartsZeroEndsAtTheFirstDeath()
        => Assert.False(new RestartBudget(Backoff with { MaxRestarts = 0 }).OnDeath(TimeSpan.FromHours(1)).Restart);

    [Fact]
    public void ResetAfterIsConfigurable()
    {
        var guest = Parse("""{"version": 2, "workers": [{"type": "guest", "executable": "sh", "options": {"restart_backoff": {"max_delay": 8, "reset_after": 120}}}]}""").Workers[0];
        Assert.Equal(TimeSpan.FromSeconds(120), guest.RestartBackoff.ResetAfter);
        Assert.Equal(TimeSpan.FromSeconds(30), new RestartBackoff().ResetAfter);
    }

    private static HashSet<NodeShutdownTrigger> T(params NodeShutdownTrigger[] t) => [.. t];

    [Theory]
    // Crossbar's default: any native worker that stays down stops the node.
    [InlineData(new[] { NodeShutdownTrigger.OnWorkerExit }, false, true, 2, NodeShutdownTrigger.OnWorkerExit)]
    [InlineData(new[] { NodeShutdownTrigger.OnWorkerExitWithError }, false, true, 0, null)]
    [InlineData(new[] { NodeShutdownTrigger.OnWorkerExitWithError }, false, false, 2, NodeShutdownTrigger.OnWorkerExitWithError)]
    [InlineData(new[] { NodeShutdownTrigger.OnLastWorkerExit }, false, false, 1, null)]
    [InlineData(new[] { NodeShutdownTrigger.OnLastWorkerExit }, false, true, 0, NodeShutdownTrigger.OnLastWorkerExit)]
    [InlineData(new[] { NodeShutdownTrigger.OnShutdownRequested }, false, false, 0, null)]
    // Guest exits never trigger (Crossbar's start_guest has no check_for_shutdown).
    [InlineData(new[] { NodeShutdownTrigger.OnWorkerExit }, true, false, 0, null)]
    public void ShutdownTriggersFollowCrossbar(NodeShutdownTrigger[] triggers, bool guest, bool success, int left, NodeShutdownTrigger? expected)
        => Assert.Equal(expected, NodeShutdownPolicy.Decide(T(triggers), guest, success, left));

    [Fact]
    public void ShutdownTriggersAreParsedFromAStringOrAList()
    {
        Assert.Equal(T(NodeShutdownTrigger.OnWorkerExit), Parse("""{"version": 2}""").ShutdownTriggers);
        Assert.Equal(T(NodeShutdownTrigger.OnLastWorkerExit),
            Parse("""{"version": 2, "controller": {"options": {"shutdown": "shutdown_on_last_worker_exit"}}}""").ShutdownTriggers);
        var both = Parse("""{"version": 2, "controller": {"options": {"shutdown": ["shutdown_on_shutdown_requested", "shutdown_on_worker_exit_with_error"]}}}""");
        Assert.Equal(T(NodeShutdownTrigger.OnShutdownRequested, NodeShutdownTrigger.OnWorkerExitWithError), both.ShutdownTriggers);
        Assert.Empty(both.Warnings);
        Assert.Equal("controller.options.shutdown[1]",
            Fail("""{"version": 2, "controller": {"options": {"shutdown": ["shutdown_on_worker_exit", "on_crash"]}}}""").Path);
    }
}
