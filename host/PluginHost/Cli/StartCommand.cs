using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using PluginHost.Node;
using PluginHost.Node.Config;
using PluginHost.Node.Controller;
using PluginHost.Node.Logging;

namespace PluginHost.Cli;

/// <summary><c>start</c>: boot the node from its configuration and run until SIGINT/SIGTERM or <c>stop</c>.</summary>
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
        var logtofile = new Option<bool>("--logtofile") { Description = "Write the log to node.log instead of stdout/stderr" };
        var logdir = new Option<string?>("--logdir") { Description = "Directory for node.log (default: the node directory)" };

        var command = new Command("start", "Start a node") { cbdir, config, loglevel, logformat, logtofile, logdir };
        command.SetAction(async (result, _) =>
        {
            var nodeDir = NodeDirectory.Resolve(result.GetValue(cbdir), Environment.GetEnvironmentVariable, Environment.CurrentDirectory);
            var levelName = result.GetValue(loglevel)!;
            var level = CrossbarLogFormat.ParseLevel(levelName);
            using var logFile = result.GetValue(logtofile) ? OpenLogFile(result.GetValue(logdir) ?? nodeDir, stderr) : null;
            if (result.GetValue(logtofile) && logFile is null) return 1;
            using var provider = new CrossbarLoggerProvider(CrossbarLogFormat.ParseFormat(result.GetValue(logformat)!), level,
                logFile ?? stdout, logFile ?? stderr);
            using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(level).AddProvider(provider));
            var options = new Dictionary<string, string?>
            {
                ["cbdir"] = result.GetValue(cbdir), ["config"] = result.GetValue(config),
                ["loglevel"] = levelName, ["logformat"] = result.GetValue(logformat),
            };
            return await RunAsync(nodeDir, options, loggerFactory, provider);
        });
        return command;
    }

    private static TextWriter? OpenLogFile(string dir, TextWriter stderr)
    {
        try
        {
            Directory.CreateDirectory(dir);
            var stream = new FileStream(Path.Combine(dir, "node.log"), FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            return TextWriter.Synchronized(new StreamWriter(stream) { AutoFlush = true });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"cannot open log file in {dir}: {e.Message}");
            return null;
        }
    }

    private static async Task<int> RunAsync(string nodeDir, Dictionary<string, string?> options, ILoggerFactory loggerFactory, CrossbarLoggerProvider provider)
    {
        var log = loggerFactory.CreateLogger("PluginHost.Node");
        log.LogInformation("PluginHost {Version} starting", CliApp.Version);
        log.LogInformation("Running on .NET {Runtime} ({Os})", Environment.Version, RuntimeInformation.OSDescription);

        NodeConfig config;
        NodePidFile pidFile;
        string? file;
        try
        {
            // Crossbar creates a missing node directory: node.pid has to live somewhere.
            Directory.CreateDirectory(nodeDir);
            log.LogInformation("Starting from node directory {NodeDir}", nodeDir);
            file = NodeDirectory.ResolveConfigFile(nodeDir, options["config"]);
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
            log.LogError("Invalid node configuration: {Error}", e.Report);
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
            var controllerOptions = new NodeControllerOptions { NodeDir = nodeDir, ConfigFile = file ?? "", LogLevel = options["loglevel"]!, KeepStatusFile = true };
            var exitCode = await new NodeController(controllerOptions, loggerFactory, provider.WriteRelayed).RunAsync(config, stop.Token);
            log.LogInformation("Node stopped (exit code {ExitCode})", exitCode);
            return exitCode;
        }
        finally
        {
            pidFile.Release();
        }
    }
}
