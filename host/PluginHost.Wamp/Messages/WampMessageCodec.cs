using System.Collections;
using Dict = System.Collections.Generic.IReadOnlyDictionary<string, object?>;
using Args = System.Collections.Generic.IReadOnlyList<object?>;

namespace PluginHost.Wamp.Messages;

/// <summary>
/// Maps messages to and from their wire arrays (the value model of <see cref="WampValue"/>).
/// Serializers only encode/decode value trees; every shape rule lives here.
/// </summary>
public static class WampMessageCodec
{
    private static readonly object?[] NoFields = [];

    /// <summary>The message as the list of fields that goes on the wire.</summary>
    public static object?[] ToFields(WampMessage message) => message switch
    {
        HelloMessage m => [1L, m.Realm, m.Details],
        WelcomeMessage m => [2L, m.Session, m.Details],
        AbortMessage m => [3L, m.Details, m.Reason],
        ChallengeMessage m => [4L, m.AuthMethod, m.Extra],
        AuthenticateMessage m => [5L, m.Signature, m.Extra],
        GoodbyeMessage m => [6L, m.Details, m.Reason],
        ErrorMessage m => WithPayload([8L, (long)m.RequestType, m.RequestId, m.Details, m.Error], m),
        PublishMessage m => WithPayload([16L, m.RequestId, m.Options, m.Topic], m),
        PublishedMessage m => [17L, m.RequestId, m.Publication],
        SubscribeMessage m => [32L, m.RequestId, m.Options, m.Topic],
        SubscribedMessage m => [33L, m.RequestId, m.Subscription],
        UnsubscribeMessage m => [34L, m.RequestId, m.Subscription],
        UnsubscribedMessage m => m.Details is null ? [35L, m.RequestId] : [35L, m.RequestId, m.Details],
        EventMessage m => WithPayload([36L, m.Subscription, m.Publication, m.Details], m),
        CallMessage m => WithPayload([48L, m.RequestId, m.Options, m.Procedure], m),
        CancelMessage m => [49L, m.RequestId, m.Options],
        ResultMessage m => WithPayload([50L, m.RequestId, m.Details], m),
        RegisterMessage m => [64L, m.RequestId, m.Options, m.Procedure],
        RegisteredMessage m => [65L, m.RequestId, m.Registration],
        UnregisterMessage m => [66L, m.RequestId, m.Registration],
        UnregisteredMessage m => m.Details is null ? [67L, m.RequestId] : [67L, m.RequestId, m.Details],
        InvocationMessage m => WithPayload([68L, m.RequestId, m.Registration, m.Details], m),
        InterruptMessage m => [69L, m.RequestId, m.Options],
        YieldMessage m => WithPayload([70L, m.RequestId, m.Options], m),
        _ => throw new ArgumentException($"unknown message type {message.GetType().Name}"),
    };

    /// <summary>
    /// Writes the message's wire array into <paramref name="sink"/>: the same values in the same order as
    /// <see cref="ToFields"/>, which it falls back to for every message without a payload. The seven that carry one are
    /// what a router writes on every routed call and event, so they are written field by field: no fields array and no
    /// boxed type code and ids per message (issue 13; ~190 B per INVOCATION, RESULT or EVENT). Tests hold the two
    /// layouts to the same bytes in every serializer (MessageWriterTests).
    /// </summary>
    internal static void Write<TSink>(ref TSink sink, WampMessage message)
        where TSink : Serialization.IValueSink, allows ref struct
    {
        switch (message)
        {
            case EventMessage m: WriteWithPayload(ref sink, 36, m.Subscription, m.Publication, m.Details, NoUri, m); return;
            case InvocationMessage m: WriteWithPayload(ref sink, 68, m.RequestId, m.Registration, m.Details, NoUri, m); return;
            case ResultMessage m: WriteWithPayload(ref sink, 50, m.RequestId, null, m.Details, NoUri, m); return;
            case CallMessage m: WriteWithPayload(ref sink, 48, m.RequestId, null, m.Options, m.Procedure, m); return;
            case YieldMessage m: WriteWithPayload(ref sink, 70, m.RequestId, null, m.Options, NoUri, m); return;
            case PublishMessage m: WriteWithPayload(ref sink, 16, m.RequestId, null, m.Options, m.Topic, m); return;
            case ErrorMessage m: WriteWithPayload(ref sink, 8, (long)m.RequestType, m.RequestId, m.Details, m.Error, m); return;
            default: Serialization.ValueWriter.WriteMessage(ref sink, ToFields(message)); return;
        }
    }

    private static readonly object NoUri = new(); // the message type has no URI field (compared by reference)

