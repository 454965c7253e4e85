using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Router;

/// <summary>
/// Payload passthru mode (advanced/payload_passthru_mode.md): the ppt_* options of PUBLISH, CALL and
/// YIELD are forwarded unchanged to EVENT, INVOCATION and RESULT details (an ERROR's details are
/// forwarded whole anyway). The router never looks into the payload. Immutable; built on the loop.
/// </summary>
internal sealed class PptOptions
{
    public const string Scheme = "ppt_scheme", Serializer = "ppt_serializer", Cipher = "ppt_cipher", KeyId = "ppt_keyid";
    private static readonly string[] Keys = [Scheme, Serializer, Cipher, KeyId];

    private readonly KeyValuePair<string, string>[] _values;

    private PptOptions(KeyValuePair<string, string>[] values) => _values = values;

    /// <summary>The message uses passthru mode: it carries a ppt_scheme key (spec: "existence and non-empty value").</summary>
    public static bool IsRequested(IReadOnlyDictionary<string, object?> options) => options.ContainsKey(Scheme);

    /// <summary>
    /// Reads and validates the ppt_* options. Returns true with <paramref name="ppt"/> null when there are none.
    /// False with an error text when they are malformed (the caller answers wamp.error.invalid_argument).
    /// </summary>
    public static bool TryParse(IReadOnlyDictionary<string, object?> options, out PptOptions? ppt, out string error)
    {
        ppt = null;
        error = "";
        if (!options.TryGetValue(Scheme, out var schemeValue)) return true;
        // ppt_scheme is required and a string; the others are optional strings.
        if (schemeValue is not string scheme || !IsValidScheme(scheme))
        {
            error = $"invalid ppt_scheme '{schemeValue}': must be 'mqtt', 'wamp' (or 'wamp.<scheme>', end-to-end encryption) or a custom 'x_<name>'";
            return false;
        }
        var values = new List<KeyValuePair<string, string>> { new(Scheme, scheme) };
        foreach (var key in Keys.AsSpan(1))
        {
            if (!options.TryGetValue(key, out var v) || v is null) continue;
            if (v is not string s || s.Length == 0)
            {
                error = $"invalid {key}: must be a non-empty string";
                return false;
            }
            values.Add(new(key, s));
        }
        ppt = new PptOptions(values.ToArray());
        return true;
    }

    /// <summary>
    /// Predefined schemes of the spec's table: "mqtt" (MQTT gateways) and the end-to-end encryption
    /// scheme, which the spec names "wamp.eth" and clients such as Wampy send as "wamp" (both accepted,
    /// as is any other "wamp." scheme: that namespace is reserved to the spec); custom schemes must
    /// start with "x_". Anything else is rejected.
    /// </summary>
    internal static bool IsValidScheme(string scheme)
        => scheme == "mqtt" || scheme == "wamp" || (scheme.StartsWith("wamp.", StringComparison.Ordinal) && scheme.Length > 5)
           || (scheme.StartsWith("x_", StringComparison.Ordinal) && scheme.Length > 2);

    /// <summary>Copies the ppt_* attributes into an outgoing EVENT/INVOCATION/RESULT details dictionary.</summary>
    public void CopyTo(Dictionary<string, object?> details)
    {
        foreach (var (key, value) in _values) details[key] = value;
    }
}
