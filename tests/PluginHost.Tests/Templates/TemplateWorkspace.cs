using System.Diagnostics;
using PluginHost.Tests.Support;

namespace PluginHost.Tests.Templates;

/// <summary>
/// A temporary folder holding PluginHost.Abstractions packed from this repository (a unique version, restored into a
/// private package folder, so nothing leaks into or comes stale from the user's NuGet cache; everything else is found
/// in that cache), the template installed into a private hive, and projects made from it. Deleted on dispose.
/// </summary>
public sealed class TemplateWorkspace : IDisposable
{
    public string Root { get; private set; }
    public string Version { get; } = $"0.1.0-t{DateTime.UtcNow:yyyyMMddHHmmss}{Environment.ProcessId}{Random.Shared.Next(1000)}";
    /// <summary>For every dotnet command in the workspace: the private package folder, no telemetry or banners.</summary>
    public Dictionary<string, string> Env { get; }
    /// <summary>Restore arguments: the user's NuGet cache as a fallback folder (offline).</summary>
    public string[] RestoreArgs { get; }
    public string UserCache { get; }

    private TemplateWorkspace()
    {
        Root = Directory.CreateTempSubdirectory("pluginhost-template-").FullName;
        UserCache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                    ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        Env = new Dictionary<string, string>
        {
            ["NUGET_PACKAGES"] = Path.Combine(Root, "nuget"),
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
        };
        RestoreArgs = [$"-p:RestoreAdditionalProjectFallbackFolders={UserCache}"];
    }

    /// <summary>Packs the abstractions into Root/packages and installs the template.</summary>
    public static async Task<TemplateWorkspace> CreateAsync()
    {
        var w = new TemplateWorkspace();
        try
        {
            await w.DotnetAsync(w.Root, "pack", Path.Combine(RepoPaths.Root, "abstractions", "PluginHost.Abstractions"),
                "-c", "Release", "-o", Path.Combine(w.Root, "packages"), $"-p:PackageVersion={w.Version}", "--nologo");
            await w.DotnetAsync(w.Root, "new", "install", Path.Combine(RepoPaths.Root, "templates", "pluginhost-component"),
                "--debug:custom-hive", Path.Combine(w.Root, "hive"));
        }
        catch
        {
            w.Dispose();
            throw;
        }
        return w;
    }

    /// <summary>`dotnet new pluginhost-component -n NAME` in Root/NAME, its package source given relative to the project.</summary>
    public async Task<string> NewComponentAsync(string name)
    {
        var dir = Path.Combine(Root, name);
        await DotnetAsync(Root, "new", "pluginhost-component", "-n", name, "-o", dir, "--packages", "../packages",
            "--abstractionsVersion", Version, "--debug:custom-hive", Path.Combine(Root, "hive"));
        return dir;
    }

    /// <summary>Moves the whole workspace (as a user moves a folder holding the clone and their projects).</summary>
    public void MoveTo(string newRoot)
    {
        Directory.Move(Root, newRoot);
        Root = newRoot;
        Env["NUGET_PACKAGES"] = Path.Combine(Root, "nuget");
    }

    public async Task<string> DotnetAsync(string dir, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in Env) psi.Environment[k] = v;
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

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
