using PluginHost.Listeners;

namespace PluginHost.Node.Config;

/// <summary>Application components of router workers (embedded) and container workers (connecting over a transport).</summary>
internal static class ComponentParser
{
    public static ComponentConfig ParseRouterComponent(ConfigValue value, ParseContext ctx)
    {
        var type = value.Member("type").AsEnum("class", "function");
        var o = type == "class"
            ? value.AsObject("id", "type", "realm", "role", "classname", "references", "extra", "hot_reload")
            : value.AsObject("id", "type", "realm", "role", "callbacks", "extra");
        o.Strings("references");
        o.Object("callbacks", "join", "leave", "connect", "disconnect");
        return new ComponentConfig
        {
            Id = ctx.IdOrDefault(o, "component", checkPattern: false),
            Type = type,
            Realm = o.RequiredString("realm"),
            Role = o.String("role") ?? "anonymous",
            Classname = type == "class" ? o.RequiredString("classname") : null,
            Extra = o.Get("extra")?.Element.Clone(),
            HotReload = o.Get("hot_reload")?.AsBool(),
        };
    }

    public static ComponentConfig ParseContainerComponent(ConfigValue value, ParseContext ctx)
    {
        var type = value.Member("type").AsEnum("class", "function");
        var o = type == "class"
            ? value.AsObject("id", "type", "realm", "transport", "classname", "extra", "hot_reload", "auth")
            : value.AsObject("id", "type", "realm", "transport", "auth", "callbacks", "extra");
        // Crossbar requires "auth" on function components only; class components may have it here (an extension).
        var auth = type == "function" ? o.Required("auth") : o.Get("auth");
        var (url, transports, reconnect) = ParseContainerTransports(o.Required("transport"), ctx);
        return new ComponentConfig
        {
            Id = ctx.IdOrDefault(o, "component", checkPattern: false),
            Type = type,
            Realm = o.RequiredString("realm"),
            Classname = type == "class" ? o.RequiredString("classname") : null,
            TransportUrl = url,
            Transport = transports[0],
            Transports = transports,
            Extra = o.Get("extra")?.Element.Clone(),
            HotReload = o.Get("hot_reload")?.AsBool(),
            Reconnect = reconnect,
            Auth = auth is { } a ? ComponentAuthParser.Parse(a, ctx) : null,
        };
    }

    /// <summary>
    /// A container component's <c>transport</c>: one transport, or a list of them (as Autobahn's Component takes): the
    /// routers the component may join, tried in order, moving to the next after each failed attempt. The backoff keys
    /// of the first transport govern the component (Autobahn keeps them per transport; one component, one schedule).
    /// </summary>
    public static (string? Url, IReadOnlyList<ComponentTransportConfig> Transports, ReconnectConfig Reconnect) ParseContainerTransports(
        ConfigValue transport, ParseContext ctx)
    {
        if (transport.Kind != System.Text.Json.JsonValueKind.Array)
        {
            var (url, single, reconnect) = ParseContainerTransport(transport, ctx);
            return (url, [single], reconnect);
        }
        var elements = transport.AsArray();
        if (elements.Count == 0) throw transport.Error("expected at least one transport");
        var parsed = elements.Select(e => ParseContainerTransport(e, ctx)).ToList();
        return (parsed[0].Url, parsed.Select(p => p.Transport).ToList(), parsed[0].Reconnect);
    }

    /// <summary>A container component's <c>transport</c> (also a container's <c>options.discover.transport</c>): where and how to connect, with Autobahn's backoff keys.</summary>
    public static (string? Url, ComponentTransportConfig Transport, ReconnectConfig Reconnect) ParseContainerTransport(ConfigValue transport, ParseContext ctx)
    {
        var transportType = transport.Member("type").AsEnum("websocket", "rawsocket");
        var t = transportType == "websocket"
            ? transport.AsObject(["type", "endpoint", "url", "serializers", "options", .. RetryKeys])
            : transport.AsObject(["type", "endpoint", "serializer", "url", "options", "debug", .. RetryKeys]);
        var endpoint = t.Required("endpoint");
        var endpointType = endpoint.Member("type").AsEnum("tcp", "unix", "twisted", "tor");
        string? serializer = transportType == "rawsocket" ? t.Required("serializer").AsEnum("json", "msgpack", "cbor", "ubjson") : null;
        var url = transportType == "websocket" ? Url(t.Required("url"), ctx) : t.String("url");
        return (url, ParseTransport(t, transportType, endpoint, endpointType, serializer, ctx), ParseReconnect(t));
    }

