using System.CommandLine;
using PluginHost.Node;
using PluginHost.Node.Config;

namespace PluginHost.Cli;

/// <summary><c>check</c>: validate the configuration and print what <c>start</c> would run. Exit 0 valid, 1 invalid.</summary>
internal static class CheckCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var cbdir = CliApp.CbdirOption();
        var config = CliApp.ConfigOption();
        var command = new Command("check", "Check a node configuration and show what would start") { cbdir, config };
        command.SetAction(result =>
        {
            var nodeDir = NodeDirectory.Resolve(result.GetValue(cbdir), Environment.GetEnvironmentVariable, Environment.CurrentDirectory);
            try
            {
                var file = NodeDirectory.ResolveConfigFile(nodeDir, result.GetValue(config));
                stdout.WriteLine($"Node directory: {nodeDir}");
                if (file is null)
                {
                    stdout.WriteLine("No configuration file (config.json); the node would start without workers.");
                    return 0;
                }
                var node = ConfigLoader.LoadFile(file, nodeDir);
                stdout.WriteLine($"Configuration '{file}' is valid (version {node.Version}{(node.Version == 1 ? ", the old form without \"version\"" : "")}).");
                var problems = CheckReport.Write(node, nodeDir, stdout);
                foreach (var warning in node.Warnings) stderr.WriteLine($"warning: {warning}");
                // The configuration is valid; a component that cannot be found fails alone at start
                // (the rest of the node runs), so it is a warning here too, not a failed check.
                foreach (var problem in problems) stderr.WriteLine($"warning: {problem}");
                return 0;
            }
            catch (ConfigException e)
            {
                stderr.WriteLine($"Invalid node configuration: {e.Report}");
                return 1;
            }
            catch (IOException e)
            {
                stderr.WriteLine(e.Message);
                return 1;
            }
        });
        return command;
    }
}
