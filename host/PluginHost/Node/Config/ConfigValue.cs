using System.Text.Json;
using System.Text.RegularExpressions;

namespace PluginHost.Node.Config;

/// <summary>
/// A JSON value together with its path in the config document. Validation happens on the
/// document itself (not on deserialized objects) so every error can name the exact path.
/// </summary>
internal readonly partial record struct ConfigValue(JsonElement Element, string Path)
{
    public JsonValueKind Kind => Element.ValueKind;

    public ConfigException Error(string detail) => new(Path, detail);

    public ConfigException Expected(string what) => Error($"expected {what}, got {Describe(Element)}");

    public ConfigValue Child(string key)
        => new(default, Path.Length == 0 ? KeyPath(key) : SimpleKey().IsMatch(key) ? $"{Path}.{key}" : $"{Path}[{Quoted(key)}]");

    private static string KeyPath(string key) => SimpleKey().IsMatch(key) ? key : $"[{Quoted(key)}]";

    /// <summary>A JSON string literal, escaped as JsonSerializer would (its default encoder) without starting the serializer:
    /// every worker loads its configuration at start, and the serializer's first use costs milliseconds there.</summary>
    private static string Quoted(string text) => $"\"{JsonEncodedText.Encode(text)}\"";

    /// <summary>Checks this is an object whose keys are all in <paramref name="allowed"/> (Crossbar rejects unknown attributes).</summary>
    public ConfigObject AsObject(params string[] allowed)
    {
        if (Kind != JsonValueKind.Object) throw Expected("an object");
        var props = new Dictionary<string, ConfigValue>(StringComparer.Ordinal);
        foreach (var p in Element.EnumerateObject())
        {
            var child = Child(p.Name) with { Element = p.Value };
            // Reported, not thrown: the rest of the object is still checked.
            if (Array.IndexOf(allowed, p.Name) < 0)
                ConfigErrors.Report(child.Error($"unknown key (allowed here: {string.Join(", ", allowed)})"));
            else if (!props.TryAdd(p.Name, child)) ConfigErrors.Report(child.Error("duplicate key"));
        }
        return new ConfigObject(this, props);
    }

    /// <summary>A member looked up before the allowed keys are known (e.g. <c>type</c>, which decides them).</summary>
    public ConfigValue Member(string key)
    {
        if (Kind != JsonValueKind.Object) throw Expected("an object");
        return Element.TryGetProperty(key, out var v) ? Child(key) with { Element = v } : throw Child(key).Error("missing required key");
    }

    public string AsString()
        => Kind == JsonValueKind.String ? Element.GetString()! : throw Expected("a string");

    public bool AsBool()
        => Kind is JsonValueKind.True or JsonValueKind.False ? Element.GetBoolean() : throw Expected("a boolean");

    public long AsLong(long min, long max)
    {
        if (Kind != JsonValueKind.Number || !Element.TryGetInt64(out var n)) throw Expected("an integer");
        if (n < min || n > max) throw Error($"expected an integer in {min}..{max}, got {n}");
        return n;
    }

    public int AsInt(int min, int max) => (int)AsLong(min, max);

    public IReadOnlyList<ConfigValue> AsArray()
    {
        if (Kind != JsonValueKind.Array) throw Expected("a list");
        var path = Path;
        return Element.EnumerateArray().Select((e, i) => new ConfigValue(e, $"{path}[{i}]")).ToList();
    }

    public string AsEnum(params string[] allowed)
    {
        if (Kind != JsonValueKind.String) throw Expected($"one of {string.Join(", ", allowed)}");
        var s = Element.GetString()!;
        return Array.IndexOf(allowed, s) >= 0 ? s : throw Expected($"one of {string.Join(", ", allowed)}");
    }

    /// <summary>A short, user-facing rendering of a value for error messages: strings and numbers verbatim, containers by kind.</summary>
    public static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.Undefined => "nothing",
        JsonValueKind.String when e.GetString()!.Length > 40 => Quoted(e.GetString()![..40] + "..."),
        _ => e.GetRawText(),
    };

    [GeneratedRegex("^[A-Za-z_$][A-Za-z0-9_$-]*$")]
    private static partial Regex SimpleKey();
}

/// <summary>A validated JSON object: typed getters with defaults, each failing with the member's path.</summary>
internal sealed class ConfigObject(ConfigValue self, Dictionary<string, ConfigValue> props)
{
    public ConfigValue Self => self;
    public string Path => self.Path;

    public bool Has(string key) => props.ContainsKey(key);

    /// <summary>The member, or null when absent. JSON null counts as absent (Crossbar treats None as unset).</summary>
    public ConfigValue? Get(string key)
        => props.TryGetValue(key, out var v) && v.Kind != JsonValueKind.Null ? v : null;

    public ConfigValue Required(string key)
        => props.TryGetValue(key, out var v) ? v : throw self.Child(key).Error("missing required key");

    public string RequiredString(string key) => Required(key).AsString();
    // Optional scalars: a wrong one is recorded and its default used, so the rest of the config is still checked.
    public string? String(string key) => ConfigErrors.Recover(() => Get(key)?.AsString(), null);
    public bool Bool(string key, bool defaultValue) => ConfigErrors.Recover(() => Get(key)?.AsBool(), null) ?? defaultValue;
    public int Int(string key, int defaultValue, int min, int max) => ConfigErrors.Recover(() => Get(key)?.AsInt(min, max), null) ?? defaultValue;
    public long Long(string key, long defaultValue, long min, long max) => ConfigErrors.Recover(() => Get(key)?.AsLong(min, max), null) ?? defaultValue;
    public string Enum(string key, string defaultValue, params string[] allowed) => ConfigErrors.Recover(() => Get(key)?.AsEnum(allowed), null) ?? defaultValue;
    public IReadOnlyList<ConfigValue> List(string key) => Get(key)?.AsArray() ?? [];
    public IReadOnlyList<string> Strings(string key) => List(key).Select(v => v.AsString()).ToList();
    public ConfigObject? Object(string key, params string[] allowed) => Get(key)?.AsObject(allowed);
}
