using Microsoft.Extensions.Logging;

namespace PluginHost.Wamp.Router;

/// <summary>The router's log lines, source-generated: nothing is formatted or boxed when the level is off.</summary>
internal static partial class RouterLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "ABORT wamp.error.protocol_violation to {Peer} (session {SessionId}): {Message}")]
    public static partial void ProtocolViolation(this ILogger logger, string? peer, long sessionId, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "ABORT wamp.error.protocol_violation to {Peer}: {Message}")]
    public static partial void ProtocolViolationBeforeJoin(this ILogger logger, string? peer, string message);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "{Count} more protocol violations from {Address} in the last {Seconds} s (each ended its session with ABORT wamp.error.protocol_violation)")]
    public static partial void ProtocolViolationsCounted(this ILogger logger, long count, string address, int seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Realm {Realm}: handling {Command} failed for session {SessionId}; closing that session")]
    public static partial void CommandFailed(this ILogger logger, Exception error, string realm, string command, long? sessionId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Realm {Realm}: cleaning up session {SessionId} failed")]
    public static partial void CleanupFailed(this ILogger logger, Exception error, string realm, long sessionId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId} joined realm {Realm} as {AuthId}/{AuthRole}")]
    public static partial void SessionJoined(this ILogger logger, long sessionId, string realm, string authId, string authRole);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Session {SessionId} left realm {Realm}")]
    public static partial void SessionLeft(this ILogger logger, long sessionId, string realm);

    [LoggerMessage(Level = LogLevel.Information, Message = "ABORT {Reason} to session {SessionId}: {Message}")]
    public static partial void AbortSession(this ILogger logger, string reason, long sessionId, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "ABORT {Reason} to {Peer}: {Message}")]
    public static partial void AbortPeer(this ILogger logger, string reason, string? peer, string message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Transport of session {SessionId} failed")]
    public static partial void TransportFailed(this ILogger logger, Exception error, long sessionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Authentication refused: authmethod {AuthMethod}, authid {AuthId}, realm {Realm}, peer {Peer}")]
    public static partial void AuthenticationRefused(this ILogger logger, string authMethod, string authId, string realm, string? peer);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closing transport {Peer}: session not established within {Timeout}")]
    public static partial void HelloTimedOut(this ILogger logger, string? peer, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slow consumer: session {SessionId} (authid {AuthId}, authrole {AuthRole}, realm {Realm}, peer {Peer}) has {Queued} messages queued (limit {Limit}), about {Bytes} bytes (limit {ByteLimit}); closing its transport")]
    public static partial void SlowConsumerOverLimit(this ILogger logger, long sessionId, string authId, string authRole, string? realm, string? peer,
        long queued, int limit, long bytes, long byteLimit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slow consumer: session {SessionId} (authid {AuthId}, authrole {AuthRole}, realm {Realm}, peer {Peer}) stayed congested for {Timeout} ({Queued} messages, about {Bytes} bytes, not yet written; high-water {HighWater} messages / {HighWaterBytes} bytes); closing its transport")]
    public static partial void SlowConsumerTimedOut(this ILogger logger, long sessionId, string authId, string authRole, string? realm, string? peer,
        TimeSpan timeout, long queued, long bytes, long highWater, long highWaterBytes);

    [LoggerMessage(Level = LogLevel.Error, Message = "Slow-consumer watchdog of session {SessionId} failed")]
    public static partial void WatchdogFailed(this ILogger logger, Exception error, long sessionId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Closing transport of session {SessionId} failed")]
    public static partial void CloseFailed(this ILogger logger, Exception error, long sessionId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sending to session {SessionId} failed")]
    public static partial void SendFailed(this ILogger logger, Exception error, long sessionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Testament of session {SessionId} on {Topic} not published: {Reason}")]
    public static partial void TestamentNotPublished(this ILogger logger, long sessionId, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Realm {Realm} started ({Roles} roles, uri check {UriCheck}, meta API {Meta})")]
    public static partial void RealmStarted(this ILogger logger, string realm, int roles, UriCheckMode uriCheck, string meta);

    [LoggerMessage(Level = LogLevel.Error, Message = "Session {SessionId} ended with an unexpected error")]
    public static partial void SessionCrashed(this ILogger logger, Exception error, long sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} sessions did not close within {Grace}; closing their transports")]
    public static partial void ShutdownGraceExceeded(this ILogger logger, int count, TimeSpan grace);

    [LoggerMessage(Level = LogLevel.Debug, Message = "closing a connection failed")]
    public static partial void ConnectionCloseFailed(this ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Realm store {Path}: writing {Count} changes failed; they are not persisted")]
    public static partial void StoreWriteFailed(this ILogger logger, Exception error, string path, int count);
}
