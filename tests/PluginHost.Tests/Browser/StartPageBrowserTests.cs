using Microsoft.Playwright;
using PluginHost.Tests.Support;
using Xunit.Abstractions;

namespace PluginHost.Tests.Browser;

/// <summary>
/// The getting-started walk in a real browser: Debian's chromium (driven by Microsoft.Playwright, which never
/// downloads a browser here) opens the default node's start page, sees com.timeservice.now tick, sees the offline
/// state while the node is down, and sees it recover when a node comes back on the same port. Screenshots are kept
/// in bin/.../artifacts/browser/.
/// </summary>
public class StartPageBrowserTests(ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";
    private const string IsTime = @"/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/";
    private static readonly float Timeout = 60_000;

    internal static string Artifacts
    {
        get
        {
            var dir = Path.Combine(AppContext.BaseDirectory, "artifacts", "browser");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    [Fact]
    public async Task StartPageShowsTheTimeGoesOfflineAndRecovers()
    {
        var (port, sample, onPorts) = DefaultNode();
        NodeProcess? node = await NodeProcess.StartSampleAsync(sample, onPorts);
        var profile = Directory.CreateTempSubdirectory("pluginhost-chromium-").FullName;
        try
        {
            Assert.Contains($"Open http://localhost:{port}/ in a browser", node.Log);
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await LaunchChromiumAsync(playwright, profile);
            var page = browser.Pages.Count > 0 ? browser.Pages[0] : await browser.NewPageAsync();
            page.Console += (_, m) => output.WriteLine($"console: {m.Text}");
            await page.GotoAsync($"http://localhost:{port}/");

            // Online: a time string that changes.
            var first = await WaitForTimeAsync(page, previous: null);
            var second = await WaitForTimeAsync(page, previous: first);
            Assert.NotEqual(first, second);
            Assert.Equal("online", await page.EvaluateAsync<string>("() => document.body.dataset.state"));
            await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "1-online.png") });

            // The node stops: the page says so.
            await node.DisposeAsync();
            node = null;
            await page.WaitForFunctionAsync("() => document.body.dataset.state === 'offline'", null, new() { Timeout = Timeout });
            Assert.Contains("unreachable", await page.TextContentAsync("#status"));
            await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "2-offline.png") });

            // A node on the same port: the page reconnects by itself (backoff) and the time ticks again.
            node = await NodeProcess.StartSampleAsync(sample, onPorts);
            var third = await WaitForTimeAsync(page, previous: second);
            await WaitForTimeAsync(page, previous: third);
            Assert.Equal("online", await page.EvaluateAsync<string>("() => document.body.dataset.state"));
            Assert.Equal("connected again", await page.TextContentAsync("#status"));
            await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, "3-recovered.png") });
            output.WriteLine($"screenshots in {Artifacts}");
        }
        finally
        {
            if (node is not null) await node.DisposeAsync();
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>A guide config (static "/" = the folder holding .crossbar, index.html a link to the default page) answers the page too.</summary>
    [Fact]
    public async Task GuideConfigPageShowsTheTime()
    {
        var port = NodeProcess.FreePort();
        var sample = Path.Combine(RepoPaths.Root, "config", "guide-router-component");
        await PageShowsTheTimeAsync(sample, port, c => c.Replace("8080", port.ToString()), "guide-router-component.png");
    }

    /// <summary>The walk a newcomer takes in an empty folder: <c>init</c>, then <c>start</c>, then the browser.</summary>
    [Fact]
    public async Task InitThenStartPageShowsTheTime()
    {
        var app = Directory.CreateTempSubdirectory("pluginhost-init-").FullName;
        try
        {
            Assert.Equal(0, await PluginHost.Cli.CliApp.RunAsync(["init", "--appdir", app], TextWriter.Null, TextWriter.Null));
            var (port, rawPort) = (NodeProcess.FreePort(), NodeProcess.FreePort());
            // init writes ports 8080/8081; free ones let tests run side by side. Nothing else is changed.
            await PageShowsTheTimeAsync(app, port, c => c.Replace("8080", port.ToString()).Replace("8081", rawPort.ToString()), "init-start.png");
        }
        finally
        {
            Directory.Delete(app, recursive: true);
        }
    }

    /// <summary>Chromium is there, Playwright will not download one, and the default node on free ports: its port, folder and port rewrite.</summary>
    internal static (int Port, string Sample, Func<string, string> OnPorts) DefaultNode()
    {
        RequireChromium();
        var port = NodeProcess.FreePort();
        var rawPort = NodeProcess.FreePort();
        return (port, Path.Combine(RepoPaths.Root, "config", "default"), c => c.Replace("8080", port.ToString()).Replace("8081", rawPort.ToString()));
    }

    private static void RequireChromium()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} missing: ./test.sh installs it (apt-get install chromium)");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    }

    private static async Task PageShowsTheTimeAsync(string appDir, int port, Func<string, string> onPorts, string screenshot)
    {
        RequireChromium();
        await using var node = await NodeProcess.StartSampleAsync(appDir, onPorts);
        var profile = Directory.CreateTempSubdirectory("pluginhost-chromium-").FullName;
        try
        {
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await LaunchChromiumAsync(playwright, profile);
            var page = browser.Pages.Count > 0 ? browser.Pages[0] : await browser.NewPageAsync();
            await page.GotoAsync($"http://localhost:{port}/");
            var first = await WaitForTimeAsync(page, previous: null);
            await WaitForTimeAsync(page, previous: first);
            await page.ScreenshotAsync(new() { Path = Path.Combine(Artifacts, screenshot) });
        }
        finally
        {
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Waits (driven by the page, no sleeps here) until #now shows a time different from <paramref name="previous"/>.</summary>
    private static async Task<string> WaitForTimeAsync(IPage page, string? previous)
    {
        await page.WaitForFunctionAsync(
            $"prev => {{ const t = document.getElementById('now').textContent; return {IsTime}.test(t) && t !== prev; }}",
            previous, new() { Timeout = Timeout });
        return (await page.TextContentAsync("#now"))!;
    }

    /// <summary>Debian's chromium, headless, with a fresh profile and no background traffic (the machine has no network).</summary>
    internal static Task<IBrowserContext> LaunchChromiumAsync(IPlaywright playwright, string profile)
        => playwright.Chromium.LaunchPersistentContextAsync(profile, new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run"],
            ViewportSize = new() { Width = 900, Height = 560 },
        });
}
