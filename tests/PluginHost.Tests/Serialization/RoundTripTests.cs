using PluginHost.Wamp.Messages;
using static PluginHost.Tests.Serialization.Wire;

namespace PluginHost.Tests.Serialization;

public class RoundTripTests
{
    public static TheoryData<string, int> Cases => SampleMessages.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryMessageTypeRoundTrips(string serializer, int index)
    {
        var s = Get(serializer);
        var original = SampleMessages.All().ElementAt(index);
        var decoded = RoundTrip(s, original);

        Assert.Equal(original.GetType(), decoded.GetType());
        var expected = WampMessageCodec.ToFields(original);
        var actual = WampMessageCodec.ToFields(decoded);
        Assert.True(WampValue.DeepEquals(expected, actual), $"{serializer}: {original} decoded as {decoded}");
        // Encoding is deterministic, so the decoded message re-encodes to the same bytes.
        Assert.Equal(Encode(s, original), Encode(s, decoded));
    }

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Wire))]
    public void EmptyTrailingPayloadIsOmitted(string serializer)
    {
        var s = Get(serializer);
        var m = (CallMessage)RoundTrip(s, new CallMessage(1, new Dictionary<string, object?>(), "p", List(), Dict()));
        Assert.Null(m.Arguments);
        Assert.Null(m.ArgumentsKw);
        Assert.Equal(4, WampMessageCodec.ToFields(m).Length);

        var r = (ResultMessage)RoundTrip(s, new ResultMessage(1, Dict(), List(1L)));
        Assert.Single(r.Arguments!);
        Assert.Null(r.ArgumentsKw);
    }

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Wire))]
    public void KwargsWithoutArgsSendsEmptyArgs(string serializer)
    {
        var s = Get(serializer);
        var m = (EventMessage)RoundTrip(s, new EventMessage(1, 2, Dict(), null, Dict(("k", "v"))));
        Assert.NotNull(m.Arguments);
        Assert.Empty(m.Arguments);
        Assert.Equal("v", m.ArgumentsKw!["k"]);
    }

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Wire))]
    public void NullPayloadFieldsFromPeersAreTolerated(string serializer)
    {
        // Some routers send null instead of omitting: [36, 1, 2, {}, null, {"k": 1}]
        var s = Get(serializer);
        var m = (EventMessage)Decode(s, EncodeFields(s, 36L, 1L, 2L, Dict(), null, Dict(("k", 1L))));
        Assert.Null(m.Arguments);
        Assert.Equal(1L, m.ArgumentsKw!["k"]);
    }

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Wire))]
    public void MultiSegmentInputDecodes(string serializer)
    {
        var s = Get(serializer);
        var original = new EventMessage(1, 2, Dict(), List("x".PadRight(100, 'y'), new byte[50], 1234567L), Dict(("z", 1.25)));
        var bytes = Encode(s, original);
        foreach (int size in new[] { 1, 2, 7, 64 })
        {
            var decoded = s.Deserialize(SegmentedSequence.Create(bytes, size));
            Assert.True(WampValue.DeepEquals(WampMessageCodec.ToFields(original), WampMessageCodec.ToFields(decoded)));
        }
    }
}
