using System.Text.Json;
using System.Text.RegularExpressions;
using PluginHost.Transport;

namespace PluginHost.Node.Config;

/// <summary>Web transport <c>paths</c>: static, websocket, redirect, json and nested path services.</summary>
internal static partial class WebPathParser
{
    private static readonly string[] Implemented = ["static", "websocket", "redirect", "json", "path"];

    /// <summary>Crossbar services this build does not provide: their paths are skipped with a warning, the rest of the node runs.</summary>
    private static readonly string[] NotImplemented =
    [
        "websocket-reverseproxy", "reverseproxy", "caller", "publisher", "webhook", "wsgi", "resource", "cgi",
        "nodeinfo", "longpoll", "archive", "wap", "catalog", "none",
    ];

    public static IReadOnlyDictionary<string, WebPathConfig> ParsePaths(ConfigValue value, ParseContext ctx)
    {
        var paths = new Dictionary<string, WebPathConfig>(StringComparer.Ordinal);
        foreach (var (key, service) in Members(value))
        {
            if (!PathKey().IsMatch(key))
                throw service.Error("invalid path (one segment of [a-zA-Z0-9_-], or \"/\"; nest deeper paths with type \"path\")");
            if (ParseService(service, ctx) is { } parsed) paths[key] = parsed;
        }
        return paths;
    }

    /// <summary>Members of a JSON object whose keys are free-form (paths), each with its path; duplicate keys are errors.</summary>
    internal static IEnumerable<(string Key, ConfigValue Value)> Members(ConfigValue value)
    {
        if (value.Kind != JsonValueKind.Object) throw value.Expected("an object");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in value.Element.EnumerateObject())
        {
            var child = value.Child(p.Name) with { Element = p.Value };
            if (!seen.Add(p.Name)) throw child.Error("duplicate key");
            yield return (p.Name, child);
        }
    }

    private static WebPathConfig? ParseService(ConfigValue value, ParseContext ctx)
    {
        var typeValue = value.Member("type");
        var type = typeValue.AsEnum([.. Implemented, .. NotImplemented]);
        switch (type)
        {
            case "static":
                return ParseStatic(value.AsObject("type", "directory", "package", "resource", "options"), ctx);
            case "websocket":
                return new WebSocketPathConfig { WebSocket = TransportParser.ParseWebSocket(value.AsObject(["type", .. TransportParser.WebSocketKeys]), ctx) };
            case "redirect":
                return new RedirectPathConfig(value.AsObject("type", "url").RequiredString("url"));
            case "json":
                value.AsObject("type", "value", "options").Object("options", "prettify", "allow_cross_origin", "discourage_caching");
                return new JsonPathConfig(value.Member("value").Element.Clone());
            case "path":
                return new NestedPathConfig(ParsePaths(value.AsObject("type", "paths").Required("paths"), ctx));
            default:
                ctx.Warn(value.Path, $"web service type '{type}' is not supported by this build; path skipped");
                return null;
        }
    }

    private static StaticPathConfig ParseStatic(ConfigObject o, ParseContext ctx)
    {
        if (o.Get("package") is { } package) throw package.Error("serving static files from a Python package is not supported; use \"directory\"");
        var dirValue = o.Required("directory");
        // Relative to the node directory: the guide's ".." is the folder holding .crossbar.
        var directory = Path.GetFullPath(Path.Combine(ctx.NodeDir, dirValue.AsString()));
        if (!Directory.Exists(directory)) throw dirValue.Error($"directory not found: {directory}");

        var options = o.Object("options", "enable_directory_listing", "mime_types", "cache_timeout", "default_file");
        var mimeTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (options?.Get("mime_types") is { } mt)
            foreach (var (ext, type) in Members(mt)) mimeTypes[ext] = type.AsString();
        // An explicit null cache_timeout disables caching; absent means Crossbar's 12 hours.
        int? cacheTimeout = options is not null && options.Has("cache_timeout")
            ? options.Get("cache_timeout")?.AsInt(0, int.MaxValue)
            : 43200;
        return new StaticPathConfig
        {
            Directory = directory,
            EnableDirectoryListing = options?.Bool("enable_directory_listing", false) ?? false,
            MimeTypes = mimeTypes,
            CacheTimeout = cacheTimeout,
            DefaultFile = options?.String("default_file"),
        };
    }

    [GeneratedRegex(@"^([a-z0-9A-Z_\-]+|/)$")]
    private static partial Regex PathKey();
}
