using System.Text.Json;
using System.Text.Json.Nodes;

namespace PluginHost.Cli;

/// <summary>
/// What <c>crossbar upgrade</c> does to a version 1 (0.10 era) config: adds <c>"version": 2</c> and rewrites flat
/// permissions <c>{"uri": "com.*", "call": true, ...}</c> as <c>{uri, match, allow{...}, disclose{...}, cache}</c>.
/// </summary>
internal static class ConfigUpgrade
{
    private static readonly string[] Actions = ["call", "register", "publish", "subscribe"];

    /// <summary>Returns the upgraded document, or null when it is version 2 already.</summary>
    public static JsonObject? Upgrade(JsonObject root)
    {
        if (root["version"] is JsonValue v && v.TryGetValue<int>(out var version) && version >= 2) return null;
        var upgraded = new JsonObject();
        foreach (var (key, value) in root)
        {
            if (key == "version") continue;
            upgraded[key] = value?.DeepClone();
            if (key == "$schema") upgraded["version"] = 2;
        }
        if (!upgraded.ContainsKey("version")) upgraded.Insert(0, "version", 2);
        foreach (var permissions in PermissionLists(upgraded))
            for (var i = 0; i < permissions.Count; i++)
                if (permissions[i] is JsonObject p && Actions.Any(p.ContainsKey)) permissions[i] = UpgradePermission(p);
        return upgraded;
    }

    private static IEnumerable<JsonArray> PermissionLists(JsonObject root)
    {
        foreach (var worker in (root["workers"] as JsonArray ?? []).OfType<JsonObject>())
        foreach (var realm in (worker["realms"] as JsonArray ?? []).OfType<JsonObject>())
        foreach (var role in (realm["roles"] as JsonArray ?? []).OfType<JsonObject>())
            if (role["permissions"] is JsonArray permissions) yield return permissions;
    }

    private static JsonObject UpgradePermission(JsonObject flat)
    {
        var uri = flat["uri"]?.GetValue<string>() ?? "";
        var (newUri, match) = uri switch
        {
            "" or "*" => ("", "prefix"),
            _ when uri.EndsWith('*') => (uri[..^1], "prefix"),
            _ when uri.Contains("..") => (uri, "wildcard"),
            _ => (uri, "exact"),
        };
        var allow = new JsonObject();
        foreach (var action in Actions) allow[action] = flat[action] is JsonValue b && b.TryGetValue<bool>(out var on) && on;
        return new JsonObject
        {
            ["uri"] = newUri,
            ["match"] = match,
            ["allow"] = allow,
            ["disclose"] = new JsonObject { ["caller"] = false, ["publisher"] = false },
            ["cache"] = true,
        };
    }

    public static string Serialize(JsonObject root) => root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
}
