using System.Text.Json;

namespace PluginHost.Node.Config;

/// <summary>Reads and validates a node configuration; one run reports every error it finds (see <see cref="ConfigErrors"/>).</summary>
public static class ConfigLoader
{
    public static NodeConfig LoadFile(string file, string nodeDir, Func<string, string?>? env = null)
    {
        var ext = Path.GetExtension(file).ToLowerInvariant();
        if (ext is not (".json" or ".yaml" or ".yml"))
            throw new ConfigException("", $"configuration file '{file}' must be .json (or .yaml)");
        string text;
        try { text = File.ReadAllText(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException("", $"cannot read configuration file '{file}': {e.Message}");
        }
        return Parse(ext == ".json" ? text : YamlConfig.ToJson(text, file), nodeDir, env);
    }

    public static NodeConfig Parse(string json, string nodeDir, Func<string, string?>? env = null)
    {
        JsonDocument doc;
        try
        {
            // Comments are skipped (a convenience), but a trailing comma is an error, as JSON and Crossbar have it.
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = false });
        }
        catch (JsonException e)
        {
            throw new ConfigException("", $"invalid JSON at line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}: {e.Message.Split(" Path:")[0]}");
        }
        using (doc)
            return ConfigErrors.Collect(() => ParseDocument(doc, nodeDir, env));
    }

    private static NodeConfig ParseDocument(JsonDocument doc, string nodeDir, Func<string, string?>? env)
    {
        {
            var ctx = new ParseContext(Path.GetFullPath(nodeDir), env ?? Environment.GetEnvironmentVariable);
            var root = new ConfigValue(doc.RootElement, "").AsObject("$schema", "version", "controller", "workers");
            root.String("$schema");
            // Crossbar demands version 2; the old form without "version" (the Crossbar guide's configs) is accepted too.
            var version = root.Int("version", 1, 1, 2);
            var workers = ConfigErrors.Each(ConfigErrors.Recover(() => root.List("workers"), []), w => WorkerParser.Parse(w, ctx));
            foreach (var dup in workers.GroupBy(w => w.Id).Where(g => g.Count() > 1))
                ConfigErrors.Report(root.Self.Child("workers").Error($"worker ID '{dup.Key}' is used more than once"));
            var (controllerId, triggers) = ConfigErrors.Recover(
                () => ParseController(root.Object("controller", "id", "options", "manhole", "connections", "keyring"), ctx), (null, null));
            return new NodeConfig
            {
                Version = version,
                ControllerId = controllerId,
                ShutdownTriggers = triggers ?? NodeConfig.Empty.ShutdownTriggers,
                Workers = workers,
                Warnings = ctx.Warnings,
                Source = Compact(doc.RootElement),
            };
        }
    }

    /// <summary>The document as compact JSON (what JsonSerializer.Serialize(element) writes, without starting the serializer).</summary>
    private static string Compact(JsonElement root)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) root.WriteTo(writer);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static readonly string[] ShutdownModes =
        ["shutdown_on_shutdown_requested", "shutdown_on_worker_exit", "shutdown_on_worker_exit_with_error", "shutdown_on_last_worker_exit"];

    /// <summary>Controller <c>options.shutdown</c>: one mode or a list of them (Crossbar 17.12 required a list).</summary>
    private static HashSet<NodeShutdownTrigger>? ParseShutdown(ConfigValue? shutdown)
    {
        if (shutdown is not { } value) return null;
        IEnumerable<string> names = value.Kind == JsonValueKind.Array ? value.AsArray().Select(m => m.AsEnum(ShutdownModes)) : [value.AsEnum(ShutdownModes)];
        return names.Select(n => (NodeShutdownTrigger)Array.IndexOf(ShutdownModes, n)).ToHashSet();
    }

    private static (string? Id, HashSet<NodeShutdownTrigger>? Triggers) ParseController(ConfigObject? o, ParseContext ctx)
    {
        if (o is null) return (null, null);
        HashSet<NodeShutdownTrigger>? triggers = null;
        if (o.Object("options", "title", "shutdown", "enable_parallel_worker_start") is { } options)
        {
            triggers = ParseShutdown(options.Get("shutdown"));
            options.String("title");
            if (options.Bool("enable_parallel_worker_start", false))
                ctx.Warn(options.Self.Child("enable_parallel_worker_start").Path, "workers start one after the other in this build; ignored");
        }
        foreach (var key in new[] { "manhole", "connections", "keyring" })
            if (o.Has(key)) ctx.Warn(o.Self.Child(key).Path, "not supported by this build; ignored");
        return (o.Has("id") ? ctx.IdOrDefault(o, "node") : null, triggers);
    }
}
