using PluginHost.Transport;

namespace PluginHost.Node.Config;

/// <summary>Application components of router workers (embedded) and container workers (connecting over a transport).</summary>
internal static class ComponentParser
{
    public static ComponentConfig ParseRouterComponent(ConfigValue value, ParseContext ctx)
    {
        var type = value.Member("type").AsEnum("class", "function");
        var o = type == "class"
            ? value.AsObject("id", "type", "realm", "role", "classname", "references", "extra")
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
        };
    }

    public static ComponentConfig ParseContainerComponent(ConfigValue value, ParseContext ctx)
    {
        var type = value.Member("type").AsEnum("class", "function");
        var o = type == "class"
            ? value.AsObject("id", "type", "realm", "transport", "classname", "extra")
            : value.AsObject("id", "type", "realm", "transport", "auth", "callbacks", "extra");
        if (type == "function") { o.Required("auth").AsObject("anonymous", "ticket", "wampcra", "tls", "cryptosign", "scram"); }
        var transport = o.Required("transport");
        var transportType = transport.Member("type").AsEnum("websocket", "rawsocket");
        var t = transportType == "websocket"
            ? transport.AsObject("type", "endpoint", "url", "serializers", "options")
            : transport.AsObject("type", "endpoint", "serializer", "url", "options", "debug");
        t.Required("endpoint").Member("type").AsEnum("tcp", "unix", "twisted", "tor");
        if (transportType == "rawsocket") t.Required("serializer").AsEnum("json", "msgpack", "cbor", "ubjson");
        return new ComponentConfig
        {
            Id = ctx.IdOrDefault(o, "component", checkPattern: false),
            Type = type,
            Realm = o.RequiredString("realm"),
            Classname = type == "class" ? o.RequiredString("classname") : null,
            TransportUrl = transportType == "websocket" ? t.RequiredString("url") : t.String("url"),
        };
    }
}
