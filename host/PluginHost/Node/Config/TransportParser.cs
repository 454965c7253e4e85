using PluginHost.Listeners;
using PluginHost.Wamp.Router;

namespace PluginHost.Node.Config;

/// <summary>Router transports (Crossbar <c>workers[].transports[]</c>): web, websocket, rawsocket, universal.</summary>
internal static class TransportParser
{
    private static readonly string[] CrossbarTypes = ["web", "websocket", "rawsocket", "universal", "mqtt", "flashpolicy", "websocket.testee", "stream.testee"];
    internal static readonly string[] WebSocketKeys = ["url", "serializers", "options", "auth", "cookie", "debug"];
    private static readonly string[] RawSocketKeys = ["serializers", "options", "auth", "debug"];

    public static TransportConfig Parse(ConfigValue value, ParseContext ctx)
    {
        var typeValue = value.Member("type");
        var type = typeValue.AsEnum(CrossbarTypes);
        string[] keys = type switch
        {
            "web" => ["id", "type", "endpoint", "paths", "options"],
            "websocket" => ["id", "type", "endpoint", .. WebSocketKeys],
            "rawsocket" => ["id", "type", "endpoint", .. RawSocketKeys],
            "universal" => ["id", "type", "endpoint", "rawsocket", "websocket", "mqtt", "web"],
            _ => throw typeValue.Error($"transport type '{type}' is not supported by this build (web, websocket, rawsocket, universal)"),
        };
        var o = value.AsObject(keys);
        var id = ctx.IdOrDefault(o, "transport");
        var endpoint = EndpointParser.Parse(o.Required("endpoint"), ctx, id);
        return type switch
        {
            "websocket" => new WebSocketTransportConfig { Id = id, Endpoint = endpoint, WebSocket = ParseWebSocket(o, ctx) },
            "rawsocket" => ParseRawSocket(o, ctx, id, endpoint),
            "web" => new WebTransportConfig { Id = id, Endpoint = endpoint, Paths = ParseWeb(o, ctx) },
            _ => ParseUniversal(o, ctx, id, endpoint),
        };
    }

    /// <summary>The WebSocket service shared by websocket transports, "websocket" web paths and universal websocket paths.</summary>
    internal static WebSocketServiceConfig ParseWebSocket(ConfigObject o, ParseContext ctx)
    {
        o.String("url");
        o.Bool("debug", false);
        var cookie = o.Get("cookie") is { } c ? CookieParser.Parse(c, ctx) : null;
        var auth = ParseAuth(o, ctx);
        if (auth.CookieAuth && cookie is null)
            throw o.Required("auth").Member("cookie").Error("cookie authentication needs the transport's cookie tracking (\"cookie\": {...} beside \"auth\")");
        return new WebSocketServiceConfig
        {
            Serializers = ParseSerializers(o, ctx, ["json", "msgpack", "cbor", "ubjson", "flatbuffers"]),
            Options = WebSocketOptionsParser.Parse(o.Get("options"), ctx),
            Auth = auth,
            Cookie = cookie,
        };
    }

    private static RawSocketTransportConfig ParseRawSocket(ConfigObject o, ParseContext ctx, string id, EndpointConfig endpoint)
    {
        o.Bool("debug", false);
        var options = o.Object("options", "max_message_size");
        var auth = ParseAuth(o, ctx);
        if (auth.CookieAuth)
            throw o.Required("auth").Member("cookie").Error("cookie authentication is only available on WebSocket transports (cookies come with the HTTP upgrade)");
        return new RawSocketTransportConfig
        {
            Id = id,
            Endpoint = endpoint,
            Serializers = ParseSerializers(o, ctx, ["json", "msgpack", "cbor", "ubjson"]),
            // RawSocket announces its limit as 2^(9+n) bytes, so 16 MiB is the protocol's ceiling.
            MaxMessageSize = options?.Int("max_message_size", 16 * 1024 * 1024, 1, 16 * 1024 * 1024) ?? 16 * 1024 * 1024,
            Auth = auth,
        };
    }

    private static IReadOnlyDictionary<string, WebPathConfig> ParseWeb(ConfigObject o, ParseContext ctx)
    {
        if (o.Object("options", "access_log", "display_tracebacks", "hsts", "hsts_max_age", "client_timeout") is { } options)
        {
            foreach (var key in new[] { "access_log", "display_tracebacks", "hsts" }) options.Bool(key, false);
            options.Int("hsts_max_age", 0, 0, int.MaxValue);
            options.Int("client_timeout", 0, 1, 86400);
            ctx.Warn(options.Path, "web transport options are not supported by this build; ignored");
        }
        return WebPathParser.ParsePaths(o.Required("paths"), ctx);
    }

    private static UniversalTransportConfig ParseUniversal(ConfigObject o, ParseContext ctx, string id, EndpointConfig endpoint)
    {
        if (o.Get("mqtt") is { } mqtt) throw mqtt.Error("MQTT is not supported by this build");
        var rawSocket = o.Get("rawsocket") is { } rs ? ParseRawSocket(rs.AsObject(RawSocketKeys), ctx, id, endpoint) : null;

        var paths = new Dictionary<string, WebPathConfig>(StringComparer.Ordinal);
        if (o.Object("web", "paths", "options") is { } web)
            foreach (var (path, service) in ParseWeb(web, ctx)) paths[path] = service;
        if (o.Get("websocket") is { } ws)
            foreach (var (key, value) in WebPathParser.Members(ws))
            {
                var service = new WebSocketPathConfig { WebSocket = ParseWebSocket(value.AsObject(WebSocketKeys), ctx) };
                if (!paths.TryAdd(key, service)) throw value.Error($"path '{key}' is also a web path");
            }
        if (rawSocket is null && paths.Count == 0) throw o.Self.Error("a universal transport needs at least one of rawsocket, websocket, web");
        return new UniversalTransportConfig { Id = id, Endpoint = endpoint, RawSocket = rawSocket, Paths = paths.Count > 0 ? paths : null };
    }

    /// <summary>
    /// Serializers this build speaks are json, msgpack and cbor. Other names Crossbar knows are dropped with a
    /// warning so configs listing ubjson keep working; an absent list means all.
    /// </summary>
    private static List<string> ParseSerializers(ConfigObject o, ParseContext ctx, string[] known)
    {
        if (o.Get("serializers") is not { } list) return [];
        var items = list.AsArray();
        if (items.Count == 0) throw list.Error("expected at least one serializer");
        var result = new List<string>();
        foreach (var item in items)
        {
            var name = item.AsEnum(known);
            if (name is "json" or "msgpack" or "cbor") { if (!result.Contains(name)) result.Add(name); }
            else ctx.Warn(item.Path, $"serializer '{name}' is not supported by this build; not offered");
        }
        return result.Count > 0 ? result : throw list.Error("none of these serializers is supported by this build (json, msgpack, cbor)");
    }

    /// <summary>No <c>auth</c>: anonymous sessions in role "anonymous", as in Crossbar. Otherwise see <see cref="AuthParser"/>.</summary>
    private static TransportAuthConfig ParseAuth(ConfigObject o, ParseContext ctx)
        => o.Get("auth") is { } authValue ? AuthParser.Parse(authValue, ctx) : TransportAuthConfig.Anonymous;
}
