namespace PluginHost.Node.Workers;

/// <summary>
/// How the controller and a native worker process talk. The controller starts
/// <c>pluginhost worker --type router|container --id ID --cbdir DIR --config FILE --config-from-controller [--hold] --loglevel L [--quarantine=COMPONENT ...]</c>
/// with stdin, stdout and stderr piped. The worker logs bare text lines (no timestamp or system field): stdout lines are
/// info, stderr lines warnings and errors; the controller re-emits them as <c>[Router  PID] text</c>. Lines starting with
/// <see cref="ControlPrefix"/> are control messages, not log. The worker never reads stdin: end-of-file on it means the
/// controller is gone, and the worker shuts down (so a SIGKILLed controller leaves no orphans).
/// <para>
/// Exits: a worker that stops on purpose says so first (<see cref="Stopping"/>); any exit without that message is a
/// crash, whatever its exit code — a component calling <c>Environment.Exit(0)</c> must not pass for a deliberate stop.
/// While a component's own start code runs (its constructor, its OnJoinAsync) the worker brackets it with
/// <see cref="ComponentStarting"/> / <see cref="ComponentStarted"/>, so the controller knows whom to blame when the
/// process dies then, and can restart the worker with that component quarantined (<see cref="QuarantineOption"/>).
/// </para>
/// </summary>
public static class WorkerProtocol
{
    /// <summary>ASCII record separator, as Crossbar's workers use to frame their log records.</summary>
    public const char ControlPrefix = '\u001e';

    /// <summary>The worker booted (router: realms, components and transports are up) and serves.</summary>
    public const string Ready = "\u001eready";

    /// <summary><c>\x1estopping REASON</c>: the worker is about to exit on purpose (own policy, SIGTERM, controller gone).</summary>
    public const string Stopping = "\u001estopping";

    /// <summary><c>\x1ecomponent-starting ID</c>: the component's own start code begins.</summary>
    public const string ComponentStarting = "\u001ecomponent-starting";

    /// <summary><c>\x1ecomponent-started ID</c>: the component's start code returned (or threw).</summary>
    public const string ComponentStarted = "\u001ecomponent-started";

    /// <summary><c>\x1ecomponent-joined SESSION GENERATION ID</c>: the component's session joined (first join, rejoin, hot reload).</summary>
    public const string ComponentJoined = "\u001ecomponent-joined";

    /// <summary><c>\x1ecomponent-left ID</c>: the component's session ended; it reconnects (or is stopping).</summary>
    public const string ComponentLeft = "\u001ecomponent-left";

    /// <summary><c>\x1ecomponent-stopped failed|stopped ID</c>: the component stopped for good (its container's policies decide what next).</summary>
    public const string ComponentStopped = "\u001ecomponent-stopped";

    /// <summary>
    /// Controller to worker (stdin), the first line when the worker was started with <see cref="ConfigFromControllerOption"/>:
    /// <c>\x1econfig JSON</c>, the node configuration the controller validated (NodeConfig.Source), which the worker
    /// takes its section from instead of reading config.json again.
    /// </summary>
    public const string Config = "\u001econfig";

    /// <summary>
    /// Worker option: a container started ahead of its turn, while the routers boot, so that its .NET start-up overlaps
    /// theirs. It reads its configuration and sets its component runtime up, then waits for <see cref="Go"/> before it
    /// reports <see cref="Ready"/> and starts its components, which therefore still connect only once the routers serve.
    /// </summary>
    public const string HoldOption = "--hold";

    /// <summary>Controller to worker (stdin): <c>\x1ego</c>, a held worker's turn in the boot order has come.</summary>
    public const string Go = "\u001ego";

    /// <summary>Worker option: wait for <see cref="Config"/> on stdin instead of reading the --config file.</summary>
    public const string ConfigFromControllerOption = "--config-from-controller";

    /// <summary>Controller to worker (stdin): <c>\x1estatus JSON</c>, the node's status (Node/Status/NodeStatus.cs) whenever it changes.</summary>
    public const string Status = "\u001estatus";

    /// <summary>
    /// Router worker to controller: <c>\x1erequest ID WORKER ACTION COMPONENT [JSON]</c>, the management API asking
    /// WORKER to start, stop or reload COMPONENT (Node/Management/ControllerRequests.cs); JSON, with a start, is the
    /// configuration of a component to add. The controller hands it to that worker as <see cref="Command"/> and relays
    /// its <see cref="Reply"/> back, or answers itself when it cannot.
    /// </summary>
    public const string Request = "\u001erequest";

    /// <summary>Controller to worker (stdin): <c>\x1ecommand ID ACTION COMPONENT [CONFIG]</c> (CONFIG: the node's configuration
    /// with the component a start adds); the worker answers with <see cref="Reply"/>.</summary>
    public const string Command = "\u001ecommand";

    /// <summary><c>\x1ereply ID ok</c> or <c>\x1ereply ID error REASON</c>: worker to controller, and controller to the asking router.</summary>
    public const string Reply = "\u001ereply";

    /// <summary>How a reply's reason starts when the configuration a request brought was refused (the management API
    /// answers crossbar.error.invalid_configuration then).</summary>
    public const string InvalidConfiguration = "invalid configuration:";

    /// <summary>A whole <see cref="Reply"/> line: done (<paramref name="error"/> null) or refused with the reason.</summary>
    public static string ReplyLine(string id, string? error)
        => error is null ? $"{Reply} {id} ok" : $"{Reply} {id} error {error.ReplaceLineEndings(" ")}";

    /// <summary>Worker option naming a component not to start (repeated; <c>--quarantine=ID</c>).</summary>
    public const string QuarantineOption = "--quarantine";

    public const string VerbName = "worker";

    /// <summary>Exit code of a worker that stopped by its own policy (container shutdown modes), after <see cref="Stopping"/>.</summary>
    public const int ExitDeliberate = 0;

    /// <summary>Exit code of a worker whose boot failed (bad config section, port in use, ...).</summary>
    public const int ExitBootFailed = 3;

    /// <summary>The argument of a control message (<c>"\x1ecomponent-starting bad"</c> → <c>"bad"</c>), or null when the line is another message.</summary>
    public static string? ArgumentOf(string line, string message)
        => line.Length > message.Length && line.StartsWith(message, StringComparison.Ordinal) && line[message.Length] == ' '
            ? line[(message.Length + 1)..]
            : line == message ? "" : null;
}

/// <summary>
/// The worker's side of the control channel (its stdout). Each message is one line, written and flushed before the
/// caller goes on: a component about to run its start code is announced before that code can kill the process.
/// </summary>
public sealed class ControlChannel(TextWriter writer)
{
    private readonly Lock _gate = new();

    public void Send(string message, string? argument = null)
    {
        lock (_gate)
        {
            writer.WriteLine(argument is null ? message : $"{message} {argument}");
            writer.Flush();
        }
    }
}
