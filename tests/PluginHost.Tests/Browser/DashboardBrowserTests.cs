using Microsoft.Playwright;
using PluginHost.Tests.Support;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Serialization;
using PluginHost.Wamp.Transport;
using Xunit.Abstractions;

namespace PluginHost.Tests.Browser;

/// <summary>
/// The node's live page in a real browser (Debian's chromium through Microsoft.Playwright): the default node with a
/// "dashboard" web path shows its workers and components, a call rate that rises while a client calls the time service,
/// says so when the node goes away, and recovers when it is back. Screenshots are kept in bin/.../artifacts/browser/.
/// </summary>
public class DashboardBrowserTests(ITestOutputHelper output)
{
    private static readonly float Timeout = 60_000;

    [Fact]
    public async Task TheDashboardShowsWorkersAndARisingCallRateAndSurvivesANodeRestart()
    {
        var (port, sample, onPorts) = StartPageBrowserTests.DefaultNode();
        NodeProcess? node = await NodeProcess.StartSampleAsync(sample, onPorts);
        var profile = Directory.CreateTempSubdirectory("pluginhost-chromium-").FullName;
        try
        {
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await StartPageBrowserTests.LaunchChromiumAsync(playwright, profile);
            var page = browser.Pages.Count > 0 ? browser.Pages[0] : await browser.NewPageAsync();
            page.Console += (_, m) => output.WriteLine($"console: {m.Text}");
            await page.GotoAsync($"http://localhost:{port}/dashboard");

            // The workers and the time service, as the controller sees them.
            await page.WaitForFunctionAsync("() => document.querySelectorAll('#workers tr[data-worker]').length === 2", null, new() { Timeout = Timeout });
            await page.WaitForFunctionAsync("() => document.querySelector('#components tr[data-component=\"component001\"] .state-joined') !== null", null, new() { Timeout = Timeout });
            Assert.Equal("ready", await page.TextContentAsync("#ready"));
            Assert.Equal(["worker001", "worker002"], await page.EvalOnSelectorAllAsync<string[]>("#workers tr", "rows => rows.map(r => r.dataset.worker)"));
            await page.ScreenshotAsync(new() { Path = Path.Combine(StartPageBrowserTests.Artifacts, "dashboard-1-idle.png") });

            // A load: the call rate the page plots rises above zero while it runs.
            using var load = new CancellationTokenSource();
            var caller = Task.Run(async () =>
            {
                var connection = await WampTransportConnector.ConnectWebSocketAsync(new Uri($"ws://127.0.0.1:{port}/ws"), [WampSerializers.Json]);
                await using var session = await WampSession.JoinAsync(connection, "realm1");
                while (!load.IsCancellationRequested) await session.CallAsync("com.timeservice.now");
            });
            await page.WaitForFunctionAsync("() => Number(document.getElementById('calls-rate').textContent) > 50", null, new() { Timeout = Timeout });
            await page.ScreenshotAsync(new() { Path = Path.Combine(StartPageBrowserTests.Artifacts, "dashboard-2-load.png") });
            await load.CancelAsync();
            await caller;

            // The node goes away: the page says so; a node on the same port: it recovers by itself.
            await node.DisposeAsync();
            node = null;
            await page.WaitForFunctionAsync("() => document.body.dataset.state === 'offline'", null, new() { Timeout = Timeout });
            Assert.Contains("unreachable", await page.TextContentAsync("#status"));
            await page.ScreenshotAsync(new() { Path = Path.Combine(StartPageBrowserTests.Artifacts, "dashboard-3-offline.png") });
            node = await NodeProcess.StartSampleAsync(sample, onPorts);
            await page.WaitForFunctionAsync("() => document.body.dataset.state === 'online' && document.querySelectorAll('#workers tr[data-worker]').length === 2",
                null, new() { Timeout = Timeout });
            output.WriteLine($"screenshots in {StartPageBrowserTests.Artifacts}");
        }
        finally
        {
            if (node is not null) await node.DisposeAsync();
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { }
        }
    }
}
