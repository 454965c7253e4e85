using System.CommandLine;
using System.Reflection;
using PluginHost.Node;

namespace PluginHost.Cli;

/// <summary>The <c>pluginhost</c> command line, shaped after Crossbar's: <c>version</c>, <c>init</c>, <c>start</c>, <c>stop</c>, <c>status</c>, <c>check</c>, <c>upgrade</c>; and <c>dev</c> (rebuild a component project on save).</summary>
public static class CliApp
{
    public static Task<int> RunAsync(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        var root = new RootCommand("PluginHost: a WAMP router node configured like Crossbar.io (.crossbar/config.json)")
        {
            VersionCommand(stdout),
            StartCommand.Create(stdout, stderr),
            CheckCommand.Create(stdout, stderr),
            InitCommand.Create(stdout, stderr),
            StopCommand.CreateStop(stdout, stderr),
            StopCommand.CreateStatus(stdout, stderr),
            UpgradeCommand.Create(stdout, stderr),
            WorkerCommand.Create(stdout, stderr),
            Dev.DevCommand.Create(stdout, stderr),
        };
        // The node handles SIGINT/SIGTERM itself (graceful GOODBYE); System.CommandLine's own handling would cut that short.
        var invocation = new InvocationConfiguration { Output = stdout, Error = stderr, ProcessTerminationTimeout = null };
        return root.Parse(args).InvokeAsync(invocation);
    }

    /// <summary>The product version without the source-revision suffix the SDK appends ("0.1.0+abc123").</summary>
    public static string Version
    {
        get
        {
            var v = typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
            return v.Split('+')[0];
        }
    }

    private static Command VersionCommand(TextWriter stdout)
    {
        var command = new Command("version", "Print the PluginHost and .NET runtime versions");
        command.SetAction(_ =>
        {
            stdout.WriteLine($"PluginHost {Version}");
            stdout.WriteLine($".NET {Environment.Version} ({System.Runtime.InteropServices.RuntimeInformation.OSDescription})");
            return 0;
        });
        return command;
    }

    internal static Option<string?> CbdirOption() => new("--cbdir")
    {
        Description = "Node directory (default: $CROSSBAR_DIR, else ./.crossbar if present, else the current directory)",
    };

    internal static Option<string?> ConfigOption() => new("--config")
    {
        Description = "Configuration file, relative to the node directory (default: config.json)",
    };
}
