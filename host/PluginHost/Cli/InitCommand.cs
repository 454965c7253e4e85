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
                // A command that works from here: pluginhost is seldom on PATH (./pluginhost in the clone is the usual way).
                var nodeDir = Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(dir, ".crossbar"));
                stdout.WriteLine($"Application created in {dir}; start it with: {Invocation(relative: true)} start --cbdir {Quote(nodeDir)}");
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

    /// <summary>
    /// How to run this CLI: the repository's ./pluginhost script when started through it (it sets PLUGINHOST_SCRIPT),
    /// relative to the current directory or absolute; its own executable (the .NET tool's command) by name when PATH
    /// finds that very file, else by path; else dotnet and this DLL.
    /// </summary>
    internal static string Invocation(bool relative)
    {
        var script = Environment.GetEnvironmentVariable("PLUGINHOST_SCRIPT");
        if (string.IsNullOrEmpty(script) || !File.Exists(script))
        {
            // This program's own executable (an apphost named like the assembly), not dotnet or a test host.
            var exe = Environment.ProcessPath;
            if (exe is null || Path.GetFileNameWithoutExtension(exe) != typeof(InitCommand).Assembly.GetName().Name)
                return $"dotnet {Quote(typeof(InitCommand).Assembly.Location)}";
            return FoundOnPath(exe) ? Path.GetFileName(exe) : Quote(exe);
        }
        if (!relative) return Quote(script);
        var path = Path.GetRelativePath(Environment.CurrentDirectory, script);
        return Quote(path.StartsWith('.') || Path.IsPathRooted(path) ? path : "./" + path);
    }

    private static bool FoundOnPath(string exe)
    {
        var name = Path.GetFileName(exe);
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return Path.GetFullPath(candidate) == Path.GetFullPath(exe);
        }
        return false;
    }

    private static string Quote(string s) => s.Any(c => char.IsWhiteSpace(c) || "'\"$`\\".Contains(c)) ? $"'{s.Replace("'", "'\\''")}'" : s;

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
            if (resource == "init/README.md")
            {
                // The README's commands name this CLI by absolute path: they work from the app folder wherever it is.
                var text = new StreamReader(source).ReadToEnd().Replace("PLUGINHOST_CLI", Invocation(relative: false));
                using var writer = new StreamWriter(file);
                writer.Write(text);
            }
            else source.CopyTo(file);
            stdout.WriteLine($"created {path}");
        }
    }
}