    /// <summary>
    /// [typeCode, id, second id (when not null), options or details, URI (when not <see cref="NoUri"/>), payload...]:
    /// the layouts of <see cref="ToFields"/> for the messages with a payload, and <see cref="WithPayload"/>'s payload rule.
    /// </summary>
    private static void WriteWithPayload<TSink>(ref TSink sink, long typeCode, long id, long? secondId, Dict? map, object? uri, IWampPayload payload)
        where TSink : Serialization.IValueSink, allows ref struct
    {
        int n = PayloadFieldCount(payload);
        sink.StartArray(3 + (secondId is null ? 0 : 1) + (ReferenceEquals(uri, NoUri) ? 0 : 1) + n);
        sink.WriteInt64(typeCode);
        sink.WriteInt64(id);
        if (secondId is { } second) sink.WriteInt64(second);
        Serialization.ValueWriter.Write(ref sink, map, 1);
        if (!ReferenceEquals(uri, NoUri)) Serialization.ValueWriter.Write(ref sink, uri, 1);
        // Arguments (empty when only ArgumentsKw is sent), then ArgumentsKw; empty trailing ones omitted.
        if (n > 0) Serialization.ValueWriter.Write(ref sink, payload.Arguments ?? (Args)Array.Empty<object?>(), 1);
        if (n == 2) Serialization.ValueWriter.Write(ref sink, payload.ArgumentsKw, 1);
        sink.EndArray();
    }

    /// <summary>How many payload fields follow the header: 0, 1 (args) or 2 (args, kwargs).
    /// Empty trailing Arguments/ArgumentsKw are omitted, as the spec requires.</summary>
    public static int PayloadFieldCount(IWampPayload p)
    {
        if (p.ArgumentsKw is Serialization.EncodedArgumentsKwDictionary or { Count: > 0 }) return 2; // kept encoded: never empty, counted without decoding
        if (p.Arguments is { Count: > 0 }) return 1;
        return 0;
    }

    /// <summary>
    /// Where Arguments sits in the wire array of a message with this type code (ArgumentsKw follows it), or
    /// int.MaxValue for a message without a payload: the layouts of <see cref="ToFields"/>.
    /// </summary>
    internal static int PayloadIndex(long typeCode) => typeCode switch
    {
        8 => 5,                    // ERROR
        16 or 36 or 48 or 68 => 4, // PUBLISH, EVENT, CALL, INVOCATION
        50 or 70 => 3,             // RESULT, YIELD
        _ => int.MaxValue,
    };

    private static object?[] WithPayload(object?[] head, IWampPayload p)
    {
        int n = PayloadFieldCount(p);
        if (n == 0) return head;
        var fields = new object?[head.Length + n];
        head.CopyTo(fields, 0);
        fields[head.Length] = p.Arguments ?? (Args)Array.Empty<object?>();
        if (n == 2) fields[head.Length + 1] = p.ArgumentsKw;
        return fields;
    }

    /// <summary>Builds a message from a decoded wire array, enforcing every shape rule.</summary>
    /// <param name="decoded">the decoded wire array.</param>
    /// <param name="integralFloatIds">
    /// Whether an ID may arrive as an integral floating-point value. Binary serializers pass true: JavaScript's
    /// msgpackr and cbor-x (wampy.js) encode every integer above 2^32 as a float64, and router-issued IDs reach
    /// 2^53, which float64 holds exactly. JSON passes false: a JSON number with a fraction or exponent is not an
    /// integer token, and no JSON encoder writes integers that way. Type codes are integers in every format.
    /// </param>
    /// <exception cref="WampProtocolException">the array is not a valid WAMP message.</exception>
    public static WampMessage FromFields(object? decoded, bool integralFloatIds = false)
    {
        if (decoded is not IList f || decoded is byte[]) throw new WampProtocolException("message is not an array");
        if (f.Count == 0) throw new WampProtocolException("message is an empty array");
        var type = TypeCode(f[0], "message type");
        var reader = new FieldReader(f, integralFloatIds);
        return reader.Read(type);
    }

    /// <summary>
    /// A message type code: an integer-typed value naming a defined message. Checked before any narrowing, so that
    /// 4294967297 is not read as 1 (HELLO).
    /// </summary>
    private static WampMessageType TypeCode(object? value, string name)
    {
        long code = value switch
        {
            long l => l,
            ulong => long.MaxValue, // above long.MaxValue: certainly not a message type
            null => throw new WampProtocolException($"{name} is null, not an integer"),
            double d => throw new WampProtocolException($"{name} {d.ToString(System.Globalization.CultureInfo.InvariantCulture)} is not an integer"),
            _ => throw new WampProtocolException($"{name} is not an integer"),
        };
        if (code is < 0 or > 255 || !Enum.IsDefined((WampMessageType)code))
            throw new WampProtocolException($"unknown {name} {code}");
        return (WampMessageType)code;
    }

