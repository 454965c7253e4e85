using PluginHost.Tests.Support;

namespace PluginHost.Tests.Interop;

/// <summary>Runs one of the peer scripts in tests/interop (they print PASS/FAIL per scenario) and asserts it passed.</summary>
internal static class ScenarioScript
{
    public static async Task AssertPassesAsync(InteropNodeFixture fixture, string program, string script, params string[] arguments)
    {
        var path = Path.Combine(RepoPaths.InteropDir, script);
        var outcome = await ExternalProcess.RunAsync(program, [path, .. arguments], TimeSpan.FromMinutes(3));
        Assert.False(outcome.TimedOut, $"{script} timed out:\n{outcome.Output}");
        Assert.True(outcome.ExitCode == 0,
            $"{script} {string.Join(' ', arguments)} failed (exit {outcome.ExitCode}):\n{outcome.Output}\n--- node log ---\n{fixture.Node.Log}");
        Assert.Contains("PASS rpc", outcome.Output);
    }
}
