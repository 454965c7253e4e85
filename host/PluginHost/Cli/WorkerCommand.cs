using System.CommandLine;
using Microsoft.Extensions.Logging;
using PluginHost.Node.Logging;
using PluginHost.Node.Workers;

namespace PluginHost.Cli;

/// <summary>The hidden <c>worker</c> verb the controller starts native workers with (Crossbar's <c>_exec_worker</c>); see <see cref="WorkerProtocol"/>.</summary>
internal static class WorkerCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var type = new Option<string>("--type") { Required = true };
        type.AcceptOnlyFromAmong("router", "container");
        var id = new Option<string>("--id") { Required = true };
        var cbdir = new Option<string>("--cbdir") { Required = true };
        var config = new Option<string>("--config") { Required = true };
        var loglevel = new Option<string>("--loglevel") { DefaultValueFactory = _ => "info" };
        var quarantine = new Option<string[]>(WorkerProtocol.QuarantineOption) { Description = "A component not to start (repeatable)" };
        var fromController = new Option<bool>(WorkerProtocol.ConfigFromControllerOption) { Description = "Take the configuration from the controller (stdin), not from --config" };
        var hold = new Option<bool>(WorkerProtocol.HoldOption) { Description = "Wait for the controller's go (stdin) before reporting ready" };
        var command = new Command(WorkerProtocol.VerbName, "Run one native worker (started by the controller)")
        {
            type, id, cbdir, config, loglevel, quarantine, fromController, hold,
        };
        command.Hidden = true;
        command.SetAction(async (result, _) =>
        {
            var level = CrossbarLogFormat.ParseLevel(result.GetValue(loglevel)!);
            // Bare lines: the controller adds time and [Router  PID]; the stream carries the level (stdout info, stderr warnings).
            using var provider = new CrossbarLoggerProvider(LogFormat.None, level, stdout, stderr);
            using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(level).AddProvider(provider));
            return await new WorkerHost(loggerFactory, stdout).RunAsync(
                result.GetValue(type)!, result.GetValue(id)!, result.GetValue(cbdir)!, result.GetValue(config)!,
                result.GetValue(quarantine) ?? [], result.GetValue(fromController), result.GetValue(hold));
        });
        return command;
    }
}
