using Dict = System.Collections.Generic.IReadOnlyDictionary<string, object?>;
using Args = System.Collections.Generic.IReadOnlyList<object?>;

namespace PluginHost.Wamp.Messages;

/// <summary>
/// A WAMP v2 message. Shapes follow the spec exactly (see WampMessageCodec for the wire
/// layout). Instances are immutable once sent; the router forwards them (and their
/// payloads) by reference to embedded sessions and may cache their encoded form.
/// </summary>
public abstract record WampMessage
{
    public abstract WampMessageType Type { get; }

    // One encoded form cached per message: an EVENT fanned out to many subscribers that
    // share a serializer is encoded once (see IWampSerializer / EncodedCache).
    internal EncodedFrame? Encoded;

    // Router flow control: the estimated encoded size, computed once (Router/OutboundSize.cs); 0 = not yet.
    internal int OutboundSizeEstimate;

    protected WampMessage() { }

    // A `with` copy is a different message: it must not inherit the cached encoding.
    protected WampMessage(WampMessage original) { }

    // The synthesized record equality would compare every instance field, including the
    // Encoded cache: a message would stop equalling its twin (and change its hash code)
    // once serialized. Only the concrete type takes part here; derived records add their
    // own properties as usual.
    public virtual bool Equals(WampMessage? other) => other is not null && EqualityContract == other.EqualityContract;

    public override int GetHashCode() => EqualityContract.GetHashCode();
}

/// <summary>Encoded bytes of a message for one serializer.</summary>
internal sealed class EncodedFrame(object serializer, byte[] bytes)
{
    public readonly object Serializer = serializer;
    public readonly byte[] Bytes = bytes;
}

/// <summary>Messages whose tail is Arguments|list, ArgumentsKw|dict (trailing empties omitted on the wire).</summary>
public interface IWampPayload
{
    Args? Arguments { get; }
    Dict? ArgumentsKw { get; }
}

/// <summary>Messages that carry a session-scoped request id.</summary>
public interface IWampRequest
{
    long RequestId { get; }
}

public sealed record HelloMessage(string Realm, Dict Details) : WampMessage
{ public override WampMessageType Type => WampMessageType.Hello; }

public sealed record WelcomeMessage(long Session, Dict Details) : WampMessage
{ public override WampMessageType Type => WampMessageType.Welcome; }

public sealed record AbortMessage(Dict Details, string Reason) : WampMessage
{ public override WampMessageType Type => WampMessageType.Abort; }

public sealed record ChallengeMessage(string AuthMethod, Dict Extra) : WampMessage
{ public override WampMessageType Type => WampMessageType.Challenge; }

public sealed record AuthenticateMessage(string Signature, Dict Extra) : WampMessage
{ public override WampMessageType Type => WampMessageType.Authenticate; }

public sealed record GoodbyeMessage(Dict Details, string Reason) : WampMessage
{ public override WampMessageType Type => WampMessageType.Goodbye; }

/// <summary>[ERROR, REQUEST.Type|int, REQUEST.Request|id, Details|dict, Error|uri, Arguments?, ArgumentsKw?]</summary>
public sealed record ErrorMessage(WampMessageType RequestType, long RequestId, Dict Details, string Error,
    Args? Arguments = null, Dict? ArgumentsKw = null) : WampMessage, IWampPayload, IWampRequest
{ public override WampMessageType Type => WampMessageType.Error; }

public sealed record PublishMessage(long RequestId, Dict Options, string Topic,
    Args? Arguments = null, Dict? ArgumentsKw = null) : WampMessage, IWampPayload, IWampRequest
{ public override WampMessageType Type => WampMessageType.Publish; }

public sealed record PublishedMessage(long RequestId, long Publication) : WampMessage, IWampRequest
{ public override WampMessageType Type => WampMessageType.Published; }

public sealed record SubscribeMessage(long RequestId, Dict Options, string Topic) : WampMessage, IWampRequest
{ public override WampMessageType Type => WampMessageType.Subscribe; }

public sealed record SubscribedMessage(long RequestId, long Subscription) : WampMessage, IWampRequest
{ public override WampMessageType Type => WampMessageType.Subscribed; }

public sealed record UnsubscribeMessage(long RequestId, long Subscription) : WampMessage, IWampRequest
{ public override WampMessageType Type => WampMessageType.Unsubscribe; }

/// <summary>UNSUBSCRIBED may carry Details (subscription revocation); null means the basic 2-element form.</summary>
public sealed record UnsubscribedMessage(long RequestId, Dict? Details = null) : WampMessage, IWampRequest
{ public override WampMessageType Type => WampMessageType.Unsubscribed; }

public sealed record EventMessage(long Subscription, long Publication, Dict Details,
    Args? Arguments = null, Dict? ArgumentsKw = null) : WampMessage, IWampPayload
{ public override WampMessageType Type => WampMessageType.Event; }

public sealed record CallMessage(long RequestId, Dict Options, string Procedure,
    Args? Arguments = null, Dict? ArgumentsKw = null) : WampMessage, IWampPayload, IWampRequest
{ public override WampMessageType Type => WampMessageType.Call; }

public sealed record CancelMessage(long RequestId, Dict Options) : WampMessage, IWampRequest
{ public override WampMessageType Type => WampMessageType.Cancel; }

public sealed record ResultMessage(long RequestId, Dict Details,
    Args? Arguments = null, Dict? ArgumentsKw = null) : WampMessage, IWampPayload, IWampRequest
{ public override WampMessageType Type => WampMessageType.Result; }

public sealed record RegisterMessage(long RequestId, Dict Options, string Procedure) : WampMessage, IWampRequest
{ public override WampMessageType Type => WampMessageType.Register; }

public sealed record RegisteredMessage(long RequestId, long Registration) : WampMessage, IWampRequest
{ public override WampMessageType Type => WampMessageType.Registered; }

public sealed record UnregisterMessage(long RequestId, long Registration) : WampMessage, IWampRequest
{ public override WampMessageType Type => WampMessageType.Unregister; }

/// <summary>UNREGISTERED may carry Details (registration revocation); null means the basic 2-element form.</summary>
public sealed record UnregisteredMessage(long RequestId, Dict? Details = null) : WampMessage, IWampRequest
{ public override WampMessageType Type => WampMessageType.Unregistered; }

public sealed record InvocationMessage(long RequestId, long Registration, Dict Details,
    Args? Arguments = null, Dict? ArgumentsKw = null) : WampMessage, IWampPayload, IWampRequest
{ public override WampMessageType Type => WampMessageType.Invocation; }

public sealed record InterruptMessage(long RequestId, Dict Options) : WampMessage, IWampRequest
{ public override WampMessageType Type => WampMessageType.Interrupt; }

public sealed record YieldMessage(long RequestId, Dict Options,
    Args? Arguments = null, Dict? ArgumentsKw = null) : WampMessage, IWampPayload, IWampRequest
{ public override WampMessageType Type => WampMessageType.Yield; }
