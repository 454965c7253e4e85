namespace PluginHost.Node.Config;

/// <summary>Workers (Crossbar <c>workers[]</c>): router and container (native) workers, and guests (see <see cref="GuestParser"/>).</summary>
internal static class WorkerParser
{
    public static WorkerConfig Parse(ConfigValue value, ParseContext ctx)
    {
        var typeValue = value.Member("type");
        var type = typeValue.AsEnum("router", "container", "guest", "websocket-testee", "proxy");
        return type switch
        {
            "router" => ParseRouter(value.AsObject("id", "type", "options", "manhole", "realms", "transports", "components", "connections", "cluster"), ctx),
            "container" => ParseContainer(value.AsObject("id", "type", "options", "manhole", "components", "connections"), ctx),
            "guest" => GuestParser.Parse(value.AsObject("id", "type", "executable", "arguments", "options"), ctx),
            _ => throw typeValue.Error($"worker type '{type}' is not supported by this build (router, container, guest)"),
        };
    }

    private static RouterWorkerConfig ParseRouter(ConfigObject o, ParseContext ctx)
    {
        var id = ctx.IdOrDefault(o, "worker");
        var options = o.Object("options", [.. NativeOptionsParser.Keys, "outbound", "management_realm"]);
        var native = NativeOptionsParser.Parse(options, ctx);
        var routerOptions = OutboundParser.Parse(options);
        var managementRealm = options?.String("management_realm");
        WarnUnsupported(o, ctx, "manhole", "connections");

        var errorsBefore = ConfigErrors.Count;
        var realms = ConfigErrors.Each(o.List("realms"), r => RealmParser.Parse(r, ctx));
        foreach (var dup in realms.GroupBy(r => r.Config.Name).Where(g => g.Count() > 1))
            ConfigErrors.Report(o.Self.Child("realms").Error($"realm '{dup.Key}' is defined more than once"));
        // A realm that failed to parse is missing below: references to it are not reported as undefined.
        var realmsComplete = ConfigErrors.Count == errorsBefore;

        // Crossbar's boot order starts realms, then components, then transports; parse IDs in that order too.
        var components = new List<ComponentConfig>();
        foreach (var at in o.List("components"))
        {
            if (ConfigErrors.Recover(() => ComponentParser.ParseRouterComponent(at, ctx), null) is not { } component) continue;
            components.Add(component);
            if (realmsComplete && realms.All(r => r.Config.Name != component.Realm))
                ConfigErrors.Report(at.Child("realm").Error($"realm '{component.Realm}' is not defined on this router"));
        }

        var transports = ConfigErrors.Each(o.List("transports"), t => TransportParser.Parse(t, ctx));
        foreach (var dup in transports.GroupBy(t => t.Id).Where(g => g.Count() > 1))
            ConfigErrors.Report(o.Self.Child("transports").Error($"transport ID '{dup.Key}' is used more than once"));
        if (realmsComplete)
            ConfigErrors.Recover(() => { WebPathParser.CheckBridgeRealms(transports, realms.Select(r => r.Config).ToList()); return true; }, false);
        if (realmsComplete && managementRealm is not null && realms.All(r => r.Config.Name != managementRealm))
            ConfigErrors.Report(options!.Required("management_realm").Error($"realm '{managementRealm}' is not defined on this router"));

        var discover = ConfigErrors.Recover(() => DiscoverParser.ParseRouter(options, realms.Select(r => r.Config.Name).ToList(), ctx), null);
        // PluginHost extension: the worker's realms shared with other routers over NATS (Config/ClusterParser.cs).
        var cluster = ConfigErrors.Recover(() => ClusterParser.Parse(o, id, realms.Select(r => r.Config.Name).ToList(), ctx), null);
        return native.Apply(new RouterWorkerConfig { Id = id, Realms = realms, Components = components, Transports = transports })
            with { Discover = discover, Router = routerOptions with { Cluster = cluster }, ManagementRealm = managementRealm };
    }

    private static ContainerWorkerConfig ParseContainer(ConfigObject o, ParseContext ctx)
    {
        var id = ctx.IdOrDefault(o, "worker", checkPattern: false);
        var options = o.Object("options", [.. NativeOptionsParser.Keys, "shutdown", "restart"]);
        var native = NativeOptionsParser.Parse(options, ctx);
        var shutdown = options?.Enum("shutdown", "shutdown-manual", "shutdown-manual", "shutdown-on-last-component-stopped",
            "shutdown-on-any-component-failed", "shutdown-on-any-component-stopped") ?? "shutdown-manual";
        var restart = options?.Enum("restart", "restart-never", "restart-always", "restart-on-failed", "restart-never") ?? "restart-never";
        // Crossbar rejects restart modes that contradict the shutdown mode.
        if ((restart == "restart-always" && shutdown != "shutdown-manual")
            || (restart == "restart-on-failed" && shutdown == "shutdown-on-any-component-failed"))
            ConfigErrors.Report(options!.Required("restart").Error($"'{restart}' contradicts shutdown mode '{shutdown}'"));
        WarnUnsupported(o, ctx, "manhole", "connections");
        return native.Apply(new ContainerWorkerConfig
        {
            Id = id,
            Discover = ConfigErrors.Recover(() => DiscoverParser.ParseContainer(options, ctx), null),
            Components = ConfigErrors.Each(o.List("components"), c => ComponentParser.ParseContainerComponent(c, ctx)),
            Shutdown = shutdown switch
            {
                "shutdown-on-last-component-stopped" => ContainerShutdown.OnLastComponentStopped,
                "shutdown-on-any-component-failed" => ContainerShutdown.OnAnyComponentFailed,
                "shutdown-on-any-component-stopped" => ContainerShutdown.OnAnyComponentStopped,
                _ => ContainerShutdown.Manual,
            },
            Restart = restart switch
            {
                "restart-always" => ContainerRestart.Always,
                "restart-on-failed" => ContainerRestart.OnFailed,
                _ => ContainerRestart.Never,
            },
        });
    }

    internal static void WarnUnsupported(ConfigObject o, ParseContext ctx, params string[] keys)
    {
        foreach (var key in keys)
            if (o.Has(key)) ctx.Warn(o.Self.Child(key).Path, "not supported by this build; ignored");
    }
}
