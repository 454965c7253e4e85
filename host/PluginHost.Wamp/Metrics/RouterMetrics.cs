using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;

namespace PluginHost.Wamp.Metrics;

// METRICS DESIGN
//
// One process-wide Meter, "PluginHost.Router", owns every router instrument. Instruments are static:
// a router worker is one process with one WampRouter, and System.Diagnostics.Metrics instruments are
// thread-safe, so the realm loops, session readers and writers all record into them without locks.
// Aggregated state belongs to the listener (the node's OpenTelemetry MeterProvider, set up only when a web
// path of type "metrics" exists; see host/PluginHost/Listeners/RouterMetricsExport.cs), except the
// joined-session counts per realm, which this class owns (Interlocked; read by the exporter's callback).
// Without a listener each Add is a field check and returns, so the hooks cost next to nothing.
//
// Hooks are one line each at the place the thing happens (Realm.Join/RemoveSession, Dealer.StartCall,
// Broker.Publish, RouterSession's read loop, Send, slow-consumer closes and handshake). They never
// allocate: one or two tags passed as KeyValuePair overloads of Add (no tag array), tag values are
// strings the router already holds (realm name, serializer name, error URI).
//
// Cardinality: tags are the realm (configured), the serializer (json/msgpack/cbor/none) and error URIs.
// Call error URIs include the ones callees choose (application errors); the auth-failure counter does
// not carry the requested realm, which an unauthenticated client picks freely.
//
// Names follow OpenTelemetry's conventions: dotted lower-case names under "pluginhost.router",
// annotation units in braces ("{call}"), error.type for the error URI. The Prometheus exporter turns
// them into e.g. pluginhost_router_calls_total{wamp_realm="realm1"}.
//
// Outbound queue depth: observable gauges whose callback (the exporter's thread, once per scrape) walks the
// sessions of every live router (registered while the router lives) and sums each session's FlowControl counts,
// which are Interlocked and readable from any thread; nothing is recorded on the hot path for them.
//
// Call durations: the dealer stamps a routed call when it sends the INVOCATION (only while someone listens to
// a duration histogram) and records when the call ends: the callee's final YIELD or ERROR, a timeout, a cancel or a
// party leaving (error.type then names the URI the caller got). Per realm in pluginhost.router.call.duration, and
// per labelled callee in pluginhost.component.call.duration: a host names some sessions by tags (the node: its
// components, by worker.id and component.id, LabelCallees) and calls those sessions answer are recorded under their
// tags too. The label map is replaced whole (one volatile write of a frozen dictionary) and read lock-free by the
// realm loops; a session the host has not labelled (yet) is only counted per realm.
//
// Bytes by serializer are counted where frames are read and written: the transports, through the
// TransportTraffic a listener attaches to each connection it accepts (client connections have none).
public static class RouterMetrics
{
    public const string MeterName = "PluginHost.Router";
    public const string RealmTag = "wamp.realm";
    public const string SerializerTag = "wamp.serializer";
    public const string ErrorTag = "error.type";

    private static readonly Meter Meter = new(MeterName, typeof(RouterMetrics).Assembly.GetName().Version?.ToString());

    // Joined sessions per realm name, kept whether or not anyone listens: router components join before the
    // transports (and so the exporter) start, and an UpDownCounter would only see what happened after that.
    // Join/leave are per session, not per message: a dictionary lookup there is fine.
    private static readonly ConcurrentDictionary<string, StrongBox<long>> JoinedByRealm = new(StringComparer.Ordinal);

