using CsCheck;
using PluginHost.Wamp.Messages;
using static PluginHost.Tests.Serialization.Wire;

namespace PluginHost.Tests.Serialization;

/// <summary>
/// CsCheck generators for wire fuzzing: values at the edges of the WAMP rules (IDs around 0, 2^32, 2^53, long and
/// ulong limits, integral and fractional floats, empty and odd strings, binary, nested containers) and wire arrays of
/// every message type built from them.
/// </summary>
internal static class WireFuzz
{
    public static readonly string[] Serializers = ["json", "msgpack", "cbor"];

    public static readonly Gen<string> Serializer = Gen.OneOf(Serializers);

    /// <summary>Numbers a fuzzer should try for type codes and IDs.</summary>
    public static readonly Gen<object?> EdgeNumber = Gen.OneOf<object?>(
        0L, 1L, 2L, 3L, -1L, 48L, 70L, 255L, 256L, (1L << 32) + 1, (1L << 32) + 48, WampIds.Max, WampIds.Max + 1,
        long.MaxValue, long.MinValue, ulong.MaxValue, 1.0, 48.0, 0.5, -0.0, 1e300, (double)WampIds.Max, 4294967297.0);

    public static readonly Gen<object?> Scalar = Gen.Frequency<object?>(
        (3, EdgeNumber),
        (2, Gen.Long.Select(l => (object?)l)),
        (1, Gen.Double.Where(double.IsFinite).Select(d => (object?)d)),
        (3, Gen.OneOf<object?>("", "realm1", "com.a", "com..b", "wamp.session.count", "\u0000x", "ü€𝄞", null, true, false)),
        (1, Gen.String.Select(s => (object?)s)),
        (1, Gen.Byte.Array[0, 8].Select(b => (object?)b)));

    public static Gen<object?> Value(int depth) => depth <= 0 ? Scalar : Gen.Frequency<object?>(
        (4, Scalar),
        (1, Value(depth - 1).List[0, 4].Select(l => (object?)l)),
        (1, Gen.Select(Gen.OneOf("a", "roles", "caller", "acknowledge", "exclude_me", "match", ""), Value(depth - 1)).Array[0, 4]
            .Select(kvs => { var d = new Dictionary<string, object?>(); foreach (var (k, v) in kvs) d[k] = v; return (object?)d; })));

    public static readonly Gen<object?> AnyValue = Value(3);

    private static readonly Gen<object?> Id = Gen.Frequency<object?>((8, Gen.OneOf<object?>(1L, 2L, 3L)), (1, EdgeNumber));

    private static readonly Gen<object?> Uri = Gen.OneOf<object?>("com.a", "com.b", "com.", "wamp.session.count", "wamp.session.list",
        "wamp.registration.list", "wamp.subscription.list", "com..bad", "");

    public static readonly Dictionary<string, object?> AllRoles = Dict(("roles", Dict(
        ("caller", Dict(("features", Dict(("call_canceling", true), ("progressive_call_results", true))))),
        ("callee", Dict(("features", Dict(("call_canceling", true), ("progressive_call_results", true), ("shared_registration", true))))),
        ("publisher", Dict()), ("subscriber", Dict(("features", Dict(("pattern_based_subscription", true))))))));

    private static readonly Gen<object?> Options = Gen.OneOf<object?>(
        Dict(), Dict(("acknowledge", true)), Dict(("acknowledge", true), ("exclude_me", false)), Dict(("match", "prefix")),
        Dict(("match", "wildcard")), Dict(("receive_progress", true)), Dict(("progress", true)), Dict(("timeout", 1L)),
        Dict(("invoke", "roundrobin")), Dict(("mode", "kill")), Dict(("disclose_me", true)), Dict(("ppt_scheme", "x")),
        Dict(("exclude", List(1L))), Dict(("eligible", List(1L))), Dict(("retain", true)), Dict(("get_retained", true)),
        Dict(("match", "nonsense")), Dict(("invoke", 5L)));

    private static readonly Gen<object?> Args = Gen.Frequency<object?>((2, Gen.Const<object?>(List())), (2, Gen.Const<object?>(List(1L, "x"))), (1, AnyValue));

    private static readonly Gen<object?> Kw = Gen.Frequency<object?>((2, Gen.Const<object?>(Dict(("a", 1L)))), (1, AnyValue));

