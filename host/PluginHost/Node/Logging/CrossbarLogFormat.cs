using System.Globalization;
using Microsoft.Extensions.Logging;

namespace PluginHost.Node.Logging;

/// <summary>Crossbar's <c>--logformat</c>: standard <c>{time} [{system}] {text}</c>, syslogd <c>[{system}] {text}</c>, none <c>{text}</c>.</summary>
public enum LogFormat { Standard, Syslogd, None }

/// <summary>Crossbar's log line layout (crossbar/_logging.py), so tools and eyes used to Crossbar's output keep working.</summary>
public static class CrossbarLogFormat
{
    /// <summary>The bracketed system field: <c>"{:&lt;10} {:&gt;6}".format(name, pid)</c>, e.g. <c>Router       8168</c>.</summary>
    public static string System(string label, int pid) => $"{label,-10} {pid,6}";

    /// <summary>Twisted's <c>%Y-%m-%dT%H:%M:%S%z</c>: local time with a <c>+hhmm</c> offset.</summary>
    public static string Timestamp(DateTimeOffset time)
    {
        var offset = time.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        offset = offset.Duration();
        return time.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss", CultureInfo.InvariantCulture)
               + $"{sign}{offset.Hours:00}{offset.Minutes:00}";
    }

    public static string Line(LogFormat format, DateTimeOffset time, string system, string text) => format switch
    {
        LogFormat.Standard => $"{Timestamp(time)} [{system}] {text}",
        LogFormat.Syslogd => $"[{system}] {text}",
        _ => text,
    };

    public static LogFormat ParseFormat(string name) => name switch
    {
        "syslogd" => LogFormat.Syslogd,
        "none" => LogFormat.None,
        _ => LogFormat.Standard,
    };

    /// <summary>Crossbar's <c>--loglevel</c> names; "none" silences everything.</summary>
    public static LogLevel ParseLevel(string name) => name switch
    {
        "none" => LogLevel.None,
        "error" => LogLevel.Error,
        "warn" => LogLevel.Warning,
        "debug" => LogLevel.Debug,
        "trace" => LogLevel.Trace,
        _ => LogLevel.Information,
    };
}
