using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PluginHost.Wamp.Serialization;

/// <summary>
/// Walks an outgoing value tree (the wider output set documented in WampValue) and feeds
/// it to an <see cref="IValueSink"/>. The decoded-model types are tested first because
/// they are what the router forwards on the hot path.
/// </summary>
internal static class ValueWriter
{
    /// <summary>
    /// Maximum container nesting, on input and output alike. The message array itself is level 1 and a payload value
    /// starts at level 3 (inside Arguments or ArgumentsKw). Sized for what applications send: System.Text.Json writes
    /// and reads objects up to 64 levels by default, Autobahn (Python json/cbor2/msgpack, JavaScript JSON) is bounded
    /// only by the interpreter's recursion limit (about 1000), so a limit of 64 aborted sessions that sent a legitimate
    /// 63-level document. 128 takes the deepest System.Text.Json document with room to spare, and keeps the recursive
    /// readers and writers far from the stack's end (a few hundred bytes a level).
    /// </summary>
    public const int MaxDepth = 128;

    public static void WriteMessage<TSink>(ref TSink sink, object?[] fields)
        where TSink : IValueSink, allows ref struct
    {
        sink.StartArray(fields.Length);
        for (int i = 0; i < fields.Length; i++) Write(ref sink, fields[i], 1);
        sink.EndArray();
    }

    /// <param name="depth">nesting level of the container holding <paramref name="value"/>.</param>
    public static void Write<TSink>(ref TSink sink, object? value, int depth)
        where TSink : IValueSink, allows ref struct
    {
        switch (value)
        {
            case null: sink.WriteNull(); return;
            case string s: sink.WriteString(s); return;
            case long l: sink.WriteInt64(l); return;
            case EncodedPayload p: if (!sink.WriteEncoded(p)) Write(ref sink, p.Decoded, depth); return;
            case Dictionary<string, object?> d: WriteDictionary(ref sink, d, Enter(depth)); return;
            case List<object?> list: WriteList(ref sink, list, Enter(depth)); return;
            case bool b: sink.WriteBool(b); return;
            case double dbl: sink.WriteDouble(dbl); return;
            case byte[] bytes: sink.WriteBytes(bytes); return;
            case object?[] array: WriteArray(ref sink, array, Enter(depth)); return;
            case int i: sink.WriteInt64(i); return;
            case ulong ul: if (ul <= long.MaxValue) sink.WriteInt64((long)ul); else sink.WriteUInt64(ul); return;
            case uint ui: sink.WriteInt64(ui); return;
            case short sh: sink.WriteInt64(sh); return;
            case ushort us: sink.WriteInt64(us); return;
            case byte by: sink.WriteInt64(by); return;
            case sbyte sb: sink.WriteInt64(sb); return;
            case float f: sink.WriteSingle(f); return;
            case decimal m: sink.WriteDecimal(m); return;
            case ReadOnlyMemory<byte> rom: sink.WriteBytes(rom.Span); return;
            case Memory<byte> mem: sink.WriteBytes(mem.Span); return;
            case ArraySegment<byte> seg: sink.WriteBytes(seg.AsSpan()); return;
            case JsonElement element: WriteJsonElement(ref sink, element, depth); return;
            case JsonNode node: WriteJsonNode(ref sink, node, depth); return;
            case IReadOnlyDictionary<string, object?> rd: WriteEntries(ref sink, rd, rd.Count, Enter(depth)); return;
            case IDictionary<string, object?> gd: WriteEntries(ref sink, gd, gd.Count, Enter(depth)); return;
            case IDictionary nd: WriteNonGenericDictionary(ref sink, nd, Enter(depth)); return;
            case IReadOnlyList<object?> rl: WriteReadOnlyList(ref sink, rl, Enter(depth)); return;
            case IList il: WriteNonGenericList(ref sink, il, Enter(depth)); return;
            case IEnumerable e: WriteEnumerable(ref sink, e, Enter(depth)); return;
            default: throw new ArgumentException($"cannot serialize a value of type {value.GetType().FullName}");
        }
    }

    private static int Enter(int depth)
    {
        // Also stops cyclic structures before they overflow the stack.
        if (depth >= MaxDepth) throw new ArgumentException($"value nesting exceeds {MaxDepth} levels (cyclic structure?)");
        return depth + 1;
    }

    private static void WriteDictionary<TSink>(ref TSink sink, Dictionary<string, object?> d, int depth)
        where TSink : IValueSink, allows ref struct
    {
        sink.StartMap(d.Count);
        foreach (var kv in d)
        {
            sink.WriteKey(kv.Key);
            Write(ref sink, kv.Value, depth);
        }
        sink.EndMap();
    }

    /// <summary>Other string-keyed maps (the Dictionary fast path above avoids boxing its enumerator).</summary>
    private static void WriteEntries<TSink>(ref TSink sink, IEnumerable<KeyValuePair<string, object?>> entries, int count, int depth)
        where TSink : IValueSink, allows ref struct
    {
        sink.StartMap(count);
        if (count > 0) // an empty dict (often the shared WampValue.NoDetails) needs no enumerator
        {
            foreach (var kv in entries)
            {
                sink.WriteKey(kv.Key);
                Write(ref sink, kv.Value, depth);
            }
        }
        sink.EndMap();
    }

