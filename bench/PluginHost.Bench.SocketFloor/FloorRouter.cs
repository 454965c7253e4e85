using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace PluginHost.Bench.SocketFloor;

/// <summary>A joined client: what it registered and subscribed, so that its leaving takes them away.</summary>
internal sealed class FloorSession(long id)
{
    public readonly long Id = id;
    public readonly List<string> Procedures = [];
    public readonly List<string> Topics = [];
}

/// <summary>
/// The least a WAMP router does for the harness's scenarios, JSON only, on the loop's thread: HELLO → WELCOME, REGISTER
/// (one callee per procedure), CALL → INVOCATION → YIELD → RESULT, SUBSCRIBE, PUBLISH → EVENT to every other subscriber
/// (PUBLISHED when asked), GOODBYE. Exact URIs, no authentication, no authorization, no options, no meta events: it is
/// a measuring stick, not a router (a callee that leaves, for one, leaves its callers' pending calls unanswered). Arguments travel as the bytes they came in (the JSON text after the URI or options
/// up to the message's closing bracket), never parsed. With <c>rawEcho</c> it answers a CALL itself (RESULT with the
/// CALL's arguments), as the harness's echo peer does.
/// </summary>
internal sealed class FloorRouter(bool rawEcho)
{
    const int Hello = 1, Welcome = 2, Abort = 3, Goodbye = 6, Error = 8, Publish = 16, Published = 17, Subscribe = 32,
        Subscribed = 33, Event = 36, Call = 48, Result = 50, Register = 64, Registered = 65, Invocation = 68, Yield = 70;

    readonly Dictionary<string, (FloorConnection Callee, long Registration)> _procedures = new(StringComparer.Ordinal);
    readonly Dictionary<long, (FloorConnection Caller, long Request)> _invocations = [];
    readonly Dictionary<string, (long Subscription, List<FloorConnection> Subscribers)> _topics = new(StringComparer.Ordinal);
    readonly char[] _uriChars = new char[256]; // a routed message's URI, looked up without a string
    long _nextId;

    /// <summary>Connections that have frames to flush after this wake-up.</summary>
    public readonly List<FloorConnection> Touched = [];

