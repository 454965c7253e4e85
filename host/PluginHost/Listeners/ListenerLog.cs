using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace PluginHost.Listeners;

/// <summary>
/// The listeners' log lines (per connection and per request: the paths that run under load), source-generated:
/// nothing is formatted or boxed when the level is off.
/// </summary>
internal static partial class ListenerLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "transport '{Transport}': RawSocket handshake from {Peer} timed out")]
    public static partial void RawSocketHandshakeTimedOut(this ILogger logger, string transport, string? peer);

    [LoggerMessage(Level = LogLevel.Debug, Message = "transport '{Transport}': RawSocket handshake from {Peer} failed: {Error}")]
    public static partial void RawSocketHandshakeFailed(this ILogger logger, string transport, string? peer, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "transport '{Transport}': connection from {Peer} not closed within {Deadline} (peer not reading); aborting it")]
    public static partial void NotClosedAborting(this ILogger logger, string transport, string? peer, TimeSpan deadline);

    [LoggerMessage(Level = LogLevel.Debug, Message = "connection from {Peer} closed before sending anything: {Error}")]
    public static partial void ClosedBeforeSending(this ILogger logger, string? peer, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "transport '{Id}' started: {Urls}")]
    public static partial void TransportStarted(this ILogger logger, string id, string urls);

    [LoggerMessage(Level = LogLevel.Debug, Message = "transport '{Transport}': {Type} connection from {Peer} ({Serializer})")]
    public static partial void ConnectionOpened(this ILogger logger, string transport, string type, string? peer, string serializer);

    [LoggerMessage(Level = LogLevel.Debug, Message = "transport '{Transport}': connection {Peer} ended: {Error}")]
    public static partial void ConnectionEnded(this ILogger logger, string transport, string? peer, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "transport '{Transport}': session on {Peer} failed")]
    public static partial void SessionFailed(this ILogger logger, Exception error, string transport, string? peer);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Count} sessions did not end in time; cancelling them")]
    public static partial void SessionsNotEnded(this ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "closing {Peer} failed: {Error}")]
    public static partial void CloseFailed(this ILogger logger, string? peer, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "disposing {Peer} failed: {Error}")]
    public static partial void DisposeFailed(this ILogger logger, string? peer, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "transport '{Transport}': WebSocket from origin {Origin} rejected")]
    public static partial void OriginRejected(this ILogger logger, string transport, string? origin);

    [LoggerMessage(Level = LogLevel.Debug, Message = "transport '{Transport}': WebSocket rejected: {Error}")]
    public static partial void WebSocketRejected(this ILogger logger, string transport, string? error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "transport '{Transport}': WebSocket upgrade failed: {Error}")]
    public static partial void UpgradeFailed(this ILogger logger, string transport, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "HTTP bridge {Kind} {Path}: unhandled error")]
    public static partial void BridgeUnhandled(this ILogger logger, Exception error, string kind, PathString path);

    [LoggerMessage(Level = LogLevel.Error, Message = "HTTP bridge {Kind} {Path} on realm '{Realm}' failed")]
    public static partial void BridgeFailed(this ILogger logger, Exception error, string kind, PathString path, string realm);

    [LoggerMessage(Message = "HTTP bridge {Kind} {Method} {Path} from {Client}: {Status} {Outcome}")]
    public static partial void BridgeRequest(this ILogger logger, LogLevel level, string kind, string method, PathString path, IPAddress? client,
        int status, string outcome);

    [LoggerMessage(Level = LogLevel.Debug, Message = "leaving an HTTP bridge session failed")]
    public static partial void BridgeLeaveFailed(this ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Information, Message = "HTTP bridge session on realm '{Realm}' (role '{Role}') ended; joining again")]
    public static partial void BridgeSessionRejoining(this ILogger logger, string realm, string role);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unable to send webhook from {Client} to '{Topic}' topic: {Error}{Hint}")]
    public static partial void WebhookFailed(this ILogger logger, IPAddress? client, string topic, string error, string hint);

    [LoggerMessage(Level = LogLevel.Debug, Message = "proxy to {Backend}: client went away ({Error})")]
    public static partial void ProxyClientGone(this ILogger logger, string backend, ForwarderError error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "proxy to {Backend} failed: {Error} {Message}")]
    public static partial void ProxyFailed(this ILogger logger, string backend, ForwarderError error, string? message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "websocket proxy to {Backend}: origin {Origin} rejected")]
    public static partial void ProxyOriginRejected(this ILogger logger, string backend, string? origin);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Static files {Root}: refused {Path} (404): it leads through a symbolic link to {Target}, {Allowed}")]
    public static partial void SymlinkRefused(this ILogger logger, string root, string path, string target, string allowed);
}
