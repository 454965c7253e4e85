using System.Net;
using System.Text.RegularExpressions;
using PluginHost.Tests.Support;

namespace PluginHost.Tests.Transport;

/// <summary>
/// Issue 10, part 3, on a real node: a static directory holding `ln -s /etc etc-link` served /etc/passwd. Now a link
/// is served only when its target stays in the static directory or the node directory; options.follow_symlinks
/// admits more ("anywhere", or named directories) or nothing ("never"). Refusals are 404 with one log line per target.
/// </summary>
public sealed class StaticSymlinkTests : IAsyncLifetime
{
    private readonly string _outside = Directory.CreateTempSubdirectory("pluginhost-outside-").FullName;
    private NodeProcess _node = null!;
    private HttpClient _http = null!;

    private string Config => $$"""
    {
      "version": 2,
      "workers": [{
        "type": "router",
        "transports": [{
          "id": "web", "type": "web", "endpoint": { "type": "tcp", "port": 0, "interface": "127.0.0.1" },
          "paths": {
            "/": { "type": "static", "directory": "web", "options": { "enable_directory_listing": true } },
            "more": { "type": "static", "directory": "web", "options": { "follow_symlinks": [{{System.Text.Json.JsonSerializer.Serialize(_outside)}}] } },
            "any": { "type": "static", "directory": "web", "options": { "follow_symlinks": "anywhere" } },
            "never": { "type": "static", "directory": "web", "options": { "follow_symlinks": "never" } }
          }
        }]
      }]
    }
    """;

    public async Task InitializeAsync()
    {
        File.WriteAllText(Path.Combine(_outside, "secret.txt"), "outside the node");
        _node = await NodeProcess.StartAsync(Config, prepare: dir =>
        {
            var web = Directory.CreateDirectory(Path.Combine(dir, "web")).FullName;
            File.WriteAllText(Path.Combine(web, "real.html"), "<p>real</p>");
            Directory.CreateDirectory(Path.Combine(dir, "shared"));
            File.WriteAllText(Path.Combine(dir, "shared", "page.html"), "<p>shared</p>");
            Directory.CreateSymbolicLink(Path.Combine(web, "etc-link"), "/etc");                        // the report
            File.CreateSymbolicLink(Path.Combine(web, "passwd-link"), "/etc/passwd");                    // a file link out
            File.CreateSymbolicLink(Path.Combine(web, "inside.html"), "real.html");                     // inside the static dir
            File.CreateSymbolicLink(Path.Combine(web, "node.html"), "../shared/page.html");             // inside the node dir
            Directory.CreateSymbolicLink(Path.Combine(web, "outside-link"), _outside);                   // admitted by "more"
            Directory.CreateSymbolicLink(Path.Combine(web, "up-link"), "..");                            // the node dir itself
            File.CreateSymbolicLink(Path.Combine(web, "loop-a"), "loop-b");
            File.CreateSymbolicLink(Path.Combine(web, "loop-b"), "loop-a");
        });
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_node.Port("web")}/") };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _node.DisposeAsync();
        Directory.Delete(_outside, recursive: true);
    }

    private async Task<(HttpStatusCode Status, string Body)> Get(string path)
    {
        using var response = await _http.GetAsync(path);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private int LinesAbout(string target) => Regex.Count(_node.Log, $@"refused \S+ \(404\): it leads through a symbolic link to {Regex.Escape(target)},");

    [Fact]
    public async Task LinksOutOfTheTreeAre404WithOneLogLineAndLinksInsideAreServed()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await Get("etc-link/passwd")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Get("etc-link/passwd")).Status); // again: no second line
        Assert.Equal(HttpStatusCode.NotFound, (await Get("passwd-link")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Get("outside-link/secret.txt")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Get("loop-a")).Status);
        // The log is ordered: once the last refusal's line is there, the repeated request's line would be too.
        await _node.WaitForLineAsync(@"refused \S+ \(404\): it leads through a symbolic link to a symbolic link loop", timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(1, LinesAbout("/etc/passwd"));
        Assert.Contains(@"outside-link/secret.txt (404)", _node.Log);
        Assert.Contains("options.follow_symlinks can admit more", _node.Log);
        Assert.DoesNotContain("root:", (await Get("etc-link/passwd")).Body);

        Assert.Equal((HttpStatusCode.OK, "<p>real</p>"), await Get("inside.html"));
        Assert.Equal((HttpStatusCode.OK, "<p>shared</p>"), await Get("node.html"));
        Assert.Equal((HttpStatusCode.OK, "<p>shared</p>"), await Get("up-link/shared/page.html"));
        Assert.Equal((HttpStatusCode.OK, "<p>real</p>"), await Get("real.html"));

        // The listing shows what is served and nothing the policy refuses.
        var listing = (await Get("")).Body;
        Assert.Contains("inside.html", listing);
        Assert.DoesNotContain("etc-link", listing);
        Assert.DoesNotContain("passwd-link", listing);
        Assert.Equal(HttpStatusCode.NotFound, (await Get("etc-link/")).Status);
    }

    [Fact]
    public async Task TheExplicitOptionAdmitsMore()
    {
        Assert.Equal((HttpStatusCode.OK, "outside the node"), await Get("more/outside-link/secret.txt"));
        Assert.Equal(HttpStatusCode.NotFound, (await Get("more/etc-link/passwd")).Status); // only the named directory

        var passwd = await Get("any/etc-link/passwd");
        Assert.Equal(HttpStatusCode.OK, passwd.Status);
        Assert.Equal(await File.ReadAllTextAsync("/etc/passwd"), passwd.Body);
        Assert.Equal((HttpStatusCode.OK, "outside the node"), await Get("any/outside-link/secret.txt"));

        Assert.Equal(HttpStatusCode.NotFound, (await Get("never/inside.html")).Status);
        Assert.Equal((HttpStatusCode.OK, "<p>real</p>"), await Get("never/real.html"));
    }
}