    private readonly struct FieldReader(IList f, bool integralFloatIds)
    {
        public WampMessage Read(WampMessageType type)
        {
            switch (type)
            {
                case WampMessageType.Hello:
                    Count(f, 3, 3, type);
                    return new HelloMessage(Uri(f, 1, "Realm"), HelloDetails(Map(f, 2, "Details")));
                case WampMessageType.Welcome:
                    Count(f, 3, 3, type);
                    return new WelcomeMessage(Id(f, 1, "Session"), Map(f, 2, "Details"));
                case WampMessageType.Abort:
                    Count(f, 3, 3, type);
                    return new AbortMessage(Map(f, 1, "Details"), Uri(f, 2, "Reason"));
                case WampMessageType.Challenge:
                    Count(f, 3, 3, type);
                    return new ChallengeMessage(Str(f, 1, "AuthMethod"), Map(f, 2, "Extra"));
                case WampMessageType.Authenticate:
                    Count(f, 3, 3, type);
                    return new AuthenticateMessage(Str(f, 1, "Signature"), Map(f, 2, "Extra"));
                case WampMessageType.Goodbye:
                    Count(f, 3, 3, type);
                    return new GoodbyeMessage(Map(f, 1, "Details"), Uri(f, 2, "Reason"));
                case WampMessageType.Error:
                {
                    Count(f, 5, 7, type);
                    var reqType = TypeCode(f[1], "ERROR.Request.Type");
                    return new ErrorMessage(reqType, Id(f, 2, "Request"), Map(f, 3, "Details"), Uri(f, 4, "Error"),
                        ArgsAt(f, 5), KwAt(f, 6));
                }
                case WampMessageType.Publish:
                    Count(f, 4, 6, type);
                    return new PublishMessage(Id(f, 1, "Request"), Map(f, 2, "Options"), Uri(f, 3, "Topic"), ArgsAt(f, 4), KwAt(f, 5));
                case WampMessageType.Published:
                    Count(f, 3, 3, type);
                    return new PublishedMessage(Id(f, 1, "Request"), Id(f, 2, "Publication"));
                case WampMessageType.Subscribe:
                    Count(f, 4, 4, type);
                    return new SubscribeMessage(Id(f, 1, "Request"), Map(f, 2, "Options"), Uri(f, 3, "Topic"));
                case WampMessageType.Subscribed:
                    Count(f, 3, 3, type);
                    return new SubscribedMessage(Id(f, 1, "Request"), Id(f, 2, "Subscription"));
                case WampMessageType.Unsubscribe:
                    Count(f, 3, 3, type);
                    return new UnsubscribeMessage(Id(f, 1, "Request"), Id(f, 2, "Subscription"));
                case WampMessageType.Unsubscribed:
                    Count(f, 2, 3, type);
                    // Revocation (advanced/subscription_revocation.md) is UNSUBSCRIBED with request 0 and Details.
                    return new UnsubscribedMessage(Id(f, 1, "Request", zeroAllowed: f.Count == 3), f.Count == 3 ? Map(f, 2, "Details") : null);
                case WampMessageType.Event:
                    Count(f, 4, 6, type);
                    return new EventMessage(Id(f, 1, "Subscription"), Id(f, 2, "Publication"), Map(f, 3, "Details"), ArgsAt(f, 4), KwAt(f, 5));
                case WampMessageType.Call:
                    Count(f, 4, 6, type);
                    return new CallMessage(Id(f, 1, "Request"), Map(f, 2, "Options"), Uri(f, 3, "Procedure"), ArgsAt(f, 4), KwAt(f, 5));
                case WampMessageType.Cancel:
                    Count(f, 3, 3, type);
                    return new CancelMessage(Id(f, 1, "Request"), Map(f, 2, "Options"));
                case WampMessageType.Result:
                    Count(f, 3, 5, type);
                    return new ResultMessage(Id(f, 1, "Request"), Map(f, 2, "Details"), ArgsAt(f, 3), KwAt(f, 4));
                case WampMessageType.Register:
                    Count(f, 4, 4, type);
                    return new RegisterMessage(Id(f, 1, "Request"), Map(f, 2, "Options"), Uri(f, 3, "Procedure"));
                case WampMessageType.Registered:
                    Count(f, 3, 3, type);
                    return new RegisteredMessage(Id(f, 1, "Request"), Id(f, 2, "Registration"));
                case WampMessageType.Unregister:
                    Count(f, 3, 3, type);
                    return new UnregisterMessage(Id(f, 1, "Request"), Id(f, 2, "Registration"));
                case WampMessageType.Unregistered:
                    Count(f, 2, 3, type);
                    // Revocation (advanced/registration_revocation.md) is UNREGISTERED with request 0 and Details.
                    return new UnregisteredMessage(Id(f, 1, "Request", zeroAllowed: f.Count == 3), f.Count == 3 ? Map(f, 2, "Details") : null);
                case WampMessageType.Invocation:
                    Count(f, 4, 6, type);
                    return new InvocationMessage(Id(f, 1, "Request"), Id(f, 2, "Registration"), Map(f, 3, "Details"), ArgsAt(f, 4), KwAt(f, 5));
                case WampMessageType.Interrupt:
                    Count(f, 3, 3, type);
                    return new InterruptMessage(Id(f, 1, "Request"), Map(f, 2, "Options"));
                case WampMessageType.Yield:
                    Count(f, 3, 5, type);
                    return new YieldMessage(Id(f, 1, "Request"), Map(f, 2, "Options"), ArgsAt(f, 3), KwAt(f, 4));
                default:
                    throw new WampProtocolException($"unknown message type {(long)type}");
            }
        }

        private long Id(IList fields, int i, string name, bool zeroAllowed = false)
        {
            // IDs are integers in [1, 2^53] (basic/building_blocks.md); 0 is not an ID.
            long id = fields[i] switch
            {
                long l => l,
                ulong u => throw new WampProtocolException($"{name} {u} is outside [1, 2^53]"),
                double d when integralFloatIds && d == Math.Floor(d) && d >= 1 && d <= WampIds.Max => (long)d,
                double d => throw new WampProtocolException($"{name} {d.ToString(System.Globalization.CultureInfo.InvariantCulture)} is not an integer in [1, 2^53]"),
                _ => throw new WampProtocolException($"{name} is not an integer"),
            };
            if (!WampIds.IsValid(id) && !(zeroAllowed && id == 0)) throw new WampProtocolException($"{name} {id} is outside [1, 2^53]");
            return id;
        }
    }

