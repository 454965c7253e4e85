using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace PluginHost.Components;

/// <summary>
/// Converts between the WAMP value model (null, bool, long, ulong, double, string, byte[],
/// List&lt;object?&gt;, Dictionary&lt;string, object?&gt;) and plugin types. Primitives are converted
/// directly; anything else goes through System.Text.Json with options owned by one plugin
/// generation: STJ caches type metadata per resolver, and a shared resolver would keep every
/// unloaded plugin's types (and so its load context) alive.
/// </summary>
public sealed class ValueConverter
{
    private readonly JsonSerializerOptions _options = new()
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        PropertyNameCaseInsensitive = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowReadingFromString,
    };

    /// <summary>A .NET value as a WAMP payload value.</summary>
    public object? ToWamp(object? value) => value switch
    {
        null or bool or string or long or double or byte[] => value,
        int or short or sbyte or byte or uint or ushort => System.Convert.ToInt64(value, CultureInfo.InvariantCulture),
        ulong u => u <= long.MaxValue ? (long)u : u,
        float f => (double)f,
        decimal m => (double)m,
        JsonElement e => FromJson(e),
        IDictionary d when IsStringKeyed(d) => ToWampDict(d),
        IEnumerable e and not IDictionary => e.Cast<object?>().Select(ToWamp).ToList(),
        _ => FromJson(JsonSerializer.SerializeToElement(value, value.GetType(), _options)),
    };

    public List<object?> ToWampList(IEnumerable<object?> values) => values.Select(ToWamp).ToList();

    public Dictionary<string, object?>? ToWampDict(IEnumerable<KeyValuePair<string, object?>>? values)
        => values?.ToDictionary(kv => kv.Key, kv => ToWamp(kv.Value));

    private Dictionary<string, object?> ToWampDict(IDictionary d)
    {
        var result = new Dictionary<string, object?>(d.Count);
        foreach (DictionaryEntry entry in d) result[(string)entry.Key] = ToWamp(entry.Value);
        return result;
    }

    private static bool IsStringKeyed(IDictionary d)
        => d.GetType().GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>)
            && i.GetGenericArguments()[0] == typeof(string)) || d is Hashtable;

    /// <summary>A WAMP payload value as <paramref name="type"/>. Throws <see cref="ArgumentException"/> when it does not fit.</summary>
    public object? FromWamp(object? value, Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (value is null)
        {
            if (type.IsValueType && underlying is null) throw new ArgumentException($"null is not a valid {type.Name}");
            return null;
        }
        var target = underlying ?? type;
        if (target == typeof(object) || target.IsInstanceOfType(value)) return value;
        try
        {
            if (target.IsPrimitive && value is long or double or ulong or bool)
                return System.Convert.ChangeType(value, target, CultureInfo.InvariantCulture);
            if (target == typeof(decimal) && value is long or double) return System.Convert.ToDecimal(value, CultureInfo.InvariantCulture);
            if (target == typeof(string) && value is not (IEnumerable and not string)) return System.Convert.ToString(value, CultureInfo.InvariantCulture);
            var json = JsonSerializer.SerializeToElement(value, _options);
            return json.Deserialize(target, _options);
        }
        catch (Exception e) when (e is JsonException or InvalidCastException or FormatException or OverflowException or NotSupportedException)
        {
            throw new ArgumentException($"cannot convert {Describe(value)} to {target.Name}: {e.Message}", e);
        }
    }

    public object? FromJson(JsonElement element, Type type)
    {
        try { return element.Deserialize(type, _options); }
        catch (JsonException e) { throw new ArgumentException($"cannot convert JSON to {type.Name}: {e.Message}", e); }
    }

    private static string Describe(object value) => value switch
    {
        string s => $"\"{(s.Length > 40 ? s[..40] + "…" : s)}\"",
        IDictionary => "an object",
        IEnumerable => "a list",
        _ => value.ToString() ?? value.GetType().Name,
    };

    /// <summary>
    /// A JSON element (a component's "extra", an HTTP bridge body, a config's authextra) in the WAMP value model:
    /// integers as long (ulong beyond), other numbers as double, arrays as lists, objects as dictionaries
    /// (a repeated key keeps its last value, as Python's json.loads).
    /// </summary>
    public static object? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => e.GetString(),
        // Boxed per branch: a bare conditional would widen every integer to double.
        JsonValueKind.Number => e.TryGetInt64(out var l) ? l : e.TryGetUInt64(out var u) ? (object)u : e.GetDouble(),
        JsonValueKind.Array => e.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.Object => JsonObject(e),
        _ => throw new ArgumentException($"unexpected JSON {e.ValueKind}"),
    };

    private static Dictionary<string, object?> JsonObject(JsonElement e)
    {
        var d = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var p in e.EnumerateObject()) d[p.Name] = FromJson(p.Value);
        return d;
    }
}
