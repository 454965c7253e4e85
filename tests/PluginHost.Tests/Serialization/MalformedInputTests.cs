using System.Buffers;
using PluginHost.Wamp.Messages;
using static PluginHost.Tests.Serialization.Wire;

namespace PluginHost.Tests.Serialization;

/// <summary>Bad input of every kind surfaces as WampProtocolException and nothing else.</summary>
public class MalformedInputTests
{
    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Wire))]
    public void EveryTruncationIsRejected(string serializer)
    {
        var s = Get(serializer);
        foreach (var m in SampleMessages.All())
        {
            var bytes = Encode(s, m);
            for (int n = 0; n < bytes.Length; n++)
            {
                var prefix = bytes.AsSpan(0, n).ToArray();
                Assert.Throws<WampProtocolException>(() => Decode(s, prefix));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Wire))]
    public void NonArrayRootsAreRejected(string serializer)
    {
        var s = Get(serializer);
        // Each value encoded alone: take the single element out of a one-element wire array.
        foreach (var value in new object?[] { 1L, "x", null, true, 1.5, Dict(("a", 1L)), new byte[] { 1 } })
        {
            var bytes = EncodeFields(s, value);
            var inner = serializer == "json" ? bytes[1..^1] : bytes[1..]; // strip '[' ']' / the array header
            Assert.Throws<WampProtocolException>(() => Decode(s, inner));
        }
    }

    public static TheoryData<string, int> WrongShapes()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in new[] { "json", "msgpack", "cbor" })
            for (int i = 0; i < BadFields.Length; i++) data.Add(name, i);
        return data;
    }

    private static readonly object?[][] BadFields =
    [
        [],
        ["1", "realm", Dict()], // type as string
        [1.5, "realm", Dict()], // type as fraction
        [999L, "x"], // unknown type
        [7L, "x", Dict()], // unassigned type code
        [1L, 5L, Dict()], // HELLO realm not a string
        [1L, "realm", List()], // HELLO details not a dict
        [1L, "realm"], // too short
        [1L, "realm", Dict(), Dict()], // too long
        [2L, "sess", Dict()], // WELCOME session not an integer
        [2L, -5L, Dict()], // negative id
        [2L, (1L << 53) + 1, Dict()], // id above 2^53
        [2L, ulong.MaxValue, Dict()], // id far above 2^53
        [16L, 1L, Dict(), "t", Dict()], // PUBLISH args not a list
        [16L, 1L, Dict(), "t", List(), List()], // PUBLISH kwargs not a dict
        [16L, 1L, Dict(), "t", List(), Dict(), List()], // PUBLISH too long
        [8L, "x", 1L, Dict(), "e"], // ERROR request type not an integer
        [36L, 1L, 2L, "details"], // EVENT details not a dict
        [48L, 1L, Dict(), new byte[] { 1 }], // CALL procedure is binary
        [35L, 1L, List()], // UNSUBSCRIBED details not a dict
        [List(1L), "realm", Dict()], // type is an array
        [null, "realm", Dict()], // type is null
    ];

    [Theory]
    [MemberData(nameof(WrongShapes))]
    public void WrongFieldTypesAndCountsAreRejected(string serializer, int index)
    {
        var s = Get(serializer);
        Assert.Throws<WampProtocolException>(() => Decode(s, EncodeFields(s, BadFields[index])));
    }

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Wire))]
    public void RandomGarbageIsRejectedOrDecodedNeverThrowsOtherwise(string serializer)
    {
        var s = Get(serializer);
        var rng = new Random(12345);
        for (int i = 0; i < 3000; i++)
        {
            var bytes = new byte[rng.Next(0, 64)];
            rng.NextBytes(bytes);
            DecodesOrRejects(s, new ReadOnlySequence<byte>(bytes));
        }
    }

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Wire))]
    public void MutatedMessagesAreRejectedOrDecodedNeverThrowsOtherwise(string serializer)
    {
        var s = Get(serializer);
        var rng = new Random(777);
        var encoded = SampleMessages.All().Select(m => Encode(s, m)).ToArray();
        for (int i = 0; i < 5000; i++)
        {
            var bytes = (byte[])encoded[rng.Next(encoded.Length)].Clone();
            int edits = rng.Next(1, 4);
            for (int e = 0; e < edits; e++)
            {
                int at = rng.Next(bytes.Length);
                switch (rng.Next(3))
                {
                    case 0: bytes[at] = (byte)rng.Next(256); break;
                    case 1: bytes[at] ^= (byte)(1 << rng.Next(8)); break;
                    default: bytes[at] = (byte)(bytes[at] + 1); break;
                }
            }
            DecodesOrRejects(s, new ReadOnlySequence<byte>(bytes));
        }
    }

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Wire))]
    public void DeeplyNestedGarbageDoesNotOverflowTheStack(string serializer)
    {
        var s = Get(serializer);
        byte open = serializer switch { "json" => (byte)'[', "msgpack" => 0x91, _ => 0x81 };
        var bytes = Enumerable.Repeat(open, 1_000_000).ToArray();
        Assert.Throws<WampProtocolException>(() => Decode(s, bytes));
    }
}
