using System.Diagnostics;
using PluginHost.Tests.Support;

namespace PluginHost.Tests.Templates;

/// <summary>
/// The `dotnet new` template in templates/: installed from the repository path into a private template hive,
/// a new component project made from it builds and its tests pass against PluginHost.Abstractions packed from
/// this repository into a local folder (a unique version, restored into a private package folder, so nothing
/// leaks into or comes stale from the user's NuGet cache; everything else is found in that cache).
/// </summary>
public class ComponentTemplateTests
{
    [Fact]
    public async Task NewComponentBuildsAndItsTestsPass()
    {
        var work = Directory.CreateTempSubdirectory("pluginhost-template-").FullName;
        try
        {
            var packages = Path.Combine(work, "packages");
            var hive = Path.Combine(work, "hive");
            var version = $"0.1.0-t{DateTime.UtcNow:yyyyMMddHHmmss}{Environment.ProcessId}";
            var userCache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            var env = new Dictionary<string, string>
            {
                ["NUGET_PACKAGES"] = Path.Combine(work, "nuget"),
                ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
                ["DOTNET_NOLOGO"] = "1",
            };
            string[] restore = [$"-p:RestoreAdditionalProjectFallbackFolders={userCache}"];

            await Dotnet(work, env, "pack", Path.Combine(RepoPaths.Root, "abstractions", "PluginHost.Abstractions"),
                "-c", "Release", "-o", packages, $"-p:PackageVersion={version}", "--nologo");
            await Dotnet(work, env, "new", "install", Path.Combine(RepoPaths.Root, "templates", "pluginhost-component"),
                "--debug:custom-hive", hive);
            await Dotnet(work, env, "new", "pluginhost-component", "-n", "Acme.Clock", "-o", Path.Combine(work, "Acme.Clock"),
                "--packages", packages, "--abstractionsVersion", version, "--debug:custom-hive", hive);

            var app = Path.Combine(work, "Acme.Clock");
            Assert.True(File.Exists(Path.Combine(app, "src", "Acme.Clock", "Acme.Clock.csproj")));
            var test = await Dotnet(app, env, ["test", Path.Combine("tests", "Acme.Clock.Tests"), "--nologo", .. restore]);
            Assert.Contains("Passed!", test);
            Assert.True(File.Exists(Path.Combine(app, "src", "Acme.Clock", "bin", "Debug", "net10.0", "Acme.Clock.dll")));
            Assert.False(File.Exists(Path.Combine(app, "src", "Acme.Clock", "bin", "Debug", "net10.0", "PluginHost.Abstractions.dll")),
                "a plugin must not ship its own copy of the abstractions");
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task<string> Dotnet(string dir, IDictionary<string, string> env, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { p.Kill(entireProcessTree: true); throw new TimeoutException($"dotnet {string.Join(' ', args)} timed out"); }
        var output = await stdout + await stderr;
        Assert.True(p.ExitCode == 0, $"dotnet {string.Join(' ', args)} exited {p.ExitCode}:\n{output}");
        return output;
    }
}
