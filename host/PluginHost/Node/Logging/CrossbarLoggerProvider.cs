using Microsoft.Extensions.Logging;

namespace PluginHost.Node.Logging;

/// <summary>
/// Writes log records in Crossbar's format: info and below to stdout, warnings and errors to stderr
/// (as Crossbar does), one prefixed line per text line so multi-line messages stay greppable.
/// </summary>
public sealed class CrossbarLoggerProvider(
    LogFormat format, LogLevel minLevel, TextWriter stdout, TextWriter stderr, Func<DateTimeOffset>? clock = null)
    : ILoggerProvider
{
    private readonly Lock _gate = new();
    private readonly int _pid = Environment.ProcessId;
    private readonly Func<DateTimeOffset> _clock = clock ?? (() => DateTimeOffset.Now);

    public LogLevel MinLevel { get; } = minLevel;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName, LabelFor(categoryName), MinLevelFor(categoryName));

    /// <summary>
    /// ASP.NET Core's own categories (Kestrel, hosting: a line per HTTP request) speak only from warnings
    /// up, unless the user asked for debug or trace: at info they would drown the node's log.
    /// The generic host's own start-up failure (a stack trace) repeats what the worker logs in one line
    /// ("failed to start: Failed to bind to address ..."), so it is shown only when debugging.
    /// ASP.NET Core's per-request diagnostics category logs nothing above info (request starting/finished), but while
    /// it is enabled at any level hosting gives every request an Activity and a log scope, which a WebSocket upgrade
    /// keeps for the connection's life (about 0.3 KB per WAMP session, issue 13): off unless debugging.
    /// </summary>
    private LogLevel MinLevelFor(string category)
    {
        if (MinLevel <= LogLevel.Debug || !category.StartsWith("Microsoft.", StringComparison.Ordinal)) return MinLevel;
        if (category.StartsWith("Microsoft.Extensions.Hosting", StringComparison.Ordinal)
            || category == "Microsoft.AspNetCore.Hosting.Diagnostics") return LogLevel.None;
        return (LogLevel)Math.Max((int)MinLevel, (int)LogLevel.Warning);
    }

    /// <summary>
    /// Router and transport internals say "Router", everything else "Controller". In the controller process only
    /// controller lines occur; workers log bare lines that the controller relays under their own label.
    /// </summary>
    public static string LabelFor(string category)
        => category.StartsWith("PluginHost.Wamp", StringComparison.Ordinal) || category.StartsWith("PluginHost.Listeners", StringComparison.Ordinal)
            ? "Router" : "Controller";

    public void Dispose() { }

    /// <summary>Re-emits a line a worker process logged, under the worker's label and PID (Crossbar's controller does the same).</summary>
    public void WriteRelayed(LogLevel level, string label, int pid, string text)
    {
        if (level == LogLevel.None || level < MinLevel) return;
        Write(level, null, label, pid, text, null);
    }

    private void Write(LogLevel level, string? category, string label, int pid, string text, Exception? exception)
    {
        // Crossbar appends the source namespace to the system field at debug and trace.
        var system = CrossbarLogFormat.System(label, pid);
        if (MinLevel <= LogLevel.Debug && category is not null) system += " " + category;
        if (exception is not null) text = $"{text}\n{exception}";
        var time = _clock();
        var writer = level >= LogLevel.Warning ? stderr : stdout;
        lock (_gate)
        {
            foreach (var line in text.Split('\n'))
                writer.WriteLine(CrossbarLogFormat.Line(format, time, system, line.TrimEnd('\r')));
            writer.Flush();
        }
    }

    private sealed class Logger(CrossbarLoggerProvider owner, string category, string label, LogLevel minLevel) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= minLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) owner.Write(logLevel, category, label, owner._pid, formatter(state, exception), exception);
        }
    }
}
