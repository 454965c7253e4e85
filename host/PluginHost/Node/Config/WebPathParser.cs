using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using PluginHost.Listeners;

namespace PluginHost.Node.Config;

/// <summary>
/// Web transport <c>paths</c>: static, websocket, redirect, json, nodeinfo, metrics, health, dashboard, none, nested path, HTTP bridge (publisher,
/// caller, webhook) and reverse proxy (reverseproxy, websocket-reverseproxy) services.
/// </summary>
internal static partial class WebPathParser
{
    private static readonly string[] Implemented = [
        "static", "websocket", "redirect", "json", "path", "publisher", "caller", "webhook", "nodeinfo", "none",
        "metrics", "health", "dashboard", "reverseproxy", "websocket-reverseproxy",
    ];

    /// <summary>Crossbar services this build does not provide: their paths are skipped with a warning, the rest of the node runs.</summary>
    private static readonly string[] NotImplemented =
    [
        "wsgi", "resource", "cgi", "longpoll", "archive", "wap", "catalog",
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
            case "publisher":
                return ParseRest(value, ctx, (realm, role, options) => new PublisherPathConfig { Realm = realm, Role = role, Options = options, ConfigPath = value.Path });
            case "caller":
                return ParseRest(value, ctx, (realm, role, options) => new CallerPathConfig { Realm = realm, Role = role, Options = options, ConfigPath = value.Path });
            case "webhook":
                return ParseWebhook(value);
            case "nodeinfo":
                value.AsObject("type");
                return new NodeInfoPathConfig();
            case "metrics":
                value.AsObject("type");
                return new MetricsPathConfig();
            case "health":
                value.AsObject("type");
                return new HealthPathConfig();
            case "dashboard":
            {
                var o = value.AsObject("type", "realm", "ws");
                var ws = o.String("ws") ?? "/ws";
                if (!ws.StartsWith('/')) throw o.Required("ws").Error("must be an absolute path on this host, e.g. \"/ws\"");
                return new DashboardPathConfig(o.RequiredString("realm"), ws);
            }
            case "none":
                value.AsObject("type");
                return new NotFoundPathConfig();
            case "reverseproxy":
                return ParseReverseProxy(value);
            case "websocket-reverseproxy":
                return ParseWebSocketProxy(value, ctx);
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

        var options = o.Object("options", "enable_directory_listing", "mime_types", "cache_timeout", "default_file", "follow_symlinks");
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
            Symlinks = ParseSymlinks(options?.Get("follow_symlinks"), ctx),
        };
    }

    /// <summary>
    /// options.follow_symlinks: "inside" (default: a link is served when its target lies in the static directory or the
    /// node directory), "anywhere", "never", or a list of further directories (node-dir relative) links may lead into.
    /// A listed directory that does not exist is a warning (it admits nothing), so a copied config still loads.
    /// </summary>
    private static SymlinkPolicy ParseSymlinks(ConfigValue? value, ParseContext ctx)
    {
        var nodeDir = Path.GetFullPath(ctx.NodeDir);
        if (value is not { } v) return SymlinkPolicy.Inside([nodeDir]);
        if (v.Element.ValueKind == JsonValueKind.Array)
        {
            var roots = new List<string> { nodeDir };
            foreach (var item in v.AsArray())
            {
                var dir = Path.GetFullPath(Path.Combine(ctx.NodeDir, item.AsString()));
                if (Directory.Exists(dir)) roots.Add(dir);
                else ctx.Warn(item.Path, $"directory not found: {dir} (no link leads into it)");
            }
            return SymlinkPolicy.Inside(roots);
        }
        if (v.Element.ValueKind != JsonValueKind.String)
            throw v.Expected("\"inside\", \"anywhere\", \"never\" or a list of directories");
        return v.AsEnum("inside", "anywhere", "never") switch
        {
            "anywhere" => new SymlinkPolicy(SymlinkMode.Anywhere, []),
            "never" => new SymlinkPolicy(SymlinkMode.Never, []),
            _ => SymlinkPolicy.Inside([nodeDir]),
        };
    }

    // Crossbar's checkconfig: realm and role are mandatory (its runtime default role 'anonymous' is never reached).
    private static BridgePathConfig ParseRest(ConfigValue value, ParseContext ctx, Func<string, string, BridgeRequestOptions, BridgePathConfig> create)
    {
        var o = value.AsObject("id", "type", "realm", "role", "options");
        o.String("id");
        var realm = o.RequiredString("realm");
        var role = o.RequiredString("role");
        var options = o.Object("options", "debug", "key", "secret", "require_tls", "require_ip", "post_body_limit", "timestamp_delta_limit");
        if (options is null) return create(realm, role, new BridgeRequestOptions());
        var key = options.String("key");
        var secret = options.String("secret");
        // Crossbar accepts a secret without a key and then refuses every request (401, key not valid): say so up front.
        if (secret is not null && key is null)
            throw options.Required("secret").Error("'secret' needs 'key' (signed requests carry both the key and the signature)");
        if (key is not null && secret is null)
            ctx.Warn(options.Required("key").Path, "'key' without 'secret': requests are not signed (as in Crossbar)");
        return create(realm, role, new BridgeRequestOptions
        {
            Key = key,
            Secret = secret,
            Debug = options.Bool("debug", false),
            RequireTls = options.Bool("require_tls", false),
            RequireIp = ParseNetworks(options.Get("require_ip")),
            PostBodyLimit = options.Int("post_body_limit", 0, 0, 1 << 20),
            TimestampDeltaLimit = options.Int("timestamp_delta_limit", 300, 0, 86400),
        });
    }

    private static WebhookPathConfig ParseWebhook(ConfigValue value)
    {
        var o = value.AsObject("id", "type", "realm", "role", "options");
        o.String("id");
        var options = o.Required("options").AsObject("debug", "post_body_limit", "topic", "success_response", "error_response", "github_secret");
        // Crossbar's checker lets a webhook go without a topic, and then fails every request (500): an error here.
        return new WebhookPathConfig
        {
            Realm = o.RequiredString("realm"),
            Role = o.RequiredString("role"),
            Topic = options.RequiredString("topic"),
            SuccessResponse = options.String("success_response") ?? "OK",
            ErrorResponse = options.String("error_response") ?? "NOT OK",
            Options = new BridgeRequestOptions
            {
                Debug = options.Bool("debug", false),
                PostBodyLimit = options.Int("post_body_limit", 0, 0, 1 << 20),
                GithubSecret = options.String("github_secret") is { Length: > 0 } github ? github : null,
            },
            ConfigPath = value.Path,
        };
    }

    /// <summary>
    /// Crossbar's reverseproxy: host (required), port 80, path (backend base path; Crossbar's default "" is "/").
    /// forwarded_port and forwarded_proto are read by Crossbar's service (its checker omits them): accepted here.
    /// </summary>
    private static ReverseProxyPathConfig ParseReverseProxy(ConfigValue value)
    {
        var o = value.AsObject("id", "type", "host", "port", "path", "forwarded_port", "forwarded_proto");
        o.String("id");
        var host = HostName(o.Required("host"));
        var pathValue = o.Get("path");
        var path = pathValue?.AsString() ?? "/";
        if (path.Length == 0) path = "/";
        if (path[0] != '/' || path.IndexOfAny(['?', '#']) >= 0 || path.Any(char.IsWhiteSpace))
            throw pathValue!.Value.Error($"expected a URL path starting with / (no query, no spaces), got \"{path}\"");
        return new ReverseProxyPathConfig
        {
            Host = host,
            Port = o.Int("port", 80, 1, 65535),
            BasePath = path.Length > 1 ? path.TrimEnd('/') is { Length: > 0 } trimmed ? trimmed : "/" : "/",
            ForwardedPort = o.Get("forwarded_port")?.AsInt(1, 65535),
            ForwardedProto = o.Get("forwarded_proto")?.AsEnum("http", "https"),
        };
    }

    /// <summary>
    /// Crossbar's websocket-reverseproxy: <c>{url, options, backend {type: websocket, endpoint {type: tcp, host, port,
    /// version, timeout, tls}, url, serializers, options}}</c>. The proxy passes the WebSocket through untouched, so
    /// options that shape frames or the WAMP session do not apply: accepted (type-checked) with a warning.
    /// </summary>
    private static WebSocketProxyPathConfig ParseWebSocketProxy(ConfigValue value, ParseContext ctx)
    {
        var o = value.AsObject("id", "type", "url", "options", "backend");
        o.String("id");
        if (o.Get("url") is { } frontUrl)
        {
            WebSocketUrl(frontUrl);
            ctx.Warn(frontUrl.Path, "the frontend URL is not used by this build; ignored");
        }
        var options = WebSocketOptionsParser.Parse(o.Get("options"), ctx);
        if (o.Get("options") is { } optionsValue)
        {
            // The parser already warned about the options no WebSocket of this build applies; these the websocket service does.
            string[] sessionOptions = ["max_message_size", "auto_ping_interval", "auto_ping_timeout", "require_websocket_subprotocol", "open_handshake_timeout"];
            var unused = optionsValue.Element.EnumerateObject().Select(p => p.Name).Where(k => Array.IndexOf(sessionOptions, k) >= 0).ToList();
            if (unused.Count > 0)
                ctx.Warn(optionsValue.Path, $"not applied to proxied connections (frames pass through untouched), ignored: {string.Join(", ", unused)}");
        }

        var backend = o.Required("backend").AsObject("id", "type", "endpoint", "url", "serializers", "options");
        backend.String("id");
        if (backend.Get("type") is { } type) type.AsEnum("websocket");
        foreach (var s in backend.List("serializers")) s.AsEnum("json", "msgpack", "cbor", "ubjson", "flatbuffers");
        if (backend.Get("serializers") is { } serializers)
            ctx.Warn(serializers.Path, "not used: the client's subprotocol offer is passed to the backend as it is; ignored");
        if (backend.Get("options") is { } backendOptions)
        {
            WebSocketOptionsParser.Parse(backendOptions, new ParseContext(ctx.NodeDir, ctx.Env)); // checked, not applied
            ctx.Warn(backendOptions.Path, "backend WebSocket options are not applied (frames pass through untouched); ignored");
        }

        var endpointValue = backend.Required("endpoint");
        var endpointType = endpointValue.Member("type").AsEnum("tcp", "unix", "twisted", "tor");
        if (endpointType != "tcp")
            throw endpointValue.Member("type").Error($"endpoint type '{endpointType}' is not supported by this build (tcp only)");
        var endpoint = endpointValue.AsObject("type", "version", "host", "port", "timeout", "tls");
        var host = HostName(endpoint.Required("host"));
        var portValue = endpoint.Required("port");
        var port = EndpointParser.ParsePort(portValue, ctx);
        if (port == 0) throw portValue.Error("expected a port in 1..65535, got 0");
        if (endpoint.Get("version") is { } version)
        {
            if (version.AsInt(4, 6) == 5) throw version.Error("expected 4 or 6, got 5");
            ctx.Warn(version.Path, "not supported by this build (the host name decides the IP version); ignored");
        }
        if (endpoint.Get("tls") is { } tls)
            throw tls.Error("TLS to the backend is not supported by this build; proxy to a plain ws:// backend");

        Uri url;
        if (backend.Get("url") is { } urlValue) url = WebSocketUrl(urlValue);
        else url = new Uri($"ws://{(host.Contains(':') ? $"[{host}]" : host)}:{port}/");
        return new WebSocketProxyPathConfig
        {
            Host = host,
            Port = port,
            Url = url,
            ConnectTimeout = TimeSpan.FromSeconds(endpoint.Int("timeout", 10, 1, 3600)),
            AllowedOrigins = options.AllowedOrigins,
            AllowNullOrigin = options.AllowNullOrigin,
        };
    }

    private static Uri WebSocketUrl(ConfigValue value)
    {
        var text = value.AsString();
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("ws" or "wss") || url.Fragment.Length > 0)
            throw value.Error($"expected a ws:// or wss:// URL, got \"{text}\"");
        return url;
    }

    /// <summary>A DNS name or IP address (IPv6 with or without brackets), as a proxy target.</summary>
    private static string HostName(ConfigValue value)
    {
        var host = value.AsString();
        var bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        return bare.Length > 0 && Uri.CheckHostName(bare) != UriHostNameType.Unknown
            ? bare
            : throw value.Error($"expected a host name or IP address, got \"{host}\"");
    }

    /// <summary>
    /// A bridge service's embedded session joins its realm in its role when the transport starts: the realm must be
    /// one of this router's, and the role one of the realm's (a realm without roles admits any role).
    /// </summary>
    public static void CheckBridgeRealms(IEnumerable<TransportConfig> transports, IReadOnlyList<PluginHost.Wamp.Router.RealmConfig> realms)
    {
        foreach (var transport in transports)
        {
            var paths = transport switch { WebTransportConfig w => w.Paths, UniversalTransportConfig u => u.Paths, _ => null };
            if (paths is null) continue;
            foreach (var (_, service) in WebPipeline.Flatten(paths))
            {
                if (service is not BridgePathConfig bridge) continue;
                var realm = realms.FirstOrDefault(r => r.Name == bridge.Realm)
                    ?? throw new ConfigException(Join(bridge.ConfigPath, "realm"), $"realm '{bridge.Realm}' is not defined on this router");
                if (realm.Roles.Count > 0 && realm.Roles.All(r => r.Name != bridge.Role))
                    throw new ConfigException(Join(bridge.ConfigPath, "role"), $"role '{bridge.Role}' is not defined on realm '{bridge.Realm}'");
            }
        }

        static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";
    }

    /// <summary>require_ip: networks in CIDR form (a bare address is a single host); host bits set are an error, as in Python's ip_network.</summary>
    private static List<IPNetwork>? ParseNetworks(ConfigValue? value)
    {
        if (value is not { } list) return null;
        var networks = new List<IPNetwork>();
        foreach (var item in list.AsArray())
        {
            var text = item.AsString().Trim();
            if (!text.Contains('/') && IPAddress.TryParse(text, out var host))
                text += host.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? "/32" : "/128";
            // IPNetwork.TryParse would quietly clear host bits; Python's ip_network (Crossbar) refuses them.
            if (!IPNetwork.TryParse(text, out var network) || !IPAddress.TryParse(text[..text.IndexOf('/')], out var address)
                || !network.BaseAddress.Equals(address))
                throw item.Error($"invalid network '{item.AsString()}' (expected an address or CIDR like 10.0.0.0/8, without host bits set)");
            networks.Add(network);
        }
        return networks;
    }

    [GeneratedRegex(@"^([a-z0-9A-Z_\-]+|/)$")]
    private static partial Regex PathKey();
}
