using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using PluginHost.Node.Config;

namespace PluginHost.Node.Workers;

/// <summary>
/// The body of a native worker process (see <see cref="WorkerProtocol"/>): reads the node config, takes its own
/// worker section, boots it, reports ready, and runs until SIGTERM, end-of-file on stdin (controller gone), or the
/// worker stopping by itself. SIGINT is ignored, as in Crossbar: a terminal's Ctrl+C reaches the whole process group,
/// and the controller decides the shutdown order. Each of those stops is announced (<see cref="WorkerProtocol.Stopping"/>)
/// before shutting down, since the controller takes any unannounced exit for a crash.
/// </summary>
public sealed class WorkerHost(ILoggerFactory loggerFactory, TextWriter controlChannel)
{
    private readonly ILogger _log = loggerFactory.CreateLogger("PluginHost.Node.Worker");
    private readonly ControlChannel _control = new(controlChannel);
    private string _workerId = "", _nodeDir = ".";
    private readonly TaskCompletionSource _go = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="quarantined">Components the controller quarantined: logged and not started.</param>
    /// <param name="configFromController">Take the configuration from the controller's first stdin line
    /// (<see cref="WorkerProtocol.Config"/>) instead of reading <paramref name="configFile"/>.</param>
    /// <param name="hold">Started ahead of its turn (<see cref="WorkerProtocol.HoldOption"/>): report ready and start
    /// the components only once the controller says <see cref="WorkerProtocol.Go"/>.</param>
    public async Task<int> RunAsync(string type, string id, string nodeDir, string configFile, IReadOnlyList<string>? quarantined = null,
        bool configFromController = false, bool hold = false)
    {
        (_workerId, _nodeDir) = (id, nodeDir);
        WorkerConfig worker;
        try
        {
            var config = configFromController ? ConfigLoader.Parse(await ReadConfigFromControllerAsync(), nodeDir) : ConfigLoader.LoadFile(configFile, nodeDir);
            worker = config.Workers.FirstOrDefault(w => w.Id == id)
                     ?? throw new ConfigException("workers", $"no worker with ID '{id}'");
            if (!string.Equals(worker.Kind, type, StringComparison.OrdinalIgnoreCase))
                throw new ConfigException("workers", $"worker '{id}' is a {worker.Kind.ToLowerInvariant()}, not a {type}");
        }
        catch (ConfigException e)
        {
            _log.LogError("Invalid node configuration: {Error}", e.Report);
            return WorkerProtocol.ExitBootFailed;
        }

        if (worker is NativeWorkerConfig native) ProcessTuning.Apply(native, _log);
        Directory.SetCurrentDirectory(nodeDir); // as Crossbar's workers do: relative paths mean the node directory

        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => ctx.Cancel = true);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Cancel(); });
        var controllerGone = WatchControllerAsync();

        var context = new WorkerContext(_control, new HashSet<string>(quarantined ?? [], StringComparer.Ordinal));
        await using IRunningWorker running = _running = worker switch
        {
            RouterWorkerConfig r => new RouterWorker(r, nodeDir, loggerFactory, context),
            ContainerWorkerConfig c => new ContainerWorker(c, nodeDir, loggerFactory, context),
            _ => throw new ArgumentException($"worker '{id}' is not a native worker"),
        };
        try
        {
            await running.StartAsync(stop.Token);
        }
        catch (Exception e) when (!stop.IsCancellationRequested)
        {
            _log.LogError("{Kind} '{Id}' failed to start: {Reason}", worker.Kind, id, e.Message);
            _log.LogDebug(e, "Worker startup failure");
            return WorkerProtocol.ExitBootFailed;
        }

        var stopped = Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        // A held worker waits for its turn; a stop or the controller's end meanwhile skips to the shutdown below.
        if (hold) await Task.WhenAny(_go.Task, controllerGone, stopped);
        if (_go.Task.IsCompleted || !hold)
        {
            _control.Send(WorkerProtocol.Ready);
            running.OnReady();
        }

        var first = await Task.WhenAny(stopped, controllerGone, running.Completion);
        if (first == controllerGone)
        {
            // Nobody supervises us any more: shut down gracefully, but never outlive the controller for long
            // (a shutdown stuck on a busy machine would leave an orphan holding ports).
            _ = Task.Delay(OrphanGrace).ContinueWith(_ => Environment.Exit(WorkerProtocol.ExitDeliberate), TaskScheduler.Default);
            _log.LogWarning("{Kind} '{Id}': controller connection closed; shutting down", worker.Kind, id);
        }
        // Said before anything else can go wrong: without it the controller takes the exit for a crash.
        _control.Send(WorkerProtocol.Stopping, first == running.Completion ? running.Completion.Result
            : first == controllerGone ? "controller gone" : "SIGTERM");
        _log.LogInformation("{Kind} '{Id}' shutting down ..", worker.Kind, id);
        return WorkerProtocol.ExitDeliberate;
    }

    /// <summary>How long a worker whose controller is gone may take to shut down before it exits regardless.</summary>
    private static readonly TimeSpan OrphanGrace = TimeSpan.FromSeconds(5);

    /// <summary>The worker this process runs, once created (commands arriving before are refused).</summary>
    private volatile IRunningWorker? _running;

    /// <summary>
    /// A controller command (<c>ID ACTION COMPONENT [CONFIG]</c>): carried out off the stdin reader, answered on the
    /// control channel. CONFIG, with a start of a component added at run time, is the node's configuration with it
    /// (ConfigEdits.AddComponent), where this worker finds the component's section as it would at boot.
    /// </summary>
    private void OnCommand(string command)
    {
        if (command.Split(' ', 4) is not [var id, var action, var component, .. var config]) return;
        _ = Task.Run(async () =>
        {
            string? error;
            try
            {
                var added = config is [var source] ? AddedComponent(source, component) : null;
                error = _running is { } worker ? await worker.ControlAsync(action, component, added) : "the worker is still starting";
            }
            catch (Exception e) { error = e.Message; }
            _control.Send(WorkerProtocol.ReplyLine(id, error));
        });
    }

    private ComponentConfig AddedComponent(string source, string componentId)
        => (ConfigLoader.Parse(source, _nodeDir).Workers.FirstOrDefault(w => w.Id == _workerId) as NativeWorkerConfig)?.Components
               .FirstOrDefault(c => c.Id == componentId)
           ?? throw new ConfigException("workers", $"the controller's configuration has no component '{componentId}' for worker '{_workerId}'");

    /// <summary>How long a worker waits for its configuration from the controller (it is written right after the spawn).</summary>
    private static readonly TimeSpan ConfigTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The process's stdin, where the controller writes (the configuration first, then statuses); read to its end.</summary>
    private static readonly StreamReader Stdin = new(Console.OpenStandardInput());

    /// <summary>The controller's first line: the node configuration it validated (one source of truth: NodeConfig.Source).</summary>
    private static async Task<string> ReadConfigFromControllerAsync()
    {
        string? line;
        try { line = await Stdin.ReadLineAsync().WaitAsync(ConfigTimeout); }
        catch (TimeoutException) { throw new ConfigException("", $"no configuration from the controller within {ConfigTimeout.TotalSeconds} s"); }
        return WorkerProtocol.ArgumentOf(line ?? "", WorkerProtocol.Config) is { Length: > 0 } json
            ? json
            : throw new ConfigException("", line is null ? "the controller closed stdin before sending the configuration" : "the controller's first line is not the configuration");
    }

    /// <summary>
    /// Reads the controller's control lines from stdin (the node's status, management commands and replies: see
    /// <see cref="WorkerProtocol"/>) and completes when stdin reaches end-of-file: the controller closed the pipe or died.
    /// </summary>
    private Task WatchControllerAsync() => Task.Run(async () =>
    {
        try
        {
            while (await Stdin.ReadLineAsync() is { } line)
            {
                if (WorkerProtocol.ArgumentOf(line, WorkerProtocol.Status) is { Length: > 0 } json)
                {
                    if (!Status.NodeStatusView.Update(json)) _log.LogWarning("The controller sent a status this worker cannot read; ignored");
                }
                else if (WorkerProtocol.ArgumentOf(line, WorkerProtocol.Command) is { Length: > 0 } command) OnCommand(command);
                else if (line == WorkerProtocol.Go) _go.TrySetResult();
                else if (WorkerProtocol.ArgumentOf(line, WorkerProtocol.Reply) is { Length: > 0 } reply) Management.ControllerRequests.Complete(reply);
            }
        }
        catch (IOException) { }
    });
}
