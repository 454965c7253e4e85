using System.CommandLine;
using System.Runtime.InteropServices;
using PluginHost.Components;
using PluginHost.Node;

namespace PluginHost.Cli.Dev;

/// <summary>
/// <c>dev --project DIR</c>: rebuild a component project into the node's plugin folder on every save, so the
/// running node hot-reloads it (see <see cref="DevLoop"/>).
/// </summary>
internal static class DevCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var project = new Option<string>("--project") { Description = "Component project: its folder or .csproj (default: the current directory)", DefaultValueFactory = _ => "." };
        var cbdir = CliApp.CbdirOption();
        var output = new Option<string?>("--out")
        {
            Description = "Plugin folder to build into (default: <plugins>/<project name> of the node directory's plugin folder)",
        };
        var configuration = new Option<string>("--configuration", "-c") { Description = "Build configuration", DefaultValueFactory = _ => "Debug" };
        var once = new Option<bool>("--once") { Description = "Build once and exit (exit code 1 when the build fails)" };
        var command = new Command("dev", "Watch a component project and rebuild it into the node's plugins on save (the node hot-reloads it)")
        {
            project, cbdir, output, configuration, once,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, _) =>
        {
            if (ResolveProject(Path.GetFullPath(result.GetValue(project)!)) is not { } file)
            {
                stderr.WriteLine($"No single .csproj in {Path.GetFullPath(result.GetValue(project)!)}: name the project folder or file with --project");
                return 1;
            }
            var name = Path.GetFileNameWithoutExtension(file);
            var nodeDir = NodeDirectory.Resolve(result.GetValue(cbdir), Environment.GetEnvironmentVariable, Environment.CurrentDirectory);
            var options = new DevLoopOptions
            {
                ProjectFile = file,
                ProjectDir = Path.GetDirectoryName(file)!,
                AssemblyName = name,
                OutputDir = Path.GetFullPath(result.GetValue(output) ?? Path.Combine(PluginFolder(nodeDir), name)),
                Configuration = result.GetValue(configuration)!,
                BuildArgs = result.UnmatchedTokens.ToList(),
                Once = result.GetValue(once),
            };
            using var stop = new CancellationTokenSource();
            void OnSignal(PosixSignalContext ctx)
            {
                ctx.Cancel = true;
                stop.Cancel();
            }
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            return await new DevLoop(options, stdout, stderr).RunAsync(stop.Token);
        });
        return command;
    }

    /// <summary>A .csproj file as given, or the only one in a folder; null when there is none or several.</summary>
    internal static string? ResolveProject(string path)
    {
        if (File.Exists(path)) return path.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase) ? path : null;
        if (!Directory.Exists(path)) return null;
        var found = Directory.GetFiles(path, "*.csproj");
        return found.Length == 1 ? found[0] : null;
    }

    /// <summary>
    /// The node's first plugin folder that exists, in the order the node searches them (so the build lands where the
    /// running component was found); with none yet, the one <c>init</c> makes: beside .crossbar/, else inside the node directory.
    /// </summary>
    internal static string PluginFolder(string nodeDir)
    {
        var folders = PluginLocator.SearchFolders(nodeDir, []);
        return folders.FirstOrDefault(Directory.Exists)
               ?? (Path.GetFileName(Path.TrimEndingDirectorySeparator(nodeDir)) == ".crossbar" ? folders[0] : folders[1]);
    }
}
