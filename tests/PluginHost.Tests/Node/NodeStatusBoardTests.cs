using Microsoft.Extensions.Time.Testing;
using PluginHost.Node.Config;
using PluginHost.Node.Status;

namespace PluginHost.Tests.Node;

/// <summary>The controller's status board: readiness, restarts, reloads and discovered components, on a fake clock.</summary>
public class NodeStatusBoardTests
{
    private static readonly ComponentConfig Clock = new() { Id = "clock", Realm = "realm1", Type = "class", Classname = "timeservice.TimeService" };

    private static NodeStatusBoard Board(FakeTimeProvider time) => new(
        [new RouterWorkerConfig { Id = "r" }, new ContainerWorkerConfig { Id = "c", Components = [Clock] }, new ContainerWorkerConfig { Id = "off", Disabled = true }],
        time);

    [Fact]
    public void ReadyOnlyOnceBootedWithEveryWorkerRunningAndEveryConfiguredComponentJoined()
    {
        var board = Board(new FakeTimeProvider());
        Assert.Equal(["node is booting", "router 'r' is not started", "container 'c' is not started"], board.Current.NotReady);
        board.ProcessStarting("r", restart: false);
        board.ProcessReady("r", 10);
        board.ProcessStarting("c", restart: false);
        board.ProcessReady("c", 11);
        board.Booted();
        Assert.Equal(["component 'clock' of container 'c' is not started"], board.Current.NotReady);
        board.ComponentJoined("c", "clock", session: 5, generation: 1);
        Assert.True(board.Current.Ready); // the disabled worker does not count
        board.ComponentJoined("c", "found", session: 6, generation: 1); // discovered: shown, not waited for
        board.ComponentLeft("c", "found");
        Assert.True(board.Current.Ready);
        Assert.Equal(["clock", "found"], board.Current.Workers[1].Components.Select(c => c.Id));
        Assert.False(board.Current.Workers[1].Components[1].Configured);
    }

    [Fact]
    public void ARestartCountsAndStartsTheComponentsAfresh()
    {
        var board = Board(new FakeTimeProvider());
        NodeStatus? changed = null;
        board.Changed += s => changed = s;
        board.ProcessStarting("c", restart: false);
        board.ProcessReady("c", 11);
        board.ComponentJoined("c", "clock", 5, 1);
        board.ComponentJoined("c", "found", 6, 1);
        board.ProcessExited("c", "died: killed by signal 9", final: false, failed: true);
        var worker = board.Current.Workers[1];
        Assert.Equal((WorkerStates.Restarting, (int?)null, "died: killed by signal 9"), (worker.State, worker.Pid, worker.LastExit));
        Assert.Equal(ComponentStates.Disconnected, worker.Components[0].State);
        board.ProcessStarting("c", restart: true);
        worker = board.Current.Workers[1];
        Assert.Equal(1, worker.Restarts);
        Assert.Equal([("clock", ComponentStates.NotStarted)], worker.Components.Select(c => (c.Id, c.State))); // discovered ones come back when they join
        Assert.Same(board.Current, changed);
        board.ProcessExited("c", "cannot be restarted", final: true, failed: true);
        Assert.Equal(WorkerStates.Failed, board.Current.Workers[1].State);
    }

    [Fact]
    public void AComponentAddedAtRunTimeIsConfiguredFromThenOnAndSurvivesARestart()
    {
        var board = Board(new FakeTimeProvider());
        board.ProcessStarting("c", restart: false);
        board.ProcessReady("c", 11);
        board.Booted();
        board.ComponentJoined("c", "clock", 5, 1);
        board.ComponentJoined("c", "ticker", 7, 1); // joins before the controller keeps its configuration
        Assert.False(board.Current.Workers[1].Components[1].Configured);
        board.ComponentConfigured("c", new ComponentConfig { Id = "ticker", Realm = "realm1", Type = "class", Classname = "ticker.Ticker" });
        var ticker = board.Current.Workers[1].Components[1];
        Assert.Equal((true, "realm1", ComponentStates.Joined), (ticker.Configured, ticker.Realm, ticker.State));
        board.ProcessStarting("c", restart: true);
        Assert.Equal(["clock", "ticker"], board.Current.Workers[1].Components.Select(c => c.Id));
        board.ProcessReady("c", 12);
        Assert.Contains("component 'ticker' of container 'c' is not started", board.Current.NotReady);
    }

    [Fact]
    public void AJoinWithANewerGenerationIsAHotReload()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero));
        var board = Board(time);
        board.ComponentJoined("c", "clock", 5, 1);
        board.ComponentLeft("c", "clock");
        board.ComponentJoined("c", "clock", 7, 1); // a rejoin after a lost connection: same generation
        Assert.Equal(0, board.Current.Workers[1].Components[0].Reloads);
        time.Advance(TimeSpan.FromMinutes(1));
        board.ComponentJoined("c", "clock", 8, 2);
        var clock = board.Current.Workers[1].Components[0];
        Assert.Equal((1, 2, 8L, time.GetUtcNow()), (clock.Reloads, clock.Generation!.Value, clock.Session!.Value, clock.LastReload!.Value));
        board.ComponentStopped("c", "clock", failed: true);
        Assert.Equal(ComponentStates.Failed, board.Current.Workers[1].Components[0].State);
    }

    [Fact]
    public void TheJsonRoundTrips()
    {
        var board = Board(new FakeTimeProvider());
        board.ComponentJoined("c", "clock", 5, 1);
        var json = board.Current.ToJson();
        Assert.Contains("\"not_ready\":", json);
        var back = NodeStatus.FromJson(json)!;
        Assert.Equal(board.Current.NotReady, back.NotReady);
        Assert.Equal(5, back.Workers[1].Components[0].Session);
        Assert.Null(NodeStatus.FromJson("{not json"));
    }

    [Fact]
    public void CrossbarsEventsAreToldFromTwoStatuses()
    {
        var board = Board(new FakeTimeProvider());
        var statuses = new List<NodeStatus> { board.Current };
        board.Changed += statuses.Add;
        board.ProcessStarting("c", restart: false);
        board.ProcessReady("c", 11);
        board.ComponentJoined("c", "clock", 5, 1);
        board.Booted();
        board.ComponentJoined("c", "clock", 6, 2); // hot reload
        board.ComponentStopped("c", "clock", failed: false);
        var events = statuses.Zip(statuses.Skip(1), PluginHost.Node.Management.StatusEvents.Between).SelectMany(e => e)
            .Select(e => $"{e.Topic} {e.Payload.GetValueOrDefault("id")}{(e.Payload.GetValueOrDefault("state") is string state ? " " + state : "")}").ToList();
        Assert.Equal([
            "crossbar.on_container_starting c",
            "crossbar.on_container_started c",
            "crossbar.worker.c.container.on_component_start clock joined",
            "crossbar.on_ready ",
            "crossbar.worker.c.container.on_component_stop clock reloaded",
            "crossbar.worker.c.container.on_component_start clock joined",
            "crossbar.worker.c.container.on_component_stop clock stopped",
        ], events);
    }
}