    private static readonly string[] ClientRoles = ["caller", "callee", "publisher", "subscriber"];

    /// <summary>
    /// HELLO.Details.roles is mandatory (basic/session_establishment.md): a non-empty dictionary whose keys are client
    /// roles, each mapped to a dictionary of its features. Crossbar (Autobahn's Hello.parse) refuses the same HELLOs.
    /// </summary>
    private static Dict HelloDetails(Dict details)
    {
        if (!details.TryGetValue("roles", out var value)) throw new WampProtocolException("HELLO.Details.roles is missing");
        if (value is not Dict roles) throw new WampProtocolException("HELLO.Details.roles is not a dictionary");
        if (roles.Count == 0) throw new WampProtocolException("HELLO.Details.roles is empty: announce at least one role");
        foreach (var (role, features) in roles)
        {
            if (Array.IndexOf(ClientRoles, role) < 0)
                throw new WampProtocolException($"HELLO.Details.roles: unknown role \"{role}\" (expected caller, callee, publisher or subscriber)");
            if (features is not Dict)
                throw new WampProtocolException($"HELLO.Details.roles.{role} is not a dictionary");
        }
        return details;
    }

    private static void Count(IList f, int min, int max, WampMessageType type)
    {
        if (f.Count < min || f.Count > max)
            throw new WampProtocolException(min == max
                ? $"{type.ToString().ToUpperInvariant()} must have {min} elements, got {f.Count}"
                : $"{type.ToString().ToUpperInvariant()} must have {min} to {max} elements, got {f.Count}");
    }

    private static string Str(IList f, int i, string name)
        => f[i] as string ?? throw new WampProtocolException($"{name} is not a string");

    private static string Uri(IList f, int i, string name) => Str(f, i, name);

    private static Dict Map(IList f, int i, string name)
        => f[i] switch
        {
            Dictionary<string, object?> d => d,
            Dict d => d,
            _ => throw new WampProtocolException($"{name} is not a dictionary"),
        };

    private static Args? ArgsAt(IList f, int i)
    {
        if (i >= f.Count) return null;
        return f[i] switch
        {
            null => null, // tolerated: some routers (fox-wamp) send null instead of omitting
            List<object?> l => l,
            Args a => a,
            _ => throw new WampProtocolException("Arguments is not a list"),
        };
    }

    private static Dict? KwAt(IList f, int i)
    {
        if (i >= f.Count) return null;
        return f[i] switch
        {
            null => null,
            Dictionary<string, object?> d => d,
            Dict d => d,
            _ => throw new WampProtocolException("ArgumentsKw is not a dictionary"),
        };
    }
}
