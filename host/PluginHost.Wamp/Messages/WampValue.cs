using System.Collections;

namespace PluginHost.Wamp.Messages;

/// <summary>
/// The value model every serializer reads into and writes from, and that embedded
/// (in-process) sessions exchange without serialization.
///
/// Decoded values are always one of:
///   null, bool, long, ulong (only above long.MaxValue), double, string,
///   byte[] (binary: msgpack bin, CBOR byte string, JSON "\u0000"+base64),
///   List&lt;object?&gt; (arrays), Dictionary&lt;string, object?&gt; (maps).
///
/// Serializers additionally accept on output: any other integral or floating type,
/// decimal, ReadOnlyMemory&lt;byte&gt;, IDictionary (string keys), IEnumerable,
/// System.Text.Json JsonElement/JsonNode. Anything else is an error (the component
/// runtime converts user objects to this model before they reach the wire).
///
/// Messages and their payload values are immutable once sent: the router forwards
/// argument lists and dictionaries by reference. A router's own reads
/// (WampSerializers.SelectForRouting) give a message's Arguments and ArgumentsKw as
/// Serialization.EncodedArguments / EncodedArgumentsKwDictionary: read-only views of the bytes
/// they arrived in, decoded into the types above on first use.
/// </summary>
public static class WampValue
{
    /// <summary>
    /// A decoded boolean, boxed once for all: the readers give these instead of boxing every true and false they read
    /// (a HELLO's or WELCOME's feature flags are dozens of them).
    /// </summary>
    internal static object Box(bool value) => value ? BoxedTrue : BoxedFalse;

    private static readonly object BoxedTrue = true, BoxedFalse = false;

    /// <summary>An empty details/options dictionary. Never mutate it.</summary>
    public static Dictionary<string, object?> EmptyDict() => new();

    /// <summary>
    /// Empty Details/Options, shared by every message that has none (a RESULT, an INVOCATION without caller
    /// disclosure): read-only, so that no receiver can fill in the dict another message carries too.
    /// </summary>
    public static IReadOnlyDictionary<string, object?> NoDetails { get; } = System.Collections.ObjectModel.ReadOnlyDictionary<string, object?>.Empty;

    public static bool TryGetString(this IReadOnlyDictionary<string, object?> dict, string key, out string value)
    {
        if (dict.TryGetValue(key, out var v) && v is string s) { value = s; return true; }
        value = "";
        return false;
    }

    public static string? GetString(this IReadOnlyDictionary<string, object?> dict, string key)
        => dict.TryGetValue(key, out var v) ? v as string : null;

    /// <summary>Reads a boolean option; absent or non-boolean gives <paramref name="fallback"/>.</summary>
    public static bool GetBool(this IReadOnlyDictionary<string, object?> dict, string key, bool fallback = false)
        => dict.TryGetValue(key, out var v) && v is bool b ? b : fallback;

    /// <summary>Reads an integer option (any integral or integral-valued double).</summary>
    public static long? GetInt64(this IReadOnlyDictionary<string, object?> dict, string key)
        => dict.TryGetValue(key, out var v) ? AsInt64(v) : null;

    public static long? AsInt64(object? v) => v switch
    {
        long l => l,
        int i => i,
        ulong u when u <= long.MaxValue => (long)u,
        uint u => u,
        short s => s,
        ushort us => us,
        byte b => b,
        sbyte sb => sb,
        double d when d == Math.Floor(d) && d >= long.MinValue && d <= long.MaxValue => (long)d,
        _ => null,
    };

    /// <summary>Reads a list of integers (e.g. exclude/eligible session ids); null when absent or malformed.</summary>
    public static List<long>? GetInt64List(this IReadOnlyDictionary<string, object?> dict, string key)
    {
        if (!dict.TryGetValue(key, out var v) || v is not IEnumerable e || v is string) return null;
        var list = new List<long>();
        foreach (var item in e)
        {
            var l = AsInt64(item);
            if (l is null) return null;
            list.Add(l.Value);
        }
        return list;
    }

    /// <summary>Reads a list of strings (e.g. exclude_authid); null when absent or malformed.</summary>
    public static List<string>? GetStringList(this IReadOnlyDictionary<string, object?> dict, string key)
    {
        if (!dict.TryGetValue(key, out var v) || v is not IEnumerable e || v is string) return null;
        var list = new List<string>();
        foreach (var item in e)
        {
            if (item is not string s) return null;
            list.Add(s);
        }
        return list;
    }

    /// <summary>Structural equality over the value model (numbers compare by value). For tests and dedup.</summary>
    public static bool DeepEquals(object? a, object? b)
    {
        if (a is Serialization.EncodedPayload pa) a = pa.Decoded;
        if (b is Serialization.EncodedPayload pb) b = pb.Decoded;
        if (a is null || b is null) return a is null && b is null;
        if (a is string sa) return b is string sb && sa == sb;
        if (a is bool ba) return b is bool bb && ba == bb;
        if (a is byte[] ya) return b is byte[] yb && ya.AsSpan().SequenceEqual(yb);
        if (IsNumber(a) && IsNumber(b))
        {
            if (a is double || a is float || b is double || b is float || a is decimal || b is decimal)
                return Convert.ToDouble(a) == Convert.ToDouble(b);
            if (a is ulong ua) return b is ulong ub2 ? ua == ub2 : AsInt64(b) is long lb && lb >= 0 && (ulong)lb == ua;
            if (b is ulong ub) return AsInt64(a) is long la && la >= 0 && (ulong)la == ub;
            return AsInt64(a) == AsInt64(b);
        }
        if (a is IDictionary da && b is IDictionary db)
        {
            if (da.Count != db.Count) return false;
            foreach (DictionaryEntry entry in da)
            {
                if (!db.Contains(entry.Key) || !DeepEquals(entry.Value, db[entry.Key])) return false;
            }
            return true;
        }
        if (a is IEnumerable ea && b is IEnumerable eb && a is not IDictionary && b is not IDictionary)
        {
            var ia = ea.GetEnumerator();
            var ib = eb.GetEnumerator();
            while (true)
            {
                bool ma = ia.MoveNext(), mb = ib.MoveNext();
                if (ma != mb) return false;
                if (!ma) return true;
                if (!DeepEquals(ia.Current, ib.Current)) return false;
            }
        }
        return a.Equals(b);
    }

    private static bool IsNumber(object o) => o is long or int or short or sbyte or byte or ulong or uint or ushort or double or float or decimal;
}