    private static readonly ObservableUpDownCounter<long> Sessions = Meter.CreateObservableUpDownCounter(
        "pluginhost.router.sessions", ObserveSessions, "{session}", "WAMP sessions currently joined to a realm");
    private static readonly Counter<long> Calls = Meter.CreateCounter<long>(
        "pluginhost.router.calls", "{call}", "CALLs routed to a callee (INVOCATION sent)");
    private static readonly Counter<long> CallErrors = Meter.CreateCounter<long>(
        "pluginhost.router.call.errors", "{error}", "ERROR replies to CALLs, from the router or the callee, by error URI");
    private static readonly Counter<long> EventsPublished = Meter.CreateCounter<long>(
        "pluginhost.router.events.published", "{event}", "PUBLISHes accepted by the broker");
    private static readonly Counter<long> EventsDelivered = Meter.CreateCounter<long>(
        "pluginhost.router.events.delivered", "{event}", "EVENTs queued to subscribers");
    private static readonly Counter<long> MessagesReceived = Meter.CreateCounter<long>(
        "pluginhost.router.messages.received", "{message}", "WAMP messages received from joined sessions");
    private static readonly Counter<long> MessagesSent = Meter.CreateCounter<long>(
        "pluginhost.router.messages.sent", "{message}", "WAMP messages queued to joined sessions");
    private static readonly Counter<long> SlowConsumerCloses = Meter.CreateCounter<long>(
        "pluginhost.router.slow_consumer.closes", "{session}", "Sessions closed as slow consumers");
    private static readonly Counter<long> AuthFailures = Meter.CreateCounter<long>(
        "pluginhost.router.auth.failures", "{failure}", "Session openings refused (ABORT) during HELLO/authentication, by reason URI");

    private static readonly Counter<long> BytesReceived = Meter.CreateCounter<long>(
        "pluginhost.router.bytes.received", "By", "WAMP message bytes received from clients (as framed on the wire), by serializer");
    private static readonly Counter<long> BytesSent = Meter.CreateCounter<long>(
        "pluginhost.router.bytes.sent", "By", "WAMP message bytes sent to clients (as framed on the wire), by serializer");

    private static readonly Histogram<double> CallDuration = Meter.CreateHistogram<double>(
        "pluginhost.router.call.duration", "s", "Time from the INVOCATION sent to the call's end (final YIELD, ERROR, timeout or cancel), by realm and error URI");
    private static readonly Histogram<double> ComponentCallDuration = Meter.CreateHistogram<double>(
        "pluginhost.component.call.duration", "s", "Calls answered by a labelled callee (the node's components), from INVOCATION sent to the call's end; its count is the component's calls");

    private static FrozenDictionary<long, KeyValuePair<string, object?>[]> s_calleeLabels = FrozenDictionary<long, KeyValuePair<string, object?>[]>.Empty;

    /// <summary>Names callee sessions by tags (session id → tags, e.g. worker.id and component.id): calls they answer
    /// are also recorded in pluginhost.component.call.duration under those tags. Replaces the previous labels.</summary>
    public static void LabelCallees(IEnumerable<KeyValuePair<long, KeyValuePair<string, object?>[]>> tagsBySession)
        => Volatile.Write(ref s_calleeLabels, tagsBySession.ToFrozenDictionary());

    /// <summary>The timestamp a routed call starts with: Stopwatch ticks while a duration histogram is listened to, else 0.</summary>
    internal static long CallStarted() => CallDuration.Enabled || ComponentCallDuration.Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>A routed call ended (error: the URI its caller got, null for a result).</summary>
    internal static void CallEnded(string realm, long calleeSession, long started, string? error)
    {
        if (started == 0) return;
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var tags = new TagList { Realm(realm) };
        if (error is not null) tags.Add(ErrorTag, error);
        CallDuration.Record(seconds, tags);
        if (Volatile.Read(ref s_calleeLabels).TryGetValue(calleeSession, out var labels))
        {
            foreach (var label in labels) tags.Add(label);
            ComponentCallDuration.Record(seconds, tags);
        }
    }

    internal static void BytesReceivedFrom(KeyValuePair<string, object?> serializer, int bytes) => BytesReceived.Add(bytes, serializer);
    internal static void BytesSentTo(KeyValuePair<string, object?> serializer, int bytes) => BytesSent.Add(bytes, serializer);

    // Live routers, for the outbound-queue gauges (WampRouter registers itself and leaves on dispose).
    private static readonly ConcurrentDictionary<WampRouter, byte> LiveRouters = new();

    private static readonly ObservableGauge<long> OutboundQueued = Meter.CreateObservableGauge(
        "pluginhost.router.outbound.queued", () => ObserveOutbound(bytes: false), "{message}",
        "Messages accepted for joined sessions and not yet written to their transports (the slow-consumer limits apply to it)");
    private static readonly ObservableGauge<long> OutboundQueuedBytes = Meter.CreateObservableGauge(
        "pluginhost.router.outbound.queued_bytes", () => ObserveOutbound(bytes: true), "By",
        "Estimated encoded bytes accepted for joined sessions and not yet written to their transports");

