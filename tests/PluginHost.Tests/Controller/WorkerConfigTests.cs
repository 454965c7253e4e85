using PluginHost.Node.Config;
using PluginHost.Node.Workers;
using static PluginHost.Tests.Node.ConfigTestData;

namespace PluginHost.Tests.Controller;

/// <summary>Worker options the controller acts on: guest stdio/env/watch, native options, restart backoff, container policies.</summary>
public class WorkerConfigTests
{
    private static GuestWorkerConfig Guest(string options, string? nodeDir = null)
        => Assert.IsType<GuestWorkerConfig>(Parse($$$"""{"version": 2, "workers": [{"type": "guest", "executable": "sh", "options": {{{options}}}}]}""", nodeDir: nodeDir).Workers[0]);

    [Fact]
    public void GuestDefaults()
    {
        var g = Guest("{}");
        Assert.Equal(GuestStdin.Close, g.Stdin);
        Assert.Equal((GuestOutput.Log, GuestOutput.Log), (g.Stdout, g.Stderr));
        Assert.True(g.Env.InheritAll);
        Assert.EndsWith("/sh", g.ExecutablePath);
        Assert.Null(g.Watch);
    }

    [Fact]
    public void GuestStdinJsonAndOutputModes()
    {
        var g = Guest("""{"stdin": {"type": "json", "value": {"a": [1]}, "close": false}, "stdout": "drop", "stderr": "close"}""");
        Assert.Equal(new GuestStdin("""{"a": [1]}""", false), g.Stdin);
        Assert.Equal((GuestOutput.Drop, GuestOutput.Close), (g.Stdout, g.Stderr));
    }

    [Theory]
    [InlineData("""{"stdin": "open"}""", "workers[0].options.stdin")]
    [InlineData("""{"stdin": {"type": "msgpack", "value": 1}}""", "workers[0].options.stdin.type")]
    [InlineData("""{"stdout": "file"}""", "workers[0].options.stdout")]
    [InlineData("""{"env": {"inherit": "yes"}}""", "workers[0].options.env.inherit")]
    [InlineData("""{"env": {"vars": {"A": 1}}}""", "workers[0].options.env.vars.A")]
    [InlineData("""{"watch": {"directories": ["no-such-dir"], "action": "restart"}}""", "workers[0].options.watch.directories[0]")]
    [InlineData("""{"watch": {"directories": ["."], "action": "reload"}}""", "workers[0].options.watch.action")]
    [InlineData("""{"restart_backoff": {"initial_delay": 5, "max_delay": 1}}""", "workers[0].options.restart_backoff.max_delay")]
    [InlineData("""{"restart_backoff": {"max_restarts": -1}}""", "workers[0].options.restart_backoff.max_restarts")]
    public void BadGuestOptionsNameTheirPath(string options, string path)
        => Assert.Equal(path, Fail($$$"""{"version": 2, "workers": [{"type": "guest", "executable": "sh", "options": {{{options}}}}]}""").Path);

    [Fact]
    public void GuestExecutableIsLookedUpInWorkdirFirst()
    {
        var dir = Directory.CreateTempSubdirectory("pluginhost-guest-").FullName;
        try
        {
            var script = Path.Combine(dir, "run.sh");
            File.WriteAllText(script, "#!/bin/sh\n");
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            var g = Assert.IsType<GuestWorkerConfig>(Parse("""{"version": 2, "workers": [{"type": "guest", "executable": "run.sh"}]}""", nodeDir: dir).Workers[0]);
            Assert.Equal(script, g.ExecutablePath);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void EnvironmentInheritListAndVars()
    {
        var g = Guest("""{"env": {"inherit": ["KEEP"], "vars": {"SET": "1"}}}""");
        var env = new Dictionary<string, string?> { ["KEEP"] = "k", ["DROP"] = "d" };
        g.Env.ApplyTo(env);
        Assert.Equal(new Dictionary<string, string?> { ["KEEP"] = "k", ["SET"] = "1" }, env);
    }

    [Fact]
    public void NativeOptions()
    {
        var router = Parse("""
            {"version": 2, "workers": [{"type": "router", "options": {"title": "edge", "cpu_affinity": [0, 1], "pythonpath": [".."],
              "env": {"inherit": false}, "restart_backoff": {"initial_delay": 0.5, "max_delay": 4, "max_restarts": 2}}}]}
            """, nodeDir: "/srv/app/.crossbar").FirstRouter();
        Assert.Equal("edge", router.Title);
        Assert.Equal([0, 1], router.CpuAffinity);
        Assert.Equal(["/srv/app"], router.PluginDirs);
        Assert.False(router.Env.InheritAll);
        Assert.Equal(new RestartBackoff { InitialDelay = TimeSpan.FromSeconds(0.5), MaxDelay = TimeSpan.FromSeconds(4), MaxRestarts = 2 }, router.RestartBackoff);
    }

    [Theory]
    [InlineData(ContainerShutdown.Manual, ContainerRestart.Never, true, 0, ContainerPolicy.Action.None)]
    [InlineData(ContainerShutdown.Manual, ContainerRestart.Always, false, 1, ContainerPolicy.Action.Restart)]
    [InlineData(ContainerShutdown.Manual, ContainerRestart.OnFailed, false, 1, ContainerPolicy.Action.None)]
    [InlineData(ContainerShutdown.Manual, ContainerRestart.OnFailed, true, 1, ContainerPolicy.Action.Restart)]
    [InlineData(ContainerShutdown.OnAnyComponentFailed, ContainerRestart.Never, true, 3, ContainerPolicy.Action.Shutdown)]
    [InlineData(ContainerShutdown.OnAnyComponentFailed, ContainerRestart.Never, false, 3, ContainerPolicy.Action.None)]
    [InlineData(ContainerShutdown.OnAnyComponentStopped, ContainerRestart.Never, false, 3, ContainerPolicy.Action.Shutdown)]
    [InlineData(ContainerShutdown.OnLastComponentStopped, ContainerRestart.OnFailed, true, 1, ContainerPolicy.Action.Restart)]
    [InlineData(ContainerShutdown.OnLastComponentStopped, ContainerRestart.OnFailed, true, 0, ContainerPolicy.Action.Shutdown)]
    public void ContainerPolicyFollowsCrossbar(ContainerShutdown shutdown, ContainerRestart restart, bool failed, int remaining, ContainerPolicy.Action expected)
        => Assert.Equal(expected, ContainerPolicy.Decide(shutdown, restart, failed, remaining));

    [Fact]
    public void ContainerModesAreParsed()
    {
        var c = Assert.IsType<ContainerWorkerConfig>(Parse("""
            {"version": 2, "workers": [{"type": "container", "options": {"shutdown": "shutdown-on-last-component-stopped", "restart": "restart-on-failed"}}]}
            """).Workers[0]);
        Assert.Equal((ContainerShutdown.OnLastComponentStopped, ContainerRestart.OnFailed), (c.Shutdown, c.Restart));
    }
}
