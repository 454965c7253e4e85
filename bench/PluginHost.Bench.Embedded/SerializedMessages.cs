using System.Buffers;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Serialization;

namespace PluginHost.Bench.Embedded;

/// <summary>
/// What each serializer costs the router per routed call and per delivered event: a routed call is two messages read
/// (CALL from the caller, YIELD from the callee) and two written (INVOCATION, RESULT); an event is one PUBLISH read and
/// one EVENT written per subscriber. Each benchmark decodes and encodes exactly those messages, with the payload of the
/// bench harness's calls (a string and a number) and of a typical event (a small object in kwargs). JSON is the
/// baseline: the Ratio column is the "MessagePack and CBOR vs JSON: never slower than JSON".
/// <see cref="KeptPayloads"/> true is how a router reads (WampSerializers.SelectForRouting: payloads kept as the bytes
/// they came in and copied out as they are, Serialization/EncodedPayload.cs); false decodes and encodes every value.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(OneCore))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class SerializedMessages
{
    private readonly Dictionary<string, Messages> _by = new();
    private readonly ArrayBufferWriter<byte> _out = new(4096);

    [ParamsAllValues]
    public bool KeptPayloads { get; set; }

    /// <summary>0: the payloads above; 1024: each also carries a 1 KiB string (what a kept payload saves grows with it).</summary>
    [Params(0, 1024)]
    public int ExtraBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        foreach (var serializer in KeptPayloads ? WampSerializers.SelectForRouting(null) : WampSerializers.All)
            _by[serializer.Name] = new Messages(serializer, ExtraBytes);
    }

    [Benchmark(Baseline = true), BenchmarkCategory("routed call")] public int CallJson() => RoutedCall(_by["json"]);
    [Benchmark, BenchmarkCategory("routed call")] public int CallMsgPack() => RoutedCall(_by["msgpack"]);
    [Benchmark, BenchmarkCategory("routed call")] public int CallCbor() => RoutedCall(_by["cbor"]);

    [Benchmark(Baseline = true), BenchmarkCategory("delivered event")] public int EventJson() => DeliveredEvent(_by["json"]);
    [Benchmark, BenchmarkCategory("delivered event")] public int EventMsgPack() => DeliveredEvent(_by["msgpack"]);
    [Benchmark, BenchmarkCategory("delivered event")] public int EventCbor() => DeliveredEvent(_by["cbor"]);

    /// <summary>The serializer's work for one routed call: CALL and YIELD read, INVOCATION and RESULT written.</summary>
    private int RoutedCall(Messages m)
    {
        _out.ResetWrittenCount();
        var call = (CallMessage)m.Serializer.Deserialize(m.Call);
        m.Serializer.Serialize(m.Invocation with { Arguments = call.Arguments }, _out);
        var answer = (YieldMessage)m.Serializer.Deserialize(m.Yield);
        m.Serializer.Serialize(m.Result with { Arguments = answer.Arguments }, _out);
        return _out.WrittenCount;
    }

    /// <summary>The serializer's work for one event published and delivered to one subscriber.</summary>
    private int DeliveredEvent(Messages m)
    {
        _out.ResetWrittenCount();
        var publish = (PublishMessage)m.Serializer.Deserialize(m.Publish);
        m.Serializer.Serialize(m.Event with { ArgumentsKw = publish.ArgumentsKw }, _out);
        return _out.WrittenCount;
    }

    /// <summary>The messages of a routed call and an event: the inbound ones encoded once by the serializer under test.</summary>
    private sealed class Messages
    {
        private readonly object?[] Args = ["hello", 42L];
        private readonly Dictionary<string, object?> Kwargs = new() { ["sensor"] = "temp-7", ["value"] = 21.5, ["ok"] = true };

        public Messages(IWampSerializer serializer, int extraBytes)
        {
            if (extraBytes > 0)
            {
                Args = [.. Args, new string('x', extraBytes)];
                Kwargs["note"] = new string('x', extraBytes);
            }
            Invocation = new(9001, 4242424242L, WampValue.NoDetails, Args);
            Result = new(7001, WampValue.NoDetails, Args);
            Event = new(5151515151L, 6262626262L, WampValue.NoDetails, [], Kwargs);
            Serializer = serializer;
            Call = Encoded(new CallMessage(7001, WampValue.NoDetails, "com.example.echo", Args));
            Yield = Encoded(new YieldMessage(9001, WampValue.NoDetails, Args));
            Publish = Encoded(new PublishMessage(7002, WampValue.NoDetails, "com.example.reading", [], Kwargs));
        }

        public IWampSerializer Serializer { get; }
        public ReadOnlySequence<byte> Call { get; }
        public ReadOnlySequence<byte> Yield { get; }
        public ReadOnlySequence<byte> Publish { get; }
        public InvocationMessage Invocation { get; }
        public ResultMessage Result { get; }
        public EventMessage Event { get; }

        private ReadOnlySequence<byte> Encoded(WampMessage message)
        {
            var buffer = new ArrayBufferWriter<byte>();
            Serializer.Serialize(message, buffer);
            return new ReadOnlySequence<byte>(buffer.WrittenMemory.ToArray());
        }
    }
}
