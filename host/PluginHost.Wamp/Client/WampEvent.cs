using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Client;

/// <summary>One EVENT delivered to a subscription handler.</summary>
public sealed class WampEvent
{
    internal WampEvent(EventMessage message, string subscribedTopic)
    {
        SubscriptionId = message.Subscription;
        PublicationId = message.Publication;
        Args = message.Arguments ?? WampResult.NoArgs;
        ArgsKw = message.ArgumentsKw ?? WampResult.NoDict;
        Details = message.Details;
        // For pattern-based subscriptions the broker names the topic actually published to.
        Topic = message.Details.GetString("topic") ?? subscribedTopic;
        Publisher = message.Details.GetInt64("publisher");
        PublisherAuthId = message.Details.GetString("publisher_authid");
        PublisherAuthRole = message.Details.GetString("publisher_authrole");
    }

    public long SubscriptionId { get; }
    public long PublicationId { get; }
    public string Topic { get; }
    public IReadOnlyList<object?> Args { get; }
    public IReadOnlyDictionary<string, object?> ArgsKw { get; }
    public IReadOnlyDictionary<string, object?> Details { get; }

    /// <summary>Publisher session id, when disclosed (publisher_identification).</summary>
    public long? Publisher { get; }
    public string? PublisherAuthId { get; }
    public string? PublisherAuthRole { get; }
}
