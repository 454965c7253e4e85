using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using PluginHost.Node;
using PluginHost.Node.Config;
using PluginHost.Node.Logging;

namespace PluginHost.Cli;

/// <summary><c>start</c>: boot the node from its configuration and run until SIGINT/SIGTERM.</summary>
internal static class StartCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var cbdir = CliApp.CbdirOption();
        var config = CliApp.ConfigOption();
        var loglevel = new Option<string>("--loglevel") { Description = "Log level", DefaultValueFactory = _ => "info" };
        loglevel.AcceptOnlyFromAmong("none", "error", "warn", "info", "debug", "trace");
        var logformat = new Option<string>("--logformat") { Description = "Log line format", DefaultValueFactory = _ => "standard" };
        logformat.AcceptOnlyFromAmong("standard", "syslogd", "none");

        var command = new Command("start", "Start a node") { cbdir, config, loglevel, logformat };
        command.SetAction(async (result, _) =>
        {
            var level = CrossbarLogFormat.ParseLevel(result.GetValue(loglevel)!);
            using var provider = new CrossbarLoggerProvider(CrossbarLogFormat.ParseFormat(result.GetValue(logformat)!), level, stdout, stderr);
            using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(level).AddProvider(provider));
            var options = new Dictionary<string, string?>
            {
                ["cbdir"] = result.GetValue(cbdir), ["config"] = result.GetValue(config),
                ["loglevel"] = result.GetValue(loglevel), ["logformat"] = result.GetValue(logformat),
            };
            return await RunAsync(options, loggerFactory);
        });
        return command;
    }

    private static async Task<int> RunAsync(Dictionary<string, string?> options, ILoggerFactory loggerFactory)
    {
        var log = loggerFactory.CreateLogger("PluginHost.Node");
        log.LogInformation("PluginHost {Version} starting", CliApp.Version);
        log.LogInformation("Running on .NET {Runtime} ({Os})", Environment.Version, RuntimeInformation.OSDescription);

        var nodeDir = NodeDirectory.Resolve(options["cbdir"], Environment.GetEnvironmentVariable, Environment.CurrentDirectory);
        NodeConfig config;
        NodePidFile pidFile;
        try
        {
            // Crossbar creates a missing node directory: node.pid has to live somewhere.
            Directory.CreateDirectory(nodeDir);
            log.LogInformation("Starting from node directory {NodeDir}", nodeDir);
            var file = NodeDirectory.ResolveConfigFile(nodeDir, options["config"]);
            if (file is null)
            {
                log.LogInformation("No configuration file found in {NodeDir}; starting node without workers", nodeDir);
                config = NodeConfig.Empty;
            }
            else
            {
                log.LogInformation("Starting from local configuration '{File}'", file);
                config = ConfigLoader.LoadFile(file, nodeDir);
            }
            pidFile = NodePidFile.Acquire(nodeDir, Environment.GetCommandLineArgs(), options);
        }
        catch (ConfigException e)
        {
            log.LogError("Invalid node configuration: {Error}", e.Message);
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            log.LogError("{Error}", e.Message);
            return 1;
        }

        using var stop = new CancellationTokenSource();
        void OnSignal(PosixSignalContext ctx)
        {
            ctx.Cancel = true; // shut down gracefully instead of dying on the spot
            if (stop.IsCancellationRequested) return;
            log.LogInformation("Received {Signal}, shutting down node ..", ctx.Signal == PosixSignal.SIGINT ? "SIGINT" : "SIGTERM");
            stop.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        try
        {
            var exitCode = await new NodeRunner(loggerFactory).RunAsync(config, nodeDir, stop.Token);
            log.LogInformation("Node stopped (exit code {ExitCode})", exitCode);
            return exitCode;
        }
        finally
        {
            pidFile.Release();
        }
    }
}