    public void OnMessage(FloorConnection from, ReadOnlySpan<byte> message)
    {
        var reader = new Utf8JsonReader(message);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray || !reader.Read()) { Fail(from, "not a WAMP message"); return; }
            int type = reader.GetInt32();
            if (from.Session is null && type != Hello) { Fail(from, "a message before HELLO"); return; }
            switch (type)
            {
                case Hello: Join(from); break;
                case Goodbye:
                    Send(from, "[6,{},\"wamp.close.goodbye_and_out\"]"u8);
                    Leave(from);
                    from.Closing = true;
                    break;
                case Register: AddProcedure(from, ref reader); break;
                case Subscribe: AddSubscriber(from, ref reader); break;
                case Call: RouteCall(from, message, ref reader); break;
                case Yield: RouteYield(message, ref reader); break;
                case Publish: RoutePublish(from, message, ref reader); break;
                default: Fail(from, $"message type {type} is not served here"); break;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            Fail(from, "malformed message: " + e.Message);
        }
    }

    /// <summary>A connection went away: its registrations and subscriptions go with it.</summary>
    public void Leave(FloorConnection connection)
    {
        if (connection.Session is not { } session) return;
        connection.Session = null;
        foreach (string procedure in session.Procedures) _procedures.Remove(procedure);
        foreach (string topic in session.Topics)
        {
            if (_topics.TryGetValue(topic, out var subscription)) subscription.Subscribers.Remove(connection);
        }
    }

    void Join(FloorConnection from)
    {
        var session = new FloorSession(++_nextId);
        from.Session = session;
        Send(from, Encoding.UTF8.GetBytes(
            $"[{Welcome},{session.Id},{{\"roles\":{{\"dealer\":{{}},\"broker\":{{}}}},\"authmethod\":\"anonymous\"}}]"));
    }

    void AddProcedure(FloorConnection from, ref Utf8JsonReader reader)
    {
        long request = NextLong(ref reader);
        SkipValue(ref reader); // options
        string procedure = NextString(ref reader);
        if (_procedures.ContainsKey(procedure))
        {
            Send(from, Encoding.UTF8.GetBytes($"[{Error},{Register},{request},{{}},\"wamp.error.procedure_already_exists\"]"));
            return;
        }
        long registration = ++_nextId;
        _procedures[procedure] = (from, registration);
        from.Session!.Procedures.Add(procedure);
        Send(from, Encoding.UTF8.GetBytes($"[{Registered},{request},{registration}]"));
    }

    void AddSubscriber(FloorConnection from, ref Utf8JsonReader reader)
    {
        long request = NextLong(ref reader);
        SkipValue(ref reader); // options
        string topic = NextString(ref reader);
        if (!_topics.TryGetValue(topic, out var subscription)) _topics[topic] = subscription = (++_nextId, []);
        if (!subscription.Subscribers.Contains(from))
        {
            subscription.Subscribers.Add(from);
            from.Session!.Topics.Add(topic);
        }
        Send(from, Encoding.UTF8.GetBytes($"[{Subscribed},{request},{subscription.Subscription}]"));
    }

    /// <summary>[48, request, options, procedure, args?, kwargs?] → [68, invocation, registration, {}, args?, kwargs?].</summary>
    void RouteCall(FloorConnection from, ReadOnlySpan<byte> message, ref Utf8JsonReader reader)
    {
        long request = NextLong(ref reader);
        SkipValue(ref reader); // options
        bool known = _procedures.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(NextUri(ref reader, _uriChars), out var callee);
        ReadOnlySpan<byte> payload = Rest(message, ref reader);
        Span<byte> head = stackalloc byte[64];
        if (rawEcho)
        {
            int n = Ids(head, "[50,"u8, request, -1);
            SendWithPayload(from, head[..n], FirstOnly(payload));
            return;
        }
        if (!known)
        {
            Send(from, Encoding.UTF8.GetBytes($"[{Error},{Call},{request},{{}},\"wamp.error.no_such_procedure\"]"));
            return;
        }
        long invocation = ++_nextId;
        _invocations[invocation] = (from, request);
        int length = Ids(head, "[68,"u8, invocation, callee.Registration);
        SendWithPayload(callee.Callee, head[..length], payload);
    }

    /// <summary>[70, invocation, options, args?, kwargs?] → [50, request, {}, args?, kwargs?] to the caller.</summary>
    void RouteYield(ReadOnlySpan<byte> message, ref Utf8JsonReader reader)
    {
        long invocation = NextLong(ref reader);
        SkipValue(ref reader); // options
        if (!_invocations.Remove(invocation, out var call) || call.Caller.Closed || call.Caller.Session is null) return;
        Span<byte> head = stackalloc byte[64];
        int length = Ids(head, "[50,"u8, call.Request, -1);
        SendWithPayload(call.Caller, head[..length], Rest(message, ref reader));
    }

    /// <summary>[16, request, options, topic, args?, kwargs?] → [36, subscription, publication, {}, args?, kwargs?] to each
    /// subscriber but the publisher; [17, request, publication] when the options ask for it.</summary>
    void RoutePublish(FloorConnection from, ReadOnlySpan<byte> message, ref Utf8JsonReader reader)
    {
        long request = NextLong(ref reader);
        bool acknowledge = ReadAcknowledge(ref reader);
        bool any = _topics.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(NextUri(ref reader, _uriChars), out var subscription);
        ReadOnlySpan<byte> payload = Rest(message, ref reader);
        long publication = ++_nextId;
        if (any)
        {
            Span<byte> head = stackalloc byte[64];
            int length = Ids(head, "[36,"u8, subscription.Subscription, publication);
            foreach (FloorConnection subscriber in subscription.Subscribers)
            {
                if (subscriber != from) SendWithPayload(subscriber, head[..length], payload);
            }
        }
        if (acknowledge) Send(from, Encoding.UTF8.GetBytes($"[{Published},{request},{publication}]"));
    }

    /// <summary>Writes "[type,first,second,{}" (second left out when negative) into <paramref name="into"/>.</summary>
    static int Ids(Span<byte> into, ReadOnlySpan<byte> typeAndBracket, long first, long second)
    {
        typeAndBracket.CopyTo(into);
        int at = typeAndBracket.Length;
        Utf8Formatter.TryFormat(first, into[at..], out int digits);
        at += digits;
        if (second >= 0)
        {
            into[at++] = (byte)',';
            Utf8Formatter.TryFormat(second, into[at..], out digits);
            at += digits;
        }
        ",{}"u8.CopyTo(into[at..]);
        return at + 3;
    }

    /// <summary>The message's text after the current token up to its closing bracket: ",args,kwargs", or empty.</summary>
    static ReadOnlySpan<byte> Rest(ReadOnlySpan<byte> message, ref Utf8JsonReader reader)
    {
        int from = (int)reader.BytesConsumed;
        int close = message.LastIndexOf((byte)']');
        if (close < from) throw new FormatException("no closing bracket");
        return message[from..close];
    }

    /// <summary>The arguments list of a ",args,kwargs" rest (a raw echo answers with the arguments only).</summary>
    static ReadOnlySpan<byte> FirstOnly(ReadOnlySpan<byte> rest)
    {
        if (rest.IsEmpty) return rest;
        var reader = new Utf8JsonReader(rest[1..]);
        reader.Read();
        reader.Skip();
        return rest[..(1 + (int)reader.BytesConsumed)];
    }

    static bool ReadAcknowledge(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new FormatException("options must be a dict");
        bool acknowledge = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isAcknowledge = reader.ValueTextEquals("acknowledge"u8);
            reader.Read();
            if (isAcknowledge && reader.TokenType == JsonTokenType.True) acknowledge = true;
            reader.Skip();
        }
        return acknowledge;
    }

    static long NextLong(ref Utf8JsonReader reader) => reader.Read() ? reader.GetInt64() : throw new FormatException("message ends early");

    static string NextString(ref Utf8JsonReader reader) => reader.Read() ? reader.GetString()! : throw new FormatException("message ends early");

    /// <summary>The next string as characters in <paramref name="room"/> (no string made per routed message).</summary>
    static ReadOnlySpan<char> NextUri(ref Utf8JsonReader reader, Span<char> room)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.String) throw new FormatException("a URI must be a string");
        if (reader.ValueIsEscaped || reader.ValueSpan.Length > room.Length) return reader.GetString();
        return room[..Encoding.UTF8.GetChars(reader.ValueSpan, room)];
    }

    static void SkipValue(ref Utf8JsonReader reader)
    {
        if (!reader.Read()) throw new FormatException("message ends early");
        reader.Skip();
    }

    void Fail(FloorConnection to, string why)
    {
        Send(to, Encoding.UTF8.GetBytes($"[{Abort},{{\"message\":{JsonSerializer.Serialize(why)}}},\"wamp.error.protocol_violation\"]"));
        Leave(to);
        to.Closing = true;
    }

    /// <summary>A whole message.</summary>
    void Send(FloorConnection to, ReadOnlySpan<byte> message)
    {
        Touch(to);
        to.AppendText(message);
    }

    /// <summary>A message's head, the payload as it came (",args,kwargs" or empty) and the closing bracket.</summary>
    void SendWithPayload(FloorConnection to, ReadOnlySpan<byte> head, ReadOnlySpan<byte> payload)
    {
        Touch(to);
        to.AppendText(head, payload, "]"u8);
    }

    /// <summary>Puts a connection in the list the loop flushes after this wake-up (once).</summary>
    public void Touch(FloorConnection to)
    {
        if (to.Touched) return;
        to.Touched = true;
        Touched.Add(to);
    }
}
