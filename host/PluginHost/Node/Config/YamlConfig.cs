using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PluginHost.Node.Config;

/// <summary>
/// config.yaml support: the YAML document becomes the equivalent JSON, then goes through the same validator,
/// so errors name the same paths. Plain scalars get YAML 1.2 core types (80 is a number, true a boolean,
/// null/~ null); quoted scalars stay strings ("80" is a string, as in JSON).
/// </summary>
internal static class YamlConfig
{
    public static string ToJson(string yaml, string file)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new ConfigException("", $"invalid YAML in '{file}' at line {e.Start.Line}, column {e.Start.Column}: {e.Message}");
        }
        if (stream.Documents.Count == 0) return "{}";
        return Convert(stream.Documents[0].RootNode)?.ToJsonString() ?? "null";
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv =>
            KeyValuePair.Create(((kv.Key as YamlScalarNode)?.Value) ?? throw new ConfigException("", $"YAML line {kv.Key.Start.Line}: keys must be plain strings"),
                Convert(kv.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new ConfigException("", $"YAML line {node.Start.Line}: aliases and tags are not supported in configs"),
    };

    private static JsonValue? Scalar(YamlScalarNode s)
    {
        var v = s.Value ?? "";
        if (s.Style != ScalarStyle.Plain) return JsonValue.Create(v);
        if (v is "" or "~" or "null" or "Null" or "NULL") return null;
        if (v is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (v is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) return JsonValue.Create(n);
        if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && char.IsDigit(v[^1])) return JsonValue.Create(d);
        return JsonValue.Create(v);
    }
}
