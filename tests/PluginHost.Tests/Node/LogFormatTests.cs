using Microsoft.Extensions.Logging;
using PluginHost.Node.Logging;

namespace PluginHost.Tests.Node;

public class LogFormatTests
{
    private static readonly DateTimeOffset Time = new(2026, 11, 25, 18, 48, 7, TimeSpan.Zero);

    [Theory]
    [InlineData("Controller", 6152, "Controller   6152")]
    [InlineData("Router", 8168, "Router       8168")]
    [InlineData("Container", 1055065, "Container  1055065")]
    public void SystemFieldMatchesCrossbar(string label, int pid, string expected)
        => Assert.Equal(expected, CrossbarLogFormat.System(label, pid));

    [Fact]
    public void TimestampUsesCompactOffset()
    {
        Assert.Equal("2026-11-25T18:48:07+0000", CrossbarLogFormat.Timestamp(Time));
        Assert.Equal("2015-08-30T19:25:45+0200", CrossbarLogFormat.Timestamp(new DateTimeOffset(2015, 8, 30, 19, 25, 45, TimeSpan.FromHours(2))));
        Assert.Equal("2015-08-30T19:25:45-0530", CrossbarLogFormat.Timestamp(new DateTimeOffset(2015, 8, 30, 19, 25, 45, TimeSpan.FromMinutes(-330))));
    }

    [Fact]
    public void Layouts()
    {
        Assert.Equal("2026-11-25T18:48:07+0000 [Router       8168] hi", CrossbarLogFormat.Line(LogFormat.Standard, Time, "Router       8168", "hi"));
        Assert.Equal("[Router       8168] hi", CrossbarLogFormat.Line(LogFormat.Syslogd, Time, "Router       8168", "hi"));
        Assert.Equal("hi", CrossbarLogFormat.Line(LogFormat.None, Time, "Router       8168", "hi"));
    }

    [Fact]
    public void ProviderSplitsStreamsFiltersLevelsAndLabelsRouterCategories()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        using var provider = new CrossbarLoggerProvider(LogFormat.Standard, LogLevel.Information, stdout, stderr, () => Time);
        var pid = Environment.ProcessId;

        provider.CreateLogger("PluginHost.Node").LogInformation("Router '{Id}': realm '{Realm}' started", "worker001", "realm1");
        provider.CreateLogger("PluginHost.Wamp.Router.WampRouter").LogWarning("slow consumer");
        provider.CreateLogger("PluginHost.Node").LogDebug("hidden at info");

        Assert.Equal($"2026-11-25T18:48:07+0000 [{CrossbarLogFormat.System("Controller", pid)}] Router 'worker001': realm 'realm1' started{Environment.NewLine}", stdout.ToString());
        Assert.Equal($"2026-11-25T18:48:07+0000 [{CrossbarLogFormat.System("Router", pid)}] slow consumer{Environment.NewLine}", stderr.ToString());
    }

    [Theory]
    [InlineData("none", LogLevel.None)]
    [InlineData("error", LogLevel.Error)]
    [InlineData("warn", LogLevel.Warning)]
    [InlineData("info", LogLevel.Information)]
    [InlineData("debug", LogLevel.Debug)]
    [InlineData("trace", LogLevel.Trace)]
    public void LogLevelNames(string name, LogLevel level) => Assert.Equal(level, CrossbarLogFormat.ParseLevel(name));

    [Fact]
    public void AspNetCoreInfoIsQuietUnlessDebugging()
    {
        var info = new StringWriter();
        using (var provider = new CrossbarLoggerProvider(LogFormat.Standard, LogLevel.Information, info, info))
        {
            provider.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").LogInformation("Request starting");
            provider.CreateLogger("Microsoft.AspNetCore.Server.Kestrel").LogWarning("bad request");
        }
        Assert.DoesNotContain("Request starting", info.ToString());
        Assert.Contains("bad request", info.ToString());
        // Off at every level: enabled at all, hosting gives each request (each WebSocket session) an Activity and a scope.
        using (var provider = new CrossbarLoggerProvider(LogFormat.Standard, LogLevel.Information, info, info))
            Assert.False(provider.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Critical));

        var debug = new StringWriter();
        using (var provider = new CrossbarLoggerProvider(LogFormat.Standard, LogLevel.Debug, debug, debug))
            provider.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").LogInformation("Request starting");
        Assert.Contains("Request starting", debug.ToString());
    }

    [Fact]
    public void LevelNoneIsSilent()
    {
        var stdout = new StringWriter();
        using var provider = new CrossbarLoggerProvider(LogFormat.Standard, LogLevel.None, stdout, stdout);
        provider.CreateLogger("x").LogError("boom");
        Assert.Equal("", stdout.ToString());
    }
}
