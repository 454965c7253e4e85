using System.Diagnostics;
using PluginHost.Node.Config;
using PluginHost.Node.Controller;
using PluginHost.Node.Workers;

namespace PluginHost.Tests.Controller;

/// <summary>The pure rules behind quarantine: whom a crash is blamed on, when blame becomes quarantine, and the control messages.</summary>
public class ComponentQuarantineTests
{
    [Fact]
    public void AComponentStartingAtThreeCrashesInARowIsQuarantinedOnce()
    {
        var quarantine = new ComponentQuarantine(3);
        Assert.Empty(quarantine.OnCrash(["bad"]));
        Assert.Empty(quarantine.OnCrash(["bad"]));
        Assert.Equal(["bad"], quarantine.OnCrash(["bad"]));
        Assert.Equal(["bad"], quarantine.Quarantined);
        Assert.Empty(quarantine.OnCrash(["bad"])); // already out: not quarantined twice
    }

    [Fact]
    public void ACrashWithoutTheComponentStartingEndsItsRun()
    {
        var quarantine = new ComponentQuarantine(3);
        quarantine.OnCrash(["bad", "clock"]);
        quarantine.OnCrash(["bad"]);
        Assert.Equal((2, 0), (quarantine.StrikesOf("bad"), quarantine.StrikesOf("clock")));
        quarantine.OnCrash([]); // a crash nobody was starting at: not a start problem
        Assert.Equal(0, quarantine.StrikesOf("bad"));
        Assert.Empty(quarantine.OnCrash(["bad"]));
        Assert.Empty(quarantine.Quarantined);
    }

    [Theory]
    [InlineData(10, 3)]
    [InlineData(2, 2)] // quarantined before the restart budget runs out
    [InlineData(0, 0)] // max_restarts 0: the worker is never restarted, so nothing is quarantined
    public void TheThresholdNeverExceedsMaxRestarts(int maxRestarts, int threshold)
    {
        var quarantine = ComponentQuarantine.For(new RestartBackoff { MaxRestarts = maxRestarts });
        Assert.Equal(threshold, quarantine.Threshold);
        for (var i = 0; i < 5; i++) quarantine.OnCrash(["bad"]);
        Assert.Equal(threshold > 0, quarantine.Quarantined.Contains("bad"));
    }

    [Fact]
    public void SuspectsAreTheComponentsStillStartingElseOnesThatJustStarted()
    {
        var starts = new ComponentStarts();
        var now = Stopwatch.GetTimestamp();
        starts.Starting("clock");
        starts.Started("clock", now);
        starts.Starting("bad");
        Assert.Equal(["bad"], starts.SuspectsAt(now + Stopwatch.Frequency * 10));
        starts.Started("bad", now);
        // Nobody starting: whoever's start returned less than a second before the death.
        Assert.Equal(["bad", "clock"], starts.SuspectsAt(now + Stopwatch.Frequency / 2));
        Assert.Empty(starts.SuspectsAt(now + Stopwatch.Frequency * 2));
    }

    [Fact]
    public void RestartBudgetStartsOverAfterAQuarantine()
    {
        var budget = new RestartBudget(new RestartBackoff { InitialDelay = TimeSpan.FromSeconds(1), MaxRestarts = 3 });
        budget.OnDeath(TimeSpan.Zero);
        budget.OnDeath(TimeSpan.Zero);
        budget.StartOver();
        Assert.Equal(new RestartDecision(true, 1, TimeSpan.FromSeconds(1), false), budget.OnDeath(TimeSpan.Zero));
    }

    [Theory]
    [InlineData("\u001estopping container shutdown-on-any-component-failed", WorkerProtocol.Stopping, "container shutdown-on-any-component-failed")]
    [InlineData("\u001estopping", WorkerProtocol.Stopping, "")]
    [InlineData("\u001ecomponent-starting my component", WorkerProtocol.ComponentStarting, "my component")]
    [InlineData("\u001ecomponent-started x", WorkerProtocol.ComponentStarting, null)]
    [InlineData("\u001estoppingx", WorkerProtocol.Stopping, null)]
    public void ControlMessagesCarryTheirArgument(string line, string message, string? argument)
        => Assert.Equal(argument, WorkerProtocol.ArgumentOf(line, message));

    [Fact]
    public void TheWorkerIsLaunchedWithoutItsQuarantinedComponents()
    {
        var worker = new ContainerWorkerConfig { Id = "worker002" };
        var launch = WorkerLaunch.ForNative(worker, new NodeControllerOptions { NodeDir = "/n", ConfigFile = "/n/config.json" }, ["bad", "-odd"]);
        Assert.Equal(["--quarantine=bad", "--quarantine=-odd"], launch.StartInfo.ArgumentList.Where(a => a.StartsWith("--quarantine")));
    }

    [Fact]
    public void NativeWorkersGetTheRuntimeSettingsUnlessTheirEnvironmentSetsThem()
    {
        var options = new NodeControllerOptions { NodeDir = "/n", ConfigFile = "/n/config.json" };
        var router = WorkerLaunch.ForNative(new RouterWorkerConfig { Id = "r" }, options).StartInfo.Environment;
        Assert.Equal("1", router[WorkerRuntimeSettings.InlineSocketCompletions]);

        var container = WorkerLaunch.ForNative(new ContainerWorkerConfig { Id = "c" }, options).StartInfo.Environment;
        Assert.False(container.ContainsKey(WorkerRuntimeSettings.InlineSocketCompletions)); // component code never runs on socket threads
        Assert.Equal("1", router[WorkerRuntimeSettings.SingleCpuTieringDelayMultiplier]);
        Assert.Equal("1", container[WorkerRuntimeSettings.SingleCpuTieringDelayMultiplier]);

        var env = new ProcessEnvironment(true, [], new Dictionary<string, string> { [WorkerRuntimeSettings.InlineSocketCompletions] = "0" });
        var own = WorkerLaunch.ForNative(new RouterWorkerConfig { Id = "r", Env = env }, options).StartInfo.Environment;
        Assert.Equal("0", own[WorkerRuntimeSettings.InlineSocketCompletions]); // options.env.vars wins
    }
}
