using PluginHost.Transport;

namespace PluginHost.Node.Config;

/// <summary>Workers (Crossbar <c>workers[]</c>): router workers fully; container and guest workers by shape only, for later issues.</summary>
internal static class WorkerParser
{
    private static readonly string[] NativeOptions =
        ["title", "python", "pythonpath", "cpu_affinity", "env", "extra", "expose_controller", "expose_shared", "disabled"];

    public static WorkerConfig Parse(ConfigValue value, ParseContext ctx)
    {
        var typeValue = value.Member("type");
        var type = typeValue.AsEnum("router", "container", "guest", "websocket-testee", "proxy");
        return type switch
        {
            "router" => ParseRouter(value.AsObject("id", "type", "options", "manhole", "realms", "transports", "components", "connections"), ctx),
            "container" => ParseContainer(value.AsObject("id", "type", "options", "manhole", "components", "connections"), ctx),
            "guest" => ParseGuest(value.AsObject("id", "type", "executable", "arguments", "options"), ctx),
            _ => throw typeValue.Error($"worker type '{type}' is not supported by this build (router, container, guest)"),
        };
    }

    private static RouterWorkerConfig ParseRouter(ConfigObject o, ParseContext ctx)
    {
        var id = ctx.IdOrDefault(o, "worker");
        var disabled = ParseNativeOptions(o.Object("options", NativeOptions), ctx);
        WarnUnsupported(o, ctx, "manhole", "connections");

        var realms = o.List("realms").Select(r => RealmParser.Parse(r, ctx)).ToList();
        foreach (var dup in realms.GroupBy(r => r.Config.Name).Where(g => g.Count() > 1))
            throw o.Self.Child("realms").Error($"realm '{dup.Key}' is defined more than once");

        // Crossbar's boot order starts realms, then components, then transports; parse IDs in that order too.
        var components = o.List("components").Select(c => ComponentParser.ParseRouterComponent(c, ctx)).ToList();
        foreach (var (component, at) in components.Zip(o.List("components")))
            if (realms.All(r => r.Config.Name != component.Realm))
                throw at.Child("realm").Error($"realm '{component.Realm}' is not defined on this router");

        var transports = o.List("transports").Select(t => TransportParser.Parse(t, ctx)).ToList();
        foreach (var dup in transports.GroupBy(t => t.Id).Where(g => g.Count() > 1))
            throw o.Self.Child("transports").Error($"transport ID '{dup.Key}' is used more than once");

        return new RouterWorkerConfig { Id = id, Disabled = disabled, Realms = realms, Components = components, Transports = transports };
    }

    private static ContainerWorkerConfig ParseContainer(ConfigObject o, ParseContext ctx)
    {
        var id = ctx.IdOrDefault(o, "worker", checkPattern: false);
        var options = o.Object("options", [.. NativeOptions, "shutdown", "restart"]);
        var disabled = ParseNativeOptions(options, ctx);
        var shutdown = options?.Enum("shutdown", "shutdown-manual", "shutdown-manual", "shutdown-on-last-component-stopped",
            "shutdown-on-any-component-failed", "shutdown-on-any-component-stopped");
        var restart = options?.Enum("restart", "restart-never", "restart-always", "restart-on-failed", "restart-never");
        // Crossbar rejects restart modes that contradict the shutdown mode.
        if ((restart == "restart-always" && shutdown != "shutdown-manual")
            || (restart == "restart-on-failed" && shutdown == "shutdown-on-any-component-failed"))
            throw options!.Required("restart").Error($"'{restart}' contradicts shutdown mode '{shutdown}'");
        WarnUnsupported(o, ctx, "manhole", "connections");
        return new ContainerWorkerConfig
        {
            Id = id, Disabled = disabled,
            Components = o.List("components").Select(c => ComponentParser.ParseContainerComponent(c, ctx)).ToList(),
        };
    }

    private static GuestWorkerConfig ParseGuest(ConfigObject o, ParseContext ctx)
    {
        var options = o.Object("options", "env", "workdir", "stdin", "stdout", "stderr", "watch");
        foreach (var stream in new[] { "stdout", "stderr" }) options?.Enum(stream, "log", "close", "log", "drop");
        return new GuestWorkerConfig
        {
            Id = ctx.IdOrDefault(o, "worker", checkPattern: false),
            Executable = o.RequiredString("executable"),
            Arguments = o.Strings("arguments"),
            WorkDir = Path.GetFullPath(Path.Combine(ctx.NodeDir, options?.String("workdir") ?? ".")),
        };
    }

    /// <summary>Type-checks Crossbar's native worker options and returns <c>disabled</c> (a bool, or "${VAR}": any non-empty value means true).</summary>
    private static bool ParseNativeOptions(ConfigObject? o, ParseContext ctx)
    {
        if (o is null) return false;
        o.String("title");
        o.String("python");
        o.Strings("pythonpath");
        foreach (var cpu in o.List("cpu_affinity")) cpu.AsInt(0, 4096);
        o.Object("env", "inherit", "vars");
        foreach (var key in new[] { "expose_controller", "expose_shared" }) o.Bool(key, false);
        if (o.Get("disabled") is not { } d) return false;
        if (d.Kind != System.Text.Json.JsonValueKind.String) return d.AsBool();
        var s = d.AsString();
        if (!(s.StartsWith("${") && s.EndsWith('}'))) throw d.Expected("a boolean or \"${VAR}\"");
        return !string.IsNullOrEmpty(ctx.Env(s[2..^1]));
    }

    private static void WarnUnsupported(ConfigObject o, ParseContext ctx, params string[] keys)
    {
        foreach (var key in keys)
            if (o.Has(key)) ctx.Warn(o.Self.Child(key).Path, "not supported by this build; ignored");
    }
}