    private static void WriteNonGenericDictionary<TSink>(ref TSink sink, IDictionary d, int depth)
        where TSink : IValueSink, allows ref struct
    {
        sink.StartMap(d.Count);
        foreach (DictionaryEntry entry in d)
        {
            if (entry.Key is not string key)
                throw new ArgumentException($"dictionary key of type {entry.Key.GetType().FullName} is not a string; WAMP maps need string keys");
            sink.WriteKey(key);
            Write(ref sink, entry.Value, depth);
        }
        sink.EndMap();
    }

    private static void WriteList<TSink>(ref TSink sink, List<object?> list, int depth)
        where TSink : IValueSink, allows ref struct
    {
        sink.StartArray(list.Count);
        for (int i = 0; i < list.Count; i++) Write(ref sink, list[i], depth);
        sink.EndArray();
    }

    private static void WriteArray<TSink>(ref TSink sink, object?[] array, int depth)
        where TSink : IValueSink, allows ref struct
    {
        sink.StartArray(array.Length);
        for (int i = 0; i < array.Length; i++) Write(ref sink, array[i], depth);
        sink.EndArray();
    }

    private static void WriteReadOnlyList<TSink>(ref TSink sink, IReadOnlyList<object?> list, int depth)
        where TSink : IValueSink, allows ref struct
    {
        int count = list.Count;
        sink.StartArray(count);
        for (int i = 0; i < count; i++) Write(ref sink, list[i], depth);
        sink.EndArray();
    }

    private static void WriteNonGenericList<TSink>(ref TSink sink, IList list, int depth)
        where TSink : IValueSink, allows ref struct
    {
        int count = list.Count;
        sink.StartArray(count);
        for (int i = 0; i < count; i++) Write(ref sink, list[i], depth);
        sink.EndArray();
    }

    private static void WriteEnumerable<TSink>(ref TSink sink, IEnumerable e, int depth)
        where TSink : IValueSink, allows ref struct
    {
        // Binary formats need the element count up front, so a plain sequence is buffered once.
        var items = new List<object?>();
        foreach (var item in e) items.Add(item);
        WriteList(ref sink, items, depth);
    }

    private static void WriteJsonElement<TSink>(ref TSink sink, JsonElement element, int depth)
        where TSink : IValueSink, allows ref struct
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Null: sink.WriteNull(); return;
            case JsonValueKind.True: sink.WriteBool(true); return;
            case JsonValueKind.False: sink.WriteBool(false); return;
            case JsonValueKind.String:
            {
                var s = element.GetString()!;
                // JSON data follows the WAMP JSON binary convention, so it converts the same way
                // whether it is re-emitted as JSON or as a binary format.
                if (s.Length > 0 && s[0] == '\0') sink.WriteBytes(JsonBinary.DecodeOrThrowArgument(s));
                else sink.WriteString(s);
                return;
            }
            case JsonValueKind.Number:
                if (element.TryGetInt64(out long l)) sink.WriteInt64(l);
                else if (element.TryGetUInt64(out ulong ul)) sink.WriteUInt64(ul);
                else sink.WriteDouble(element.GetDouble());
                return;
            case JsonValueKind.Array:
            {
                int inner = Enter(depth);
                sink.StartArray(element.GetArrayLength());
                foreach (var item in element.EnumerateArray()) WriteJsonElement(ref sink, item, inner);
                sink.EndArray();
                return;
            }
            case JsonValueKind.Object:
            {
                int inner = Enter(depth);
                int count = 0;
                foreach (var _ in element.EnumerateObject()) count++;
                sink.StartMap(count);
                foreach (var property in element.EnumerateObject())
                {
                    sink.WriteKey(property.Name);
                    WriteJsonElement(ref sink, property.Value, inner);
                }
                sink.EndMap();
                return;
            }
            default:
                throw new ArgumentException("cannot serialize an undefined JsonElement");
        }
    }

    private static void WriteJsonNode<TSink>(ref TSink sink, JsonNode node, int depth)
        where TSink : IValueSink, allows ref struct
    {
        switch (node)
        {
            case JsonObject obj:
            {
                int inner = Enter(depth);
                sink.StartMap(obj.Count);
                foreach (var kv in obj)
                {
                    sink.WriteKey(kv.Key);
                    Write(ref sink, kv.Value, inner);
                }
                sink.EndMap();
                return;
            }
            case JsonArray array:
            {
                int inner = Enter(depth);
                sink.StartArray(array.Count);
                for (int i = 0; i < array.Count; i++) Write(ref sink, array[i], inner);
                sink.EndArray();
                return;
            }
            default:
                if (node is JsonValue v && v.TryGetValue(out JsonElement element))
                {
                    WriteJsonElement(ref sink, element, depth);
                    return;
                }
                // A JsonValue wrapping a CLR primitive: let System.Text.Json render it (rare path).
                using (var doc = JsonDocument.Parse(node.ToJsonString()))
                    WriteJsonElement(ref sink, doc.RootElement, depth);
                return;
        }
    }
}
