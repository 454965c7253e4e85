using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace PluginHost.Wamp.Serialization;

/// <summary>
/// A wire format whose payloads a router may keep encoded: it decodes one kept payload on demand, and its writer copies
/// a payload kept in its own format to the output as it is.
/// </summary>
internal interface IPayloadFormat
{
    /// <summary>Decodes the bytes of one kept payload (a whole array or map) into the value model.</summary>
    object Decode(byte[] encoded);
}

/// <summary>
/// Arguments or ArgumentsKw kept as the bytes they arrived in (issue 13: the router never looks inside a payload).
///
/// A router decodes what it routes on (the message's type, ids, options, URI) and keeps the payload as the exact slice
/// of the frame it came in, after checking it as strictly as decoding would (the same grammar, depth, UTF-8, number and
/// binary rules: a payload that decoding refuses is refused the same way). Sent on to a session of the same wire format,
/// the slice is copied into the outgoing frame unchanged (ValueWriter → <see cref="IValueSink.WriteEncoded"/>); sent to
/// another format, to an embedded session, or read by the router itself (meta procedures, testaments, the store, the
/// cluster), it is decoded once, on first use, from any thread, and the decoded value is kept and shared like any
/// decoded payload. Immutable once built, like every message.
/// </summary>
public abstract class EncodedPayload
{
    private object? _decoded;

    private protected EncodedPayload(IPayloadFormat format, byte[] bytes)
    {
        Format = format;
        Bytes = bytes;
    }

    internal IPayloadFormat Format { get; }

    /// <summary>The payload's bytes in <see cref="Format"/>: one whole array or map.</summary>
    internal byte[] Bytes { get; }

    /// <summary>Whether anything has needed the decoded payload yet (tests).</summary>
    internal bool IsDecoded => Volatile.Read(ref _decoded) is not null;

    /// <summary>The decoded payload (a List or a Dictionary of the value model), decoded on first use.</summary>
    internal object Decoded
    {
        get
        {
            var decoded = Volatile.Read(ref _decoded);
            if (decoded is not null) return decoded;
            // Racing first uses decode the same bytes to equal values; one of them is kept for everyone.
            return Interlocked.CompareExchange(ref _decoded, Format.Decode(Bytes), null) ?? _decoded!;
        }
    }
}

/// <summary>Arguments kept encoded (<see cref="EncodedPayload"/>); the element count is known without decoding.</summary>
public sealed class EncodedArguments : EncodedPayload, IReadOnlyList<object?>
{
    internal EncodedArguments(IPayloadFormat format, byte[] bytes, int count) : base(format, bytes) => Count = count;

    private List<object?> List => (List<object?>)Decoded;

    public int Count { get; }
    public object? this[int index] => List[index];
    public IEnumerator<object?> GetEnumerator() => List.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// ArgumentsKw kept encoded (<see cref="EncodedPayload"/>). Never empty (an empty map is decoded as it comes); its
/// <see cref="Count"/> decodes, since a map on the wire may repeat a key (the last one wins, as in decoding).
/// </summary>
public sealed class EncodedArgumentsKwDictionary : EncodedPayload, IReadOnlyDictionary<string, object?>
{
    internal EncodedArgumentsKwDictionary(IPayloadFormat format, byte[] bytes) : base(format, bytes) { }

    private Dictionary<string, object?> Map => (Dictionary<string, object?>)Decoded;

    public int Count => Map.Count;
    public object? this[string key] => Map[key];
    public IEnumerable<string> Keys => Map.Keys;
    public IEnumerable<object?> Values => Map.Values;
    public bool ContainsKey(string key) => Map.ContainsKey(key);
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value) => Map.TryGetValue(key, out value);
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => Map.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
