using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using PluginHost.Node;
using PluginHost.Node.Config;

namespace PluginHost.Cli;

/// <summary><c>upgrade</c>: rewrite an old (version 1) config.json to version 2 in place, keeping the original as <c>.v1.bak</c>.</summary>
internal static class UpgradeCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var cbdir = CliApp.CbdirOption();
        var config = CliApp.ConfigOption();
        var command = new Command("upgrade", "Upgrade a node configuration to version 2") { cbdir, config };
        command.SetAction(result =>
        {
            var nodeDir = NodeDirectory.Resolve(result.GetValue(cbdir), Environment.GetEnvironmentVariable, Environment.CurrentDirectory);
            try
            {
                var file = NodeDirectory.ResolveConfigFile(nodeDir, result.GetValue(config))
                           ?? throw new FileNotFoundException($"no configuration file in {nodeDir}");
                if (!file.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) throw new IOException($"only JSON configs can be upgraded: {file}");
                var root = JsonNode.Parse(File.ReadAllText(file), documentOptions: new JsonDocumentOptions
                               { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                           ?? throw new ConfigException("", "expected an object at the top level");
                if (ConfigUpgrade.Upgrade(root) is not { } upgraded)
                {
                    stdout.WriteLine($"'{file}' is version 2 already; nothing to do");
                    return 0;
                }
                var text = ConfigUpgrade.Serialize(upgraded);
                ConfigLoader.Parse(text, nodeDir); // never write a config that would not start
                var backup = file + ".v1.bak";
                if (!File.Exists(backup)) File.Copy(file, backup);
                File.WriteAllText(file, text);
                stdout.WriteLine($"Upgraded '{file}' to version 2 (the original is in {backup})");
                return 0;
            }
            catch (ConfigException e)
            {
                stderr.WriteLine($"Invalid node configuration: {e.Report}");
                return 1;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
            {
                stderr.WriteLine($"upgrade failed: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
