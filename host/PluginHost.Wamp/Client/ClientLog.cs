using Microsoft.Extensions.Logging;

namespace PluginHost.Wamp.Client;

/// <summary>The WAMP client's log lines, source-generated: nothing is formatted or boxed when the level is off.</summary>
internal static partial class ClientLog
{
    [LoggerMessage(Level = LogLevel.Error, Message = "WAMP {What} handler failed")]
    public static partial void HandlerFailed(this ILogger logger, Exception error, string what);

    [LoggerMessage(Level = LogLevel.Debug, Message = "closing WAMP transport failed")]
    public static partial void CloseFailed(this ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "registration {Id} of {Procedure} revoked by the router ({Reason})")]
    public static partial void RegistrationRevoked(this ILogger logger, long id, string procedure, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WAMP procedure {Procedure} failed")]
    public static partial void ProcedureFailed(this ILogger logger, Exception error, string procedure);
}