    internal static void RouterStarted(WampRouter router) => LiveRouters.TryAdd(router, 0);
    internal static void RouterStopped(WampRouter router) => LiveRouters.TryRemove(router, out _);

    private static IEnumerable<Measurement<long>> ObserveOutbound(bool bytes)
    {
        var byRealm = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var router in LiveRouters.Keys)
            foreach (var session in router.LiveSessions)
                if (session.Realm is { } realm)
                    byRealm[realm.Name] = byRealm.GetValueOrDefault(realm.Name) + (bytes ? session.QueuedBytes : session.Queued);
        return byRealm.Select(r => new Measurement<long>(r.Value, Realm(r.Key)));
    }

    private static KeyValuePair<string, object?> Realm(string name) => new(RealmTag, name);

    public static void SessionJoined(string realm) => Interlocked.Increment(ref JoinedByRealm.GetOrAdd(realm, _ => new StrongBox<long>()).Value);
    public static void SessionLeft(string realm) => Interlocked.Decrement(ref JoinedByRealm.GetOrAdd(realm, _ => new StrongBox<long>()).Value);

    /// <summary>Sessions joined now to each realm of this process's live routers (every realm, 0 included): a node's health page.</summary>
    public static IReadOnlyDictionary<string, long> JoinedSessionsByRealm()
    {
        var result = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var router in LiveRouters.Keys)
            foreach (var realm in router.RealmNames)
                result[realm] = JoinedByRealm.TryGetValue(realm, out var joined) ? Interlocked.Read(ref joined.Value) : 0;
        return result;
    }

    private static IEnumerable<Measurement<long>> ObserveSessions()
        => JoinedByRealm.Select(r => new Measurement<long>(Interlocked.Read(ref r.Value.Value), Realm(r.Key)));
    // Running totals of the process, kept whether or not anyone listens (one Interlocked each): the rates a node's live
    // page plots (the management API's get_router_stats) come from them, with no exporter needed.
    private static long s_calls, s_eventsPublished, s_eventsDelivered;

    /// <summary>Calls routed, publications accepted and events delivered by this process's routers since it started.</summary>
    public static (long Calls, long EventsPublished, long EventsDelivered) Totals()
        => (Interlocked.Read(ref s_calls), Interlocked.Read(ref s_eventsPublished), Interlocked.Read(ref s_eventsDelivered));

    public static void CallRouted(string realm)
    {
        Interlocked.Increment(ref s_calls);
        Calls.Add(1, Realm(realm));
    }

    public static void EventPublished(string realm)
    {
        Interlocked.Increment(ref s_eventsPublished);
        EventsPublished.Add(1, Realm(realm));
    }
    public static void SlowConsumerClosed(string? realm) => SlowConsumerCloses.Add(1, Realm(realm ?? ""));
    public static void AuthFailed(string reason) => AuthFailures.Add(1, new KeyValuePair<string, object?>(ErrorTag, reason));

    public static void Received(string realm, string serializer)
        => MessagesReceived.Add(1, Realm(realm), new KeyValuePair<string, object?>(SerializerTag, serializer));

    /// <summary>Send hook: every message queued to a joined session; EVENTs and ERRORs to CALLs also count on their own.</summary>
    internal static void Sent(Realm? realm, string serializer, WampMessage message)
    {
        bool isEvent = message is EventMessage;
        if (isEvent) Interlocked.Increment(ref s_eventsDelivered);
        if (realm is null || !MessagesSent.Enabled) return; // handshake (no realm yet), or nobody listening
        MessagesSent.Add(1, Realm(realm.Name), new KeyValuePair<string, object?>(SerializerTag, serializer));
        if (isEvent) EventsDelivered.Add(1, Realm(realm.Name));
        else if (message is ErrorMessage { RequestType: WampMessageType.Call } error)
            CallErrors.Add(1, Realm(realm.Name), new KeyValuePair<string, object?>(ErrorTag, error.Error));
    }
}
