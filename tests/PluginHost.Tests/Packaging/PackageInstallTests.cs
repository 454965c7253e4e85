using System.IO.Compression;
using System.Text.RegularExpressions;
using PluginHost.Tests.Support;

namespace PluginHost.Tests.Packaging;

/// <summary>
/// Installing PluginHost as a .NET developer installs things, from a folder of packages made by `dotnet pack`
/// (<see cref="PackedFeed"/>): the `pluginhost` tool runs outside the repository with the samples it carries (init,
/// check, start serving com.timeservice.now, stop), a console project referencing PluginHost.Wamp calls that node
/// and an in-process router, and a project made by the packed template builds against the packed abstractions.
/// </summary>
public sealed class PackageInstallTests
{
    [Fact]
    public async Task ToolLibraryAndTemplateInstallFromAPackFolderAndWork()
    {
        using var feed = await PackedFeed.CreateAsync();
        foreach (var id in new[] { "PluginHost.Abstractions", "PluginHost.Wamp", "PluginHost.Cli", "PluginHost.Templates" })
            Assert.True(File.Exists(feed.Package(id)), $"{id} not packed: {string.Join(", ", Directory.GetFiles(feed.Feed))}");
        using (var wamp = ZipFile.OpenRead(feed.Package("PluginHost.Wamp")))
        {
            var entries = wamp.Entries.Select(e => e.FullName).ToList();
            Assert.Contains("lib/net10.0/PluginHost.Wamp.xml", entries);
            Assert.Contains("README.md", entries);
        }

        // The three uses are independent until the client calls the node: run them side by side.
        var client = BuildClientAsync(feed);
        var template = NewComponentBuildsAsync(feed);
        try
        {
            await UseToolAndClientAsync(feed, client);
            await template;
        }
        finally
        {
            // Whatever failed first, nothing keeps running into the deleted folder.
            await Task.WhenAll(client, template).ContinueWith(_ => { });
        }
    }

