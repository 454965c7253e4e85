using Microsoft.Extensions.Logging;

namespace PluginHost.Wamp.Router;

/// <summary>The router's log lines, source-generated: nothing is formatted or boxed when the level is off.</summary>
internal static partial class RouterLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "ABORT wamp.error.protocol_violation to {Peer} (session {SessionId}): {Message}")]
    public static partial void ProtocolViolation(this ILogger logger, string peer, long sessionId, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "ABORT wamp.error.protocol_violation to {Peer}: {Message}")]
    public static partial void ProtocolViolationBeforeJoin(this ILogger logger, string peer, string message);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "{Count} more protocol violations from {Address} in the last {Seconds} s (each ended its session with ABORT wamp.error.protocol_violation)")]
    public static partial void ProtocolViolationsCounted(this ILogger logger, long count, string address, int seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Realm store {Path}: writing {Count} changes failed; they are not persisted")]
    public static partial void StoreWriteFailed(this ILogger logger, Exception error, string path, int count);
}
