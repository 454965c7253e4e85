using System.CommandLine;

namespace PluginHost.Cli;

/// <summary>
/// <c>init [--appdir DIR]</c>: a runnable application skeleton (config, start page, plugins folder, README).
/// Existing files are never overwritten; each is reported as kept.
/// </summary>
internal static class InitCommand
{
    /// <summary>Template resource name → path below the application directory.</summary>
    private static readonly (string Resource, string Target)[] Files =
    [
        ("init/config.json", Path.Combine(".crossbar", "config.json")),
        ("init/index.html", Path.Combine("web", "index.html")),
        ("init/README.md", "README.md"),
    ];

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var appdir = new Option<string>("--appdir") { Description = "Application directory (default: the current directory)", DefaultValueFactory = _ => "." };
        var command = new Command("init", "Create a new application: .crossbar/config.json, web/, plugins/, README.md") { appdir };
        command.SetAction(result =>
        {
            var dir = Path.GetFullPath(result.GetValue(appdir)!);
            try
            {
                Run(dir, stdout);
                stdout.WriteLine($"Application created in {dir}; start it with: pluginhost start --cbdir {Path.Combine(dir, ".crossbar")}");
                return 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"init failed: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    internal static void Run(string dir, TextWriter stdout)
    {
        Directory.CreateDirectory(Path.Combine(dir, "plugins"));
        foreach (var (resource, target) in Files)
        {
            var path = Path.Combine(dir, target);
            if (File.Exists(path))
            {
                stdout.WriteLine($"kept existing {path}");
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var source = typeof(InitCommand).Assembly.GetManifestResourceStream(resource)
                               ?? throw new IOException($"template {resource} missing from this build");
            using var file = new FileStream(path, FileMode.CreateNew);
            source.CopyTo(file);
            stdout.WriteLine($"created {path}");
        }
    }
}