    private static readonly Gen<object?> HelloDetails = Gen.Frequency<object?>(
        (6, Gen.Const<object?>(AllRoles)), (1, Gen.Const<object?>(Dict())), (1, Gen.Const<object?>(Dict(("roles", Dict())))),
        (1, Gen.Const<object?>(Dict(("roles", Dict(("dealer", Dict())))))), (1, AnyValue));

    private static Gen<object?[]> Combine(Gen<object?>[] fields)
        => fields.Aggregate(Gen.Const(Array.Empty<object?>()), (acc, g) => acc.SelectMany(a => g.Select(v => (object?[])[.. a, v])));

    private static Gen<object?[]> Message(long type, params Gen<object?>[] fields)
        => Combine([Gen.Const<object?>(type), .. fields]);

    /// <summary>Wire arrays of every message type with plausible fields (the router's session state machine's input).</summary>
    public static readonly Gen<object?[]> PlausibleFields = Gen.Frequency(
        (1, Message(1, Gen.OneOf<object?>("realm1", "realm1", "realm1", "nope"), HelloDetails)),
        (1, Message(6, Gen.Const<object?>(Dict()), Gen.OneOf<object?>("wamp.close.close_realm", "wamp.close.goodbye_and_out"))),
        (1, Message(5, Gen.Const<object?>("sig"), Gen.Const<object?>(Dict()))),
        (3, Message(16, Id, Options, Uri)),
        (2, Message(16, Id, Options, Uri, Args, Kw)),
        (3, Message(32, Id, Options, Uri)),
        (1, Message(34, Id, Id)),
        (3, Message(48, Id, Options, Uri)),
        (2, Message(48, Id, Options, Uri, Args, Kw)),
        (1, Message(49, Id, Options)),
        (3, Message(64, Id, Options, Uri)),
        (1, Message(66, Id, Id)),
        (2, Message(70, Id, Options)),
        (1, Message(70, Id, Options, Args, Kw)),
        (1, Message(8, Gen.OneOf<object?>(68L, 48L, 4294967364L), Id, Gen.Const<object?>(Dict()), Gen.OneOf<object?>("com.err", "wamp.error.canceled"))),
        // Messages only a router sends: a router must refuse them.
        (1, Message(2, Id, Gen.Const<object?>(Dict()))),
        (1, Message(3, Gen.Const<object?>(Dict()), Gen.Const<object?>("wamp.close.x"))),
        (1, Message(4, Gen.Const<object?>("ticket"), Gen.Const<object?>(Dict()))),
        (1, Message(36, Id, Id, Gen.Const<object?>(Dict()))),
        (1, Message(50, Id, Gen.Const<object?>(Dict()))),
        (1, Message(68, Id, Id, Gen.Const<object?>(Dict()))),
        (1, Message(69, Id, Gen.Const<object?>(Dict()))));

    /// <summary>A plausible wire array with one field replaced, one dropped, or one extra appended.</summary>
    public static readonly Gen<object?[]> MutatedFields = Gen.Select(PlausibleFields, Gen.Int[0, 2], Gen.Int[0, 7], AnyValue,
        (fields, how, at, value) =>
        {
            var list = fields.ToList();
            int i = at % list.Count;
            switch (how)
            {
                case 0: list[i] = value; break;
                case 1: list.RemoveAt(i); break;
                default: list.Insert(i, value); break;
            }
            return list.ToArray();
        });

    /// <summary>The frame for a wire array; null when the serializer cannot write one of its values (NaN in JSON, cycles).</summary>
    public static byte[]? TryEncode(string serializer, object?[] fields)
    {
        try { return EncodeFields(Get(serializer), fields); }
        catch (ArgumentException) { return null; }
    }

    /// <summary>Byte-level mutations of a valid frame: overwrite, bit flip, insert, delete, truncate.</summary>
    public static byte[] Mutate(byte[] frame, (int Kind, int At, byte Value)[] edits)
    {
        var bytes = frame.ToList();
        foreach (var (kind, at, value) in edits)
        {
            if (bytes.Count == 0) break;
            int i = at % bytes.Count;
            switch (kind)
            {
                case 0: bytes[i] = value; break;
                case 1: bytes[i] ^= (byte)(1 << (value & 7)); break;
                case 2: bytes.Insert(i, value); break;
                case 3: bytes.RemoveAt(i); break;
                default: bytes.RemoveRange(i, bytes.Count - i); break;
            }
        }
        return bytes.ToArray();
    }

    public static readonly Gen<(int, int, byte)[]> Edits = Gen.Select(Gen.Int[0, 4], Gen.Int[0, 4096], Gen.Byte).Array[1, 6];
}
