namespace PluginHost.Node.Config;

/// <summary><c>options.discover</c> on router and container workers (see <see cref="DiscoverConfig"/>).</summary>
internal static class DiscoverParser
{
    /// <summary>Router: <c>{directory, realm, role, exclude, hot_reload}</c>; the realm must be one of the router's.</summary>
    public static DiscoverConfig? ParseRouter(ConfigObject? options, IReadOnlyCollection<string> realms, ParseContext ctx)
    {
        if (options?.Get("discover") is not { } value) return null;
        var o = value.AsObject("directory", "realm", "role", "exclude", "hot_reload");
        var common = ParseCommon(o, ctx);
        if (common.Realm is { } realm && !realms.Contains(realm))
            throw o.Required("realm").Error($"realm '{realm}' is not defined on this router");
        return common with { Role = o.String("role") ?? "anonymous" };
    }

    /// <summary>Container: <c>{directory, realm, transport, auth, exclude, hot_reload}</c>; transport as a component's.</summary>
    public static DiscoverConfig? ParseContainer(ConfigObject? options, ParseContext ctx)
    {
        if (options?.Get("discover") is not { } value) return null;
        var o = value.AsObject("directory", "realm", "transport", "auth", "exclude", "hot_reload");
        var (url, transport, reconnect) = ComponentParser.ParseContainerTransport(o.Required("transport"), ctx);
        return ParseCommon(o, ctx) with
        {
            Transport = transport,
            TransportUrl = url,
            Reconnect = reconnect,
            Auth = o.Get("auth") is { } a ? ComponentAuthParser.Parse(a, ctx) : null,
        };
    }

    private static DiscoverConfig ParseCommon(ConfigObject o, ParseContext ctx)
    {
        var dirValue = o.Required("directory");
        var relative = dirValue.AsString();
        if (relative.Length == 0) throw dirValue.Error("expected a folder (relative to the node directory), got an empty string");
        // Need not exist (git keeps no empty folder): discovery creates it at start.
        var directory = Path.GetFullPath(Path.Combine(ctx.NodeDir, relative));
        if (File.Exists(directory)) throw dirValue.Error($"expected a folder, got the file {directory}");
        var realmValue = o.Get("realm");
        var realm = realmValue?.AsString();
        if (realm is { Length: 0 }) throw realmValue!.Value.Error("expected a realm name, got an empty string");
        var exclude = o.List("exclude").Select(v =>
        {
            var pattern = v.AsString();
            return pattern.Length > 0 ? pattern : throw v.Error("expected a class name pattern, got an empty string");
        }).ToList();
        return new DiscoverConfig { Directory = directory, Realm = realm, Exclude = exclude, HotReload = o.Bool("hot_reload", true) };
    }
}