    private static async Task UseToolAndClientAsync(PackedFeed feed, Task<string> client)
    {
        var (tool, app) = await InstallToolAndInitAsync(feed);

        var port = NodeProcess.FreePort();
        var rawPort = NodeProcess.FreePort();
        var config = Path.Combine(app, ".crossbar", "config.json");
        await File.WriteAllTextAsync(config, (await File.ReadAllTextAsync(config)).Replace("8080", $"{port}").Replace("8081", $"{rawPort}"));

        // The sample class comes from the tool's own folder, not from this checkout.
        var check = await feed.RunAsync(tool, app, "check", "--cbdir", Path.Combine(app, ".crossbar"));
        var classFrom = Regex.Match(check, @"class from (\S+TimeService\.dll)");
        Assert.True(classFrom.Success, check);
        Assert.StartsWith(Path.GetDirectoryName(tool)!, classFrom.Groups[1].Value);

        await using var node = await BackgroundProcess.StartAsync(tool, ["start", "--cbdir", Path.Combine(app, ".crossbar")],
            "registered com.timeservice.now", TimeSpan.FromMinutes(1), workingDirectory: app);
        var clientDll = await client;
        var output = await feed.RunAsync("dotnet", app, clientDll, $"ws://127.0.0.1:{port}/ws");
        Assert.Matches(@"(?m)^now: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", output);
        Assert.Contains("in-process: 5", output);

        var stop = await feed.RunAsync(tool, app, "stop", "--cbdir", Path.Combine(app, ".crossbar"));
        Assert.Contains("Node stopped", stop);
        Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    /// <summary>`dotnet tool install --tool-path` from the feed; version and init run from a folder outside the repository.</summary>
    private static async Task<(string Tool, string App)> InstallToolAndInitAsync(PackedFeed feed)
    {
        var tools = Path.Combine(feed.Root, "tools");
        var install = await feed.UserDotnetAsync(feed.Root, "tool", "install", "--tool-path", tools, "PluginHost.Cli",
            "--version", feed.Version, "--add-source", feed.Feed);
        Assert.Contains("successfully installed", install);
        var tool = Path.Combine(tools, "pluginhost");

        Assert.Matches(@"^PluginHost \d+\.\d+\.\d+", await feed.RunAsync(tool, feed.Root, "version"));

        var app = Path.Combine(feed.Root, "myapp");
        var init = await feed.RunAsync(tool, feed.Root, "init", "--appdir", app);
        // Not on PATH here, so the command it suggests names the tool by its path (never `dotnet <dll>`).
        Assert.Contains($"start it with: {tool} start --cbdir", init);
        Assert.Contains($"{tool} start", await File.ReadAllTextAsync(Path.Combine(app, "README.md")));
        return (tool, app);
    }

    /// <summary>
    /// A console project referencing PluginHost.Wamp from the feed (a NuGet.config adding the feed to the usual
    /// sources), built; returns its DLL. It calls com.timeservice.now on the URL it is given, then registers and calls
    /// a procedure on a router in its own process, as the package README shows.
    /// </summary>
    private static async Task<string> BuildClientAsync(PackedFeed feed)
    {
        var dir = Path.Combine(feed.Root, "client");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="pluginhost-test-feed" value="{feed.Feed}" />
              </packageSources>
            </configuration>
            """);
        await File.WriteAllTextAsync(Path.Combine(dir, "Client.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="PluginHost.Wamp" Version="{feed.Version}" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(dir, "Program.cs"), """
            using PluginHost.Wamp.Client;
            using PluginHost.Wamp.Router;
            using PluginHost.Wamp.Serialization;
            using PluginHost.Wamp.Transport;

            var connection = await WampTransportConnector.ConnectWebSocketAsync(new Uri(args[0]), [WampSerializers.Cbor, WampSerializers.Json]);
            await using (var session = await WampSession.JoinAsync(connection, "realm1"))
            {
                var now = await session.CallAsync("com.timeservice.now");
                Console.WriteLine($"now: {now.Args[0]}");
            }

            await using var router = new WampRouter();
            router.AddRealm(new RealmConfig { Name = "realm1", Roles = [new RoleConfig { Name = "anonymous", AllowByDefault = true }] });
            await using var local = await WampSession.JoinAsync(router.ConnectInProcess(), "realm1");
            await local.RegisterAsync("com.example.add",
                (inv, _) => ValueTask.FromResult<WampResult?>(WampResult.Of(Convert.ToInt64(inv.Args[0]) + Convert.ToInt64(inv.Args[1]))));
            var sum = await local.CallAsync("com.example.add", [2, 3]);
            Console.WriteLine($"in-process: {sum.Args[0]}");
            """);
        await feed.UserDotnetAsync(dir, "build", "--nologo", "-v", "q");
        var dll = Path.Combine(dir, "bin", "Debug", "net10.0", "Client.dll");
        Assert.True(File.Exists(dll), $"{dll} not built");
        return dll;
    }

    /// <summary>`dotnet new install` of the template package, then a component from it builds against the feed's abstractions.</summary>
    private static async Task NewComponentBuildsAsync(PackedFeed feed)
    {
        var hive = Path.Combine(feed.Root, "hive");
        var install = await feed.UserDotnetAsync(feed.Root, "new", "install", feed.Package("PluginHost.Templates"), "--debug:custom-hive", hive);
        Assert.Contains("pluginhost-component", install);
        var dir = Path.Combine(feed.Root, "Acme.Packed");
        await feed.UserDotnetAsync(feed.Root, "new", "pluginhost-component", "-n", "Acme.Packed", "-o", dir,
            "--packages", feed.Feed, "--abstractionsVersion", feed.Version, "--debug:custom-hive", hive);
        await feed.UserDotnetAsync(dir, "build", Path.Combine("src", "Acme.Packed"), "--nologo", "-v", "q");
        var output = Path.Combine(dir, "src", "Acme.Packed", "bin", "Debug", "net10.0");
        Assert.True(File.Exists(Path.Combine(output, "Acme.Packed.dll")));
        Assert.False(File.Exists(Path.Combine(output, "PluginHost.Abstractions.dll")), "a plugin must not ship its own copy of the abstractions");
    }
}
