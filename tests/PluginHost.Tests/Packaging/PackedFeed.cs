using System.Diagnostics;
using System.Reflection;
using PluginHost.Tests.Support;

namespace PluginHost.Tests.Packaging;

/// <summary>
/// A temporary folder holding a package feed made by `dotnet pack` from this checkout: PluginHost.Abstractions,
/// PluginHost.Wamp and the PluginHost.Cli tool packed from the output this test run was built with (--no-build, so
/// the packages hold exactly the tested bits and nothing in the repository is rebuilt under other tests' feet), and
/// PluginHost.Templates. Every package gets a version unique to this run.
///
/// Commands run as a user's (<see cref="UserDotnetAsync"/>) restore into a private package folder with the user's
/// NuGet cache as a fallback: nothing is downloaded, nothing of this run lands in the user's cache, and no stale copy
/// of an earlier run is used. Build servers are off so nothing the test started outlives it. Deleted on dispose.
/// </summary>
public sealed class PackedFeed : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("pluginhost-pack-").FullName;
    public string Feed => Path.Combine(Root, "feed");
    public string Version { get; } = $"0.1.0-p{DateTime.UtcNow:yyyyMMddHHmmss}{Environment.ProcessId}{Random.Shared.Next(1000)}";

    /// <summary>The configuration this test assembly (and so the packed projects) was built in.</summary>
    public static string Configuration { get; } =
        typeof(PackedFeed).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    private static readonly Dictionary<string, string> NoBuildServers = new()
    {
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
        ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
        ["MSBUILDDISABLENODEREUSE"] = "1",
        ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
        ["UseSharedCompilation"] = "false",
    };

    private readonly Dictionary<string, string> _userEnv;

    private PackedFeed()
    {
        var userCache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        _userEnv = new Dictionary<string, string>(NoBuildServers)
        {
            ["NUGET_PACKAGES"] = Path.Combine(Root, "nuget"),
            ["RestoreAdditionalProjectFallbackFolders"] = userCache,
        };
    }

    /// <summary>Packs the four packages into <see cref="Feed"/>, side by side.</summary>
    public static async Task<PackedFeed> CreateAsync()
    {
        var feed = new PackedFeed();
        try
        {
            // Other tests' first ./pluginhost run may be building the same projects (same obj/): that build holds a
            // lock this waits for, and after it nothing rebuilds while the packs read the build output.
            await RunAsync(Path.Combine(RepoPaths.Root, "pluginhost"), ["version"], feed.Root, NoBuildServers, TimeSpan.FromMinutes(5));
            string[] common = ["-c", Configuration, "-o", feed.Feed, $"-p:PackageVersion={feed.Version}", "--nologo"];
            await Task.WhenAll(
                feed.PackAsync("abstractions/PluginHost.Abstractions", "abstractions", [.. common, "--no-build"]),
                feed.PackAsync("host/PluginHost.Wamp", "wamp", [.. common, "--no-build"]),
                // The tool package is its publish folder: a fresh one, so nothing stale is packed.
                feed.PackAsync("host/PluginHost", "cli", [.. common, "--no-build", $"-p:PublishDir={Path.Combine(feed.Root, "publish")}/"]),
                // Content only: built (restored) by the pack itself, in seconds.
                feed.PackAsync("templates/PluginHost.Templates.csproj", "templates", common));
        }
        catch
        {
            feed.Dispose();
            throw;
        }
        return feed;
    }

    public string Package(string id) => Path.Combine(Feed, $"{id}.{Version}.nupkg");

    private Task<string> PackAsync(string project, string name, string[] args)
        => RunAsync("dotnet", ["pack", Path.Combine(RepoPaths.Root, project), .. args,
            $"-p:NuspecOutputPath={Path.Combine(Root, "nuspec", name)}/"], Root, NoBuildServers, TimeSpan.FromMinutes(3));

    /// <summary>A dotnet command as the user runs it, in <paramref name="dir"/>; asserts exit code 0 and returns the output.</summary>
    public Task<string> UserDotnetAsync(string dir, params string[] args) => RunAsync("dotnet", args, dir, _userEnv, TimeSpan.FromMinutes(3));

    /// <summary>Any program (e.g. the installed tool), in <paramref name="dir"/>; asserts exit code 0 and returns the output.</summary>
    public Task<string> RunAsync(string fileName, string dir, params string[] args) => RunAsync(fileName, args, dir, _userEnv, TimeSpan.FromMinutes(2));

    private static async Task<string> RunAsync(string fileName, string[] args, string dir, IDictionary<string, string> env, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(fileName) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish within {timeout}");
        }
        var output = await stdout + await stderr;
        Assert.True(p.ExitCode == 0, $"{fileName} {string.Join(' ', args)} exited {p.ExitCode}:\n{output}");
        return output;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