    private static readonly string[] RetryKeys =
        ["max_retries", "initial_retry_delay", "max_retry_delay", "retry_delay_growth", "retry_delay_jitter"];

    /// <summary>A WebSocket component's router URL: literal, or "${VAR}" from the environment (one config, any router).</summary>
    private static string Url(ConfigValue v, ParseContext ctx)
    {
        var s = v.AsString();
        if (!(s.Length > 3 && s.StartsWith("${", StringComparison.Ordinal) && s.EndsWith('}'))) return s;
        var name = s[2..^1];
        return ctx.Env(name) ?? throw v.Error($"environment variable '{name}' is not set");
    }

    private static ComponentTransportConfig ParseTransport(ConfigObject t, string type, ConfigValue endpoint, string endpointType, string? serializer,
        ParseContext ctx)
    {
        if (type == "websocket")
        {
            var url = t.Required("url");
            if (!Uri.TryCreate(Url(url, ctx), UriKind.Absolute, out var u) || u.Scheme is not ("ws" or "wss"))
                throw url.Error("expected a ws:// or wss:// URL");
            var serializers = t.List("serializers").Select(v => v.AsEnum("json", "msgpack", "cbor", "ubjson")).ToList();
            if (serializers.Contains("ubjson")) throw t.Required("serializers").Error("serializer 'ubjson' is not supported by this build (json, msgpack, cbor)");
            return new ComponentTransportConfig { Type = type, Url = u.ToString(), Serializers = serializers };
        }
        if (endpointType != "tcp") throw endpoint.Member("type").Error("only tcp endpoints are supported for rawsocket components");
        if (serializer == "ubjson") throw t.Required("serializer").Error("serializer 'ubjson' is not supported by this build (json, msgpack, cbor)");
        var e = endpoint.AsObject("type", "host", "port", "version", "timeout", "tls");
        return new ComponentTransportConfig
        {
            Type = type,
            Host = e.String("host") ?? "127.0.0.1",
            Port = e.Required("port").AsInt(1, 65535),
            Serializer = serializer ?? "json",
        };
    }

    private static ReconnectConfig ParseReconnect(ConfigObject t)
    {
        var defaults = new ReconnectConfig();
        var initial = Seconds(t.Get("initial_retry_delay"), defaults.InitialDelay);
        var max = Seconds(t.Get("max_retry_delay"), defaults.MaxDelay);
        if (max < initial) throw t.Required("max_retry_delay").Error("must not be less than initial_retry_delay");
        return new ReconnectConfig
        {
            InitialDelay = initial,
            MaxDelay = max,
            Growth = t.Get("retry_delay_growth") is { } g ? Number(g, 1, 100) : defaults.Growth,
            Jitter = t.Get("retry_delay_jitter") is { } j ? (j.Kind is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False ? j.AsBool() : Number(j, 0, 1) > 0) : defaults.Jitter,
            MaxRetries = t.Int("max_retries", defaults.MaxRetries, -1, int.MaxValue),
        };
    }

    private static TimeSpan Seconds(ConfigValue? v, TimeSpan fallback)
        => v is { } value ? TimeSpan.FromSeconds(Number(value, 0.001, 86400)) : fallback;

    private static double Number(ConfigValue v, double min, double max)
    {
        if (v.Kind != System.Text.Json.JsonValueKind.Number) throw v.Expected("a number");
        var d = v.Element.GetDouble();
        return d >= min && d <= max ? d : throw v.Error($"expected a number in {min}..{max}, got {d}");
    }
}
