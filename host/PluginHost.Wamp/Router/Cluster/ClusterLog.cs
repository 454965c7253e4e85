using Microsoft.Extensions.Logging;

namespace PluginHost.Wamp.Router.Cluster;

/// <summary>The cluster's log lines, source-generated.</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster node {Node}: joining cluster '{Cluster}' over NATS {Servers}")]
    public static partial void ClusterStarting(this ILogger logger, string node, string servers, string cluster);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster node {Node}: realm '{Realm}' is shared over the cluster")]
    public static partial void ClusterRealmShared(this ILogger logger, string node, string realm);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Cluster node {Node}: NATS is unreachable ({Reason}); serving local sessions only until it is back (remote callees dropped)")]
    public static partial void ClusterOutage(this ILogger logger, string node, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster node {Node}: NATS is back; registrations shared again")]
    public static partial void ClusterReconnected(this ILogger logger, string node);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Cluster node {Node}: node {Gone} missed its liveness renewal for {Timeout}; its callees are dropped and its calls failed")]
    public static partial void ClusterNodeGone(this ILogger logger, string node, string gone, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Cluster node {Node}: its liveness key had expired (no renewal for {Timeout}); its registrations are shared again")]
    public static partial void ClusterLivenessLost(this ILogger logger, string node, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Cluster node {Node}: the queue toward NATS is full ({Capacity} messages); messages are dropped until it drains")]
    public static partial void ClusterOutboxFull(this ILogger logger, string node, int capacity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster node {Node}: {Count} messages toward NATS were dropped (queue full)")]
    public static partial void ClusterOutboxDropped(this ILogger logger, string node, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster node {Node}: publishing to {Subject} failed: {Reason}")]
    public static partial void ClusterPublishFailed(this ILogger logger, string node, string subject, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster node {Node}: a message on {Subject} was rejected")]
    public static partial void ClusterMessageRejected(this ILogger logger, Exception error, string node, string subject);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster node {Node}: subscription to {Subject} failed ({Reason}); retrying")]
    public static partial void ClusterSubscriptionFailed(this ILogger logger, string node, string subject, string reason);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Realm {Realm}: an invocation relayed to session {Session} on node {Node} reached no subscriber there (reconnecting or gone); its call is answered wamp.error.unavailable")]
    public static partial void ClusterInvocationLost(this ILogger logger, string realm, long session, string node);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Realm {Realm}: procedure '{Uri}' of node {Node} ({Invoke}) conflicts with this node's registration of it; its callee is not used here")]
    public static partial void ClusterRegistrationConflict(this ILogger logger, string realm, string uri, string node, string invoke);
}
