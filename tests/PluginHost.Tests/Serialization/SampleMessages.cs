using PluginHost.Wamp.Messages;
using static PluginHost.Tests.Serialization.Wire;

namespace PluginHost.Tests.Serialization;

/// <summary>One or more instances of every message type, with and without payloads.</summary>
internal static class SampleMessages
{
    private static readonly Dictionary<string, object?> Empty = new();

    private static List<object?> Args => List(1L, "two", 3.5, true, null, List(1L, 2L), Dict(("x", "y")));
    private static Dictionary<string, object?> Kw => Dict(("a", 1L), ("b", List("c")), ("bin", new byte[] { 0, 1, 255 }));

    public static IEnumerable<WampMessage> All()
    {
        var roles = Dict(("roles", Dict(("caller", Dict(("features", Dict(("progressive_call_results", true))))),
            ("subscriber", Empty))), ("authmethods", List("anonymous", "ticket")));
        yield return new HelloMessage("realm1", roles);
        yield return new WelcomeMessage(WampIds.Max, Dict(("authid", "ABC"), ("roles", Dict(("broker", Empty)))));
        yield return new AbortMessage(Dict(("message", "nope")), "wamp.error.no_such_realm");
        yield return new ChallengeMessage("wampcra", Dict(("challenge", "{\"nonce\":1}"), ("iterations", 1000L)));
        yield return new AuthenticateMessage("c2lnbmF0dXJl", Empty);
        yield return new GoodbyeMessage(Empty, "wamp.close.goodbye_and_out");
        yield return new ErrorMessage(WampMessageType.Call, 7, Empty, "wamp.error.invalid_argument");
        yield return new ErrorMessage(WampMessageType.Call, 7, Empty, "com.err", Args);
        yield return new ErrorMessage(WampMessageType.Invocation, 8, Empty, "com.err", Args, Kw);
        yield return new PublishMessage(1, Dict(("acknowledge", true), ("exclude", List(1L, 2L))), "com.topic");
        yield return new PublishMessage(2, Empty, "com.topic", Args);
        yield return new PublishMessage(3, Empty, "com.topic", Args, Kw);
        yield return new PublishedMessage(1, 5_000_000_000L);
        yield return new SubscribeMessage(4, Dict(("match", "prefix")), "com.");
        yield return new SubscribedMessage(4, 12345);
        yield return new UnsubscribeMessage(5, 12345);
        yield return new UnsubscribedMessage(5);
        yield return new UnsubscribedMessage(0, Dict(("subscription", 12345L), ("reason", "wamp.close")));
        yield return new EventMessage(12345, 999, Empty);
        yield return new EventMessage(12345, 999, Dict(("publisher", 77L)), Args);
        yield return new EventMessage(12345, 999, Empty, Args, Kw);
        yield return new CallMessage(9, Dict(("timeout", 1000L), ("receive_progress", true)), "com.proc");
        yield return new CallMessage(10, Empty, "com.proc", Args, Kw);
        yield return new CancelMessage(10, Dict(("mode", "kill")));
        yield return new ResultMessage(10, Empty);
        yield return new ResultMessage(10, Dict(("progress", true)), Args);
        yield return new ResultMessage(10, Empty, Args, Kw);
        yield return new RegisterMessage(11, Dict(("invoke", "roundrobin")), "com.proc");
        yield return new RegisteredMessage(11, 1);
        yield return new UnregisterMessage(12, 1);
        yield return new UnregisteredMessage(12);
        yield return new UnregisteredMessage(0, Dict(("registration", 1L)));
        yield return new InvocationMessage(13, 1, Empty);
        yield return new InvocationMessage(13, 1, Dict(("caller", 5L)), Args, Kw);
        yield return new InterruptMessage(13, Dict(("mode", "killnowait")));
        yield return new YieldMessage(13, Empty);
        yield return new YieldMessage(13, Dict(("progress", true)), Args);
        yield return new YieldMessage(13, Empty, Args, Kw);
    }

    /// <summary>Theory rows: every serializer crossed with every sample (by index, so rows stay serializable).</summary>
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        int count = All().Count();
        foreach (var name in new[] { "json", "msgpack", "cbor" })
            for (int i = 0; i < count; i++) data.Add(name, i);
        return data;
    }
}
