using System.Text;
using PluginHost.Wamp.Messages;
using static PluginHost.Tests.Serialization.Wire;

namespace PluginHost.Tests.Serialization;

/// <summary>
/// Property-style check with a fixed seed: random value trees survive a round trip through
/// every serializer (exact types for the binary formats; by numeric value for JSON, which
/// turns integral doubles into integers), and re-encoding the decoded message is stable.
/// </summary>
public class RandomValueTreeTests
{
    private const int Iterations = 400;

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Wire))]
    public void RandomTreesRoundTrip(string serializer)
    {
        var s = Get(serializer);
        bool json = serializer == "json";
        var rng = new Random(20240601);
        for (int i = 0; i < Iterations; i++)
        {
            var args = (List<object?>)RandomList(rng, 0, json);
            var kwargs = RandomDict(rng, 0, json);
            var original = new EventMessage(rng.NextInt64(1, WampIds.Max + 1), rng.NextInt64(1, WampIds.Max + 1), RandomDict(rng, 3, json), args, kwargs);

            var bytes = Encode(s, original);
            var decoded = (EventMessage)Decode(s, bytes);

            Assert.Equal(original.Subscription, decoded.Subscription);
            AssertSame(original.Details, decoded.Details, !json, "details");
            if (args.Count > 0 || kwargs.Count > 0) AssertSame(args, decoded.Arguments, !json, "args");
            else Assert.Null(decoded.Arguments);
            if (kwargs.Count > 0) AssertSame(kwargs, decoded.ArgumentsKw, !json, "kwargs");
            else Assert.Null(decoded.ArgumentsKw);
            // Binary formats re-encode identically; JSON normalizes once (-0.0 and integral doubles
            // become integers), after which its encoding is a fixed point.
            var again = Encode(s, decoded);
            if (json) Assert.Equal(again, Encode(s, Decode(s, again)));
            else Assert.Equal(bytes, again);
        }
    }

    private static object? RandomValue(Random rng, int depth, bool json)
    {
        int kind = rng.Next(depth >= 5 ? 9 : 11);
        return kind switch
        {
            0 => null,
            1 => rng.Next(2) == 0,
            2 => (long)rng.Next(-200, 200),
            3 => rng.NextInt64(long.MinValue, long.MaxValue),
            4 => (ulong)long.MaxValue + (ulong)rng.NextInt64(1, long.MaxValue),
            5 => RandomDouble(rng),
            6 => RandomString(rng, json),
            7 => RandomString(rng, json),
            8 => RandomBytes(rng),
            9 => RandomList(rng, depth + 1, json),
            _ => RandomDict(rng, depth + 1, json),
        };
    }

    private static List<object?> RandomList(Random rng, int depth, bool json)
    {
        var list = new List<object?>();
        int n = rng.Next(depth == 0 ? 6 : 4);
        for (int i = 0; i < n; i++) list.Add(RandomValue(rng, depth, json));
        return list;
    }

    private static Dictionary<string, object?> RandomDict(Random rng, int depth, bool json)
    {
        var dict = new Dictionary<string, object?>();
        int n = rng.Next(4);
        for (int i = 0; i < n; i++) dict[RandomString(rng, json)] = RandomValue(rng, depth, json);
        return dict;
    }

    private static double RandomDouble(Random rng)
    {
        // Random bit patterns cover subnormals and extreme exponents; NaN/Infinity are not JSON.
        while (true)
        {
            double d = BitConverter.Int64BitsToDouble(rng.NextInt64(long.MinValue, long.MaxValue));
            if (double.IsFinite(d)) return rng.Next(4) == 0 ? Math.Round(d % 1e6, 3) : d;
        }
    }

    private static string RandomString(Random rng, bool json)
    {
        var sb = new StringBuilder();
        int n = rng.Next(12);
        for (int i = 0; i < n; i++)
        {
            switch (rng.Next(5))
            {
                case 0: sb.Append((char)rng.Next(0x20, 0x7f)); break;
                case 1: sb.Append((char)rng.Next(0, 0x20)); break;
                case 2: sb.Append((char)rng.Next(0xa0, 0xd800)); break;
                case 3: sb.Append(char.ConvertFromUtf32(rng.Next(0x10000, 0x10ffff))); break;
                default: sb.Append("\"\\/"[rng.Next(3)]); break;
            }
        }
        // In JSON a leading U+0000 marks binary, so such strings are not representable there.
        if (json && sb.Length > 0 && sb[0] == '\0') sb[0] = 'x';
        return sb.ToString();
    }

    private static byte[] RandomBytes(Random rng)
    {
        var b = new byte[rng.Next(20)];
        rng.NextBytes(b);
        return b;
    }

    private static void AssertSame(object? expected, object? actual, bool exactTypes, string path)
    {
        switch (expected)
        {
            case Dictionary<string, object?> e:
            {
                var a = Assert.IsType<Dictionary<string, object?>>(actual);
                Assert.Equal(e.Count, a.Count);
                foreach (var kv in e)
                {
                    Assert.True(a.TryGetValue(kv.Key, out var v), $"{path}: missing key {kv.Key}");
                    AssertSame(kv.Value, v, exactTypes, $"{path}.{kv.Key}");
                }
                return;
            }
            case List<object?> e:
            {
                var a = Assert.IsType<List<object?>>(actual);
                Assert.Equal(e.Count, a.Count);
                for (int i = 0; i < e.Count; i++) AssertSame(e[i], a[i], exactTypes, $"{path}[{i}]");
                return;
            }
            case double d when !exactTypes:
                Assert.Equal(d, Convert.ToDouble(actual));
                return;
            default:
                if (exactTypes || expected is not double) Assert.Equal(expected?.GetType(), actual?.GetType());
                Assert.True(WampValue.DeepEquals(expected, actual), $"{path}: expected {expected}, got {actual}");
                return;
        }
    }
}
