namespace PluginHost.Node.Workers;

/// <summary>
/// How the controller and a native worker process talk. The controller starts
/// <c>pluginhost worker --type router|container --id ID --cbdir DIR --config FILE --loglevel L</c> with stdin, stdout
/// and stderr piped. The worker logs bare text lines (no timestamp or system field): stdout lines are info, stderr lines
/// warnings and errors; the controller re-emits them as <c>[Router  PID] text</c>. Lines starting with
/// <see cref="ControlPrefix"/> are control messages, not log. The worker never reads stdin: end-of-file on it means the
/// controller is gone, and the worker shuts down (so a SIGKILLed controller leaves no orphans).
/// </summary>
public static class WorkerProtocol
{
    /// <summary>ASCII record separator, as Crossbar's workers use to frame their log records.</summary>
    public const char ControlPrefix = '\u001e';

    /// <summary>The worker booted (router: realms, components and transports are up) and serves.</summary>
    public const string Ready = "\u001eready";

    public const string VerbName = "worker";

    /// <summary>Exit code of a worker that stopped by its own policy (container shutdown modes): not restarted.</summary>
    public const int ExitDeliberate = 0;

    /// <summary>Exit code of a worker whose boot failed (bad config section, port in use, ...).</summary>
    public const int ExitBootFailed = 3;
}
