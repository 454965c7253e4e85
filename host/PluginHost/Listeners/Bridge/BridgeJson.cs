using System.Collections;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace PluginHost.Listeners.Bridge;

/// <summary>
/// JSON at the HTTP side of the bridge: request bodies into the WAMP value model (what embedded sessions exchange),
/// results and errors out of it. Binary values are written in WAMP's JSON form ("\u0000" + base64).
/// </summary>
internal static class BridgeJson
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A JSON element in the value model (one conversion for the whole host: <see cref="Components.ValueConverter.FromJson"/>).</summary>
    public static object? ToValue(JsonElement e) => Components.ValueConverter.FromJson(e);

    /// <summary>Compact JSON of a value-model object (non-ASCII written as is, like Crossbar's dump_json).</summary>
    public static byte[] Serialize(object? value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions)) Write(writer, value, 0);
        return buffer.ToArray();
    }

    /// <summary>Crossbar's error body: {"error": ..., "args": [...], "kwargs": {...}}.</summary>
    public static byte[] Error(string error, IReadOnlyList<object?>? args = null, IReadOnlyDictionary<string, object?>? kwargs = null)
        => Serialize(new Dictionary<string, object?>
        {
            ["error"] = error,
            ["args"] = args ?? [],
            ["kwargs"] = kwargs ?? new Dictionary<string, object?>(),
        });

    private static void Write(Utf8JsonWriter w, object? value, int depth)
    {
        if (depth > 64) throw new InvalidOperationException("value nested too deeply for JSON");
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case bool b: w.WriteBooleanValue(b); break;
            case string s: w.WriteStringValue(s); break;
            case long l: w.WriteNumberValue(l); break;
            case int i: w.WriteNumberValue(i); break;
            case ulong u: w.WriteNumberValue(u); break;
            case uint u: w.WriteNumberValue(u); break;
            case short s: w.WriteNumberValue(s); break;
            case ushort s: w.WriteNumberValue(s); break;
            case byte b: w.WriteNumberValue(b); break;
            case sbyte b: w.WriteNumberValue(b); break;
            case decimal m: w.WriteNumberValue(m); break;
            case float f: WriteDouble(w, f); break;
            case double d: WriteDouble(w, d); break;
            case byte[] bytes: w.WriteStringValue("\0" + Convert.ToBase64String(bytes)); break;
            case ReadOnlyMemory<byte> mem: w.WriteStringValue("\0" + Convert.ToBase64String(mem.Span)); break;
            case JsonElement e: e.WriteTo(w); break;
            case System.Text.Json.Nodes.JsonNode n: n.WriteTo(w); break;
            case IEnumerable<KeyValuePair<string, object?>> dict:
                w.WriteStartObject();
                foreach (var (k, v) in dict)
                {
                    w.WritePropertyName(k);
                    Write(w, v, depth + 1);
                }
                w.WriteEndObject();
                break;
            case IDictionary dict:
                w.WriteStartObject();
                foreach (DictionaryEntry entry in dict)
                {
                    w.WritePropertyName(entry.Key as string ?? throw new InvalidOperationException("map keys must be strings"));
                    Write(w, entry.Value, depth + 1);
                }
                w.WriteEndObject();
                break;
            case IEnumerable list:
                w.WriteStartArray();
                foreach (var item in list) Write(w, item, depth + 1);
                w.WriteEndArray();
                break;
            default:
                throw new InvalidOperationException($"cannot write a {value.GetType().Name} as JSON");
        }
    }

    // Python's json.dumps writes NaN and the infinities as these bare words.
    private static void WriteDouble(Utf8JsonWriter w, double d)
    {
        if (double.IsFinite(d)) w.WriteNumberValue(d);
        else w.WriteRawValue(double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity", skipInputValidation: true);
    }
}
