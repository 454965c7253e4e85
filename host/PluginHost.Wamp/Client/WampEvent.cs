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

    /// <summary>The subscription the event was delivered for.</summary>
    public long SubscriptionId { get; }
    /// <summary>The publication id the broker assigned.</summary>
    public long PublicationId { get; }
    /// <summary>The topic published to (for a prefix or wildcard subscription, the actual topic).</summary>
    public string Topic { get; }
    /// <summary>Positional payload.</summary>
    public IReadOnlyList<object?> Args { get; }
    /// <summary>Keyword payload.</summary>
    public IReadOnlyDictionary<string, object?> ArgsKw { get; }
    /// <summary>EVENT.Details as sent by the broker.</summary>
    public IReadOnlyDictionary<string, object?> Details { get; }

    /// <summary>Publisher session id, when disclosed (publisher_identification).</summary>
    public long? Publisher { get; }
    /// <summary>Publisher authid, when disclosed.</summary>
    public string? PublisherAuthId { get; }
    /// <summary>Publisher authrole, when disclosed.</summary>
    public string? PublisherAuthRole { get; }
}
