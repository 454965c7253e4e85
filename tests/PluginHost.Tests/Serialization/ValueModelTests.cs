using System.Collections;
using System.Collections.ObjectModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using PluginHost.Wamp.Messages;
using static PluginHost.Tests.Serialization.Wire;

namespace PluginHost.Tests.Serialization;

/// <summary>How values map to and from the value model, for every serializer.</summary>
public class ValueModelTests
{
    private static readonly int[] IntArray = [1, 2, 3];
    private static readonly string[] OtherKeys = ["x_custom", "ünïcødé", "Roles", "roles_"];

    private static IReadOnlyList<object?> Echo(string serializer, params object?[] args)
        => ((PublishMessage)RoundTrip(Get(serializer), new PublishMessage(1, Dict(), "t", [.. args]))).Arguments!;

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Wire))]
    public void BinaryRoundTripsAsByteArray(string serializer)
    {
        var big = new byte[70_000];
        new Random(1).NextBytes(big);
        var a = Echo(serializer, new byte[] { 0, 1, 2, 255 }, Array.Empty<byte>(), big,
            Dict(("nested", new byte[] { 42 })), new ReadOnlyMemory<byte>([7, 8]), new ArraySegment<byte>([5, 6, 7], 1, 2));
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, Assert.IsType<byte[]>(a[0]));
        Assert.Empty(Assert.IsType<byte[]>(a[1]));
        Assert.Equal(big, Assert.IsType<byte[]>(a[2]));
        Assert.Equal(new byte[] { 42 }, Assert.IsType<byte[]>(((Dictionary<string, object?>)a[3]!)["nested"]));
        Assert.Equal(new byte[] { 7, 8 }, Assert.IsType<byte[]>(a[4]));
        Assert.Equal(new byte[] { 6, 7 }, Assert.IsType<byte[]>(a[5]));
    }

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Wire))]
    public void KnownDictionaryKeysAreOneStringForAllReadsAndOtherKeysAreDecoded(string serializer)
    {
        var s = Get(serializer);
        var hello = new HelloMessage("realm1", Dict(
            ("roles", Dict(("caller", Dict(("features", Dict(("progressive_call_results", true))))))),
            ("x_custom", 1), ("ünïcødé", 2), ("Roles", 3), ("roles_", 4)));
        static string Key(IReadOnlyDictionary<string, object?> d, string key) => d.Keys.Single(k => k == key);
        var first = ((HelloMessage)RoundTrip(s, hello)).Details;
        var second = ((HelloMessage)RoundTrip(s, hello)).Details;
        Assert.Same(Key(first, "roles"), Key(second, "roles"));
        var features = (IReadOnlyDictionary<string, object?>)((IReadOnlyDictionary<string, object?>)((IReadOnlyDictionary<string, object?>)first["roles"]!)["caller"]!)["features"]!;
        Assert.Same(Key(features, "progressive_call_results"), Key(((IReadOnlyDictionary<string, object?>)((IReadOnlyDictionary<string, object?>)((IReadOnlyDictionary<string, object?>)second["roles"]!)["caller"]!)["features"]!), "progressive_call_results"));
        Assert.Equal(true, features["progressive_call_results"]);
        // Anything else (unknown, non-ASCII, another case, a known key's prefix) is decoded, as it always was.
        Assert.Equal([1L, 2L, 3L, 4L], OtherKeys.Select(k => Convert.ToInt64(first[k], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.NotSame(Key(first, "x_custom"), Key(second, "x_custom"));
    }

    [Fact]
    public void AnEscapedJsonKeyIsDecodedToTheSameKey()
    {
        var publish = (PublishMessage)Decode(Get("json"), System.Text.Encoding.UTF8.GetBytes("[16,1,{\"acknowle\\u0064ge\":true},\"t\"]"));
        Assert.Equal(true, publish.Options["acknowledge"]);
    }

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Wire))]
    public void UnicodeStringsRoundTrip(string serializer)
    {
        string[] samples = ["", "plain", "ünïcødé", "日本語テキスト", "emoji 😀👍🏽", "e\u0301", "tab\tnew\nline", "quote\"back\\slash", "nul\0inside", new string('x', 100_000)];
        var a = Echo(serializer, [.. samples]);
        for (int i = 0; i < samples.Length; i++) Assert.Equal(samples[i], Assert.IsType<string>(a[i]));

        var d = (PublishMessage)RoundTrip(Get(serializer), new PublishMessage(1, Dict(("ключ", "значение"), ("😀", 1L)), "com.ü"));
        Assert.Equal("значение", d.Options["ключ"]);
        Assert.Equal(1L, d.Options["😀"]);
        Assert.Equal("com.ü", d.Topic);
    }

    [Theory]
    [InlineData("msgpack")]
    [InlineData("cbor")]
    public void BinaryFormatsKeepStringsStartingWithNul(string serializer)
    {
        // Only JSON reserves a leading U+0000 for binary.
        Assert.Equal("\0abc", Echo(serializer, "\0abc")[0]);
    }

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Wire))]
    public void LargeIntegersKeepTheirValueAndType(string serializer)
    {
        var a = Echo(serializer, 1L << 53, (1L << 53) + 1, long.MaxValue, long.MinValue, ulong.MaxValue, (ulong)long.MaxValue + 1, 5UL, 0L, -1L, int.MinValue);
        Assert.Equal(1L << 53, Assert.IsType<long>(a[0]));
        Assert.Equal((1L << 53) + 1, Assert.IsType<long>(a[1]));
        Assert.Equal(long.MaxValue, Assert.IsType<long>(a[2]));
        Assert.Equal(long.MinValue, Assert.IsType<long>(a[3]));
        Assert.Equal(ulong.MaxValue, Assert.IsType<ulong>(a[4]));
        Assert.Equal((ulong)long.MaxValue + 1, Assert.IsType<ulong>(a[5]));
        Assert.Equal(5L, Assert.IsType<long>(a[6])); // ulong values in long range decode as long
        Assert.Equal(0L, Assert.IsType<long>(a[7]));
        Assert.Equal(-1L, Assert.IsType<long>(a[8]));
        Assert.Equal((long)int.MinValue, Assert.IsType<long>(a[9]));

        var w = (WelcomeMessage)RoundTrip(Get(serializer), new WelcomeMessage(WampIds.Max, Dict()));
        Assert.Equal(WampIds.Max, w.Session);
    }

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Wire))]
    public void DoublesRoundTrip(string serializer)
    {
        double[] values = [0.1, -1.5, 1.0 / 3, Math.PI, 1e-300, 1e300, double.MaxValue, double.MinValue, double.Epsilon, 65504.0, 5e-324, 2.5];
        var a = Echo(serializer, [.. values.Select(v => (object?)v)]);
        for (int i = 0; i < values.Length; i++)
        {
            Assert.Equal(values[i], Convert.ToDouble(a[i]));
            // JSON writes integral doubles (65504.0) without a fraction, so they decode as long there.
            if (serializer != "json" || values[i] != Math.Floor(values[i]) || Math.Abs(values[i]) > 1e15) Assert.IsType<double>(a[i]);
        }
    }

    [Theory]
    [InlineData("msgpack")]
    [InlineData("cbor")]
    public void BinaryFormatsKeepIntegralAndSpecialDoubles(string serializer)
    {
        var a = Echo(serializer, 1.0, double.NaN, double.PositiveInfinity, -0.0);
        Assert.Equal(1.0, Assert.IsType<double>(a[0]));
        Assert.True(double.IsNaN((double)a[1]!));
        Assert.Equal(double.PositiveInfinity, a[2]);
        Assert.True(double.IsNegative((double)a[3]!));
    }

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Wire))]
    public void NestedStructuresRoundTrip(string serializer)
    {
        var deep = Dict(("deep", List(1L, null, true, "s")));
        object? tree = Dict(
            ("a", List(List(List(deep)))),
            ("empty", List()),
            ("emptyDict", Dict()),
            ("b", Dict(("c", Dict(("d", 2.5))))));
        var a = Echo(serializer, tree, List(Dict(), List(), null));
        Assert.True(WampValue.DeepEquals(tree, a[0]));
        Assert.IsType<Dictionary<string, object?>>(a[0]);
        Assert.IsType<List<object?>>(a[1]);
        Assert.True(WampValue.DeepEquals(List(Dict(), List(), null), a[1]));
    }

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Wire))]
    public void WiderOutputTypesAreAccepted(string serializer)
    {
        static IEnumerable<object?> Yielded() { yield return 1L; yield return "y"; }
        var hashtable = new Hashtable { ["h"] = 1 };
        var json = JsonDocument.Parse("""{"e":[1,-2,3.5,"s",null,false,"\u0000AQI="],"u":18446744073709551615}""").RootElement;

        var a = Echo(serializer,
            42, (short)-3, (byte)200, (sbyte)-8, (ushort)60000, 4000000000u, 2.5f, 12.25m,
            IntArray,
            new ReadOnlyCollection<object?>([1L, "r"]),
            Yielded(),
            new Dictionary<string, int> { ["n"] = 1 },
            hashtable,
            new ReadOnlyDictionary<string, object?>(Dict(("ro", true))),
            new SortedDictionary<string, object?> { ["s"] = "d" },
            json,
            JsonNode.Parse("""{"node":[1,"x",{"y":null}]}"""),
            new object?[] { "arr" });

        object?[] expected =
        [
            42L, -3L, 200L, -8L, 60000L, 4000000000L, 2.5, 12.25,
            List(1L, 2L, 3L),
            List(1L, "r"),
            List(1L, "y"),
            Dict(("n", 1L)),
            Dict(("h", 1L)),
            Dict(("ro", true)),
            Dict(("s", "d")),
            Dict(("e", List(1L, -2L, 3.5, "s", null, false, new byte[] { 1, 2 })), ("u", ulong.MaxValue)),
            Dict(("node", List(1L, "x", Dict(("y", null))))),
            List("arr"),
        ];
        Assert.Equal(expected.Length, a.Count);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(WampValue.DeepEquals(expected[i], a[i]), $"item {i}: expected {expected[i]}, got {a[i]}");
    }

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Wire))]
    public void UnsupportedOutputTypesThrowArgumentExceptionNamingTheType(string serializer)
    {
        var s = Get(serializer);
        var ex = Assert.Throws<ArgumentException>(() => Encode(s, new PublishMessage(1, Dict(), "t", List(DateTime.UnixEpoch))));
        Assert.Contains("System.DateTime", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => Encode(s, new PublishMessage(1, Dict(), "t", List(new Uri("http://x")))));
        Assert.Contains("System.Uri", ex.Message);

        ex = Assert.Throws<ArgumentException>(() => Encode(s, new PublishMessage(1, Dict(), "t", List(new Hashtable { [1] = "x" }))));
        Assert.Contains("System.Int32", ex.Message);

        var cyclic = new List<object?>();
        cyclic.Add(cyclic);
        Assert.Throws<ArgumentException>(() => Encode(s, new PublishMessage(1, Dict(), "t", cyclic)));
    }

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Wire))]
    public void OutputNestingLimitMatchesInputLimit(string serializer)
    {
        static object Nest(int levels) => levels == 0 ? 1L : List(Nest(levels - 1));
        var s = Get(serializer);
        // Message array (level 1) + Arguments (level 2) + 126 more = 128 levels: allowed both ways.
        var ok = new PublishMessage(1, Dict(), "t", List(Nest(126)));
        Assert.IsType<PublishMessage>(RoundTrip(s, ok));
        Assert.Throws<ArgumentException>(() => Encode(s, new PublishMessage(1, Dict(), "t", List(Nest(127)))));
    }
}
