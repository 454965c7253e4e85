using PluginHost.Node.Config;
using PluginHost.Listeners;
using PluginHost.Wamp.Router;

namespace PluginHost.Cli;

/// <summary>Human-readable summary of a validated configuration: what <c>start</c> would run, with the URLs clients use.</summary>
internal static class CheckReport
{
    /// <summary>Writes the summary; returns the problems found on the way (component classes that cannot be found or read).</summary>
    public static IReadOnlyList<string> Write(NodeConfig node, string nodeDir, TextWriter w)
    {
        var problems = new List<string>();
        void Component(ComponentConfig c, NativeWorkerConfig worker, string where)
        {
            w.WriteLine($"  component '{c.Id}' ({c.Classname ?? c.Type}) {where}");
            if (ComponentReport.Write(c, worker, nodeDir, w) is { } problem) problems.Add(problem);
        }

        if (node.Workers.Count == 0) w.WriteLine("No workers.");
        foreach (var worker in node.Workers)
        {
            w.WriteLine($"{worker.Kind} '{worker.Id}'{(worker.Disabled ? " (disabled)" : "")}");
            switch (worker)
            {
                case RouterWorkerConfig router:
                    if (router.Router.Cluster is { } cluster)
                        w.WriteLine($"  cluster '{cluster.Name}' over NATS {string.Join(", ", cluster.Servers)} as node '{cluster.Node}', sharing "
                            + (cluster.Realms is null ? "every realm" : $"realm(s) {string.Join(", ", cluster.Realms.Select(r => $"'{r}'"))}")
                            + $"; a node silent for {cluster.NodeTimeout.TotalSeconds} s is dead");
                    if (router.Router with { Cluster = null } != new PluginHost.Wamp.Router.RouterOptions())
                        w.WriteLine($"  outbound per session: {router.Router.MaxOutboundBytes} bytes, {router.Router.MaxOutboundQueue} messages, "
                            + $"slow consumer after {router.Router.SlowConsumerTimeout.TotalSeconds} s congested");
                    foreach (var realm in router.Realms) WriteRealm(realm, w);
                    foreach (var c in router.Components) Component(c, router, $"on realm '{c.Realm}', role '{c.Role}'");
                    if (router.Discover is { } routerDiscover) DiscoverReport.Write(routerDiscover, router, router.Components, w, problems);
                    foreach (var t in router.Transports) WriteTransport(t, w);
                    break;
                case ContainerWorkerConfig container:
                    foreach (var c in container.Components) Component(c, container, $"on realm '{c.Realm}' via {c.TransportUrl ?? "rawsocket"}");
                    if (container.Discover is { } containerDiscover) DiscoverReport.Write(containerDiscover, container, container.Components, w, problems);
                    break;
                case GuestWorkerConfig guest:
                    w.WriteLine($"  executable {guest.ExecutablePath} {string.Join(' ', guest.Arguments)} in {guest.WorkDir}");
                    break;
            }
        }
        return problems;
    }

    private static void WriteRealm(RouterRealm realm, TextWriter w)
    {
        var r = realm.Config;
        w.WriteLine($"  realm '{r.Name}' ({realm.Id}; uri_check {r.UriCheck.ToString().ToLowerInvariant()}, meta API {(r.EnableMetaApi ? "on" : "off")})");
        if (r.Store is { } store)
            w.WriteLine($"    store: {(store.Path is { } path ? $"sqlite {path} (history and retained events persist)" : "memory")}"
                + $"; event history: {(store.EventHistory.Count == 0 ? "none" : string.Join(", ", store.EventHistory.Select(e => $"{e.Match.ToString().ToLowerInvariant()} '{e.Uri}' (limit {e.Limit})")))}");
        foreach (var role in r.Roles)
        {
            w.WriteLine($"    role '{role.Name}'{(role.AllowByDefault ? " (allow-by-default)" : "")}"
                + (role.Authorizer is { } authorizer ? $": each action decided by {authorizer} (dynamic authorizer)" : ""));
            foreach (var p in role.Permissions) w.WriteLine($"      {Describe(p)}");
        }
    }

    internal static string Describe(PermissionConfig p)
    {
        string[] allowed = [p.Call ? "call" : "", p.Register ? "register" : "", p.Publish ? "publish" : "", p.Subscribe ? "subscribe" : ""];
        var actions = string.Join(", ", allowed.Where(a => a.Length > 0));
        var disclose = (p.DiscloseCaller, p.DisclosePublisher) switch
        {
            (true, true) => "; disclose caller, publisher",
            (true, false) => "; disclose caller",
            (false, true) => "; disclose publisher",
            _ => "",
        };
        return $"{p.Match.ToString().ToLowerInvariant()} '{p.Uri}': {(actions.Length > 0 ? actions : "nothing allowed")}{disclose}";
    }

    private static void WriteTransport(TransportConfig t, TextWriter w)
    {
        var e = t.Endpoint;
        var where = $"tcp port {(e.Port == 0 ? "0 (any free port)" : e.Port)}, {e.Interface ?? "all interfaces"}, IPv{e.Version}{(e.Tls is null ? "" : ", TLS")}";
        w.WriteLine($"  transport '{t.Id}' ({Node.Workers.RouterWorker.TypeName(t)}) on {where}");
        var host = e.Interface is { } i && i.Contains(':') ? $"[{i}]" : e.Interface ?? (e.Version == 6 ? "[::1]" : "localhost");
        var authority = $"{host}:{e.Port}";
        var tls = e.Tls is not null;
        switch (t)
        {
            case WebSocketTransportConfig ws:
                w.WriteLine($"    {(tls ? "wss" : "ws")}://{authority}/  websocket{Serializers(ws.WebSocket.Serializers)}{Auth(ws.WebSocket.Auth)}");
                if (ws.WebSocket.Cookie is { } cookie)
                    w.WriteLine($"    cookie tracking: '{cookie.Name}', max_age {(long)cookie.MaxAge.TotalSeconds} s, store {cookie.StorePath ?? "memory"}");
                break;
            case RawSocketTransportConfig rs:
                WriteRawSocket(rs, tls, authority, w);
                break;
            case WebTransportConfig web:
                WritePaths(web.Paths, tls, authority, "", w);
                break;
            case UniversalTransportConfig u:
                if (u.RawSocket is { } raw) WriteRawSocket(raw, tls, authority, w);
                if (u.Paths is { } paths) WritePaths(paths, tls, authority, "", w);
                break;
        }
    }

    private static void WriteRawSocket(RawSocketTransportConfig rs, bool tls, string authority, TextWriter w)
        => w.WriteLine($"    {(tls ? "rss" : "rs")}://{authority}  rawsocket{Serializers(rs.Serializers)}, max message {rs.MaxMessageSize} bytes{Auth(rs.Auth)}");

    private static void WritePaths(IReadOnlyDictionary<string, WebPathConfig> paths, bool tls, string authority, string prefix, TextWriter w)
    {
        foreach (var (key, service) in paths.OrderBy(p => p.Key == "/" ? "" : p.Key, StringComparer.Ordinal))
        {
            var path = key == "/" ? prefix + "/" : $"{prefix}/{key}";
            var http = $"{(tls ? "https" : "http")}://{authority}{path}";
            switch (service)
            {
                case StaticPathConfig s:
                    w.WriteLine($"    {http}  static {s.Directory}{(s.EnableDirectoryListing ? " (listing on)" : "")}{Symlinks(s.Symlinks)}");
                    break;
                case WebSocketPathConfig ws:
                    w.WriteLine($"    {(tls ? "wss" : "ws")}://{authority}{path}  websocket{Serializers(ws.WebSocket.Serializers)}{Auth(ws.WebSocket.Auth)}");
                    break;
                case RedirectPathConfig r:
                    w.WriteLine($"    {http}  redirect to {r.Url}");
                    break;
                case JsonPathConfig:
                    w.WriteLine($"    {http}  json value");
                    break;
                case NodeInfoPathConfig:
                    w.WriteLine($"    {http}  node info page");
                    break;
                case MetricsPathConfig:
                    w.WriteLine($"    {http}  metrics (Prometheus text format)");
                    break;
                case NotFoundPathConfig:
                    w.WriteLine($"    {http}  none (404 Not Found)");
                    break;
                case NestedPathConfig n:
                    WritePaths(n.Paths, tls, authority, key == "/" ? prefix : $"{prefix}/{key}", w);
                    break;
                case BridgePathConfig b:
                    w.WriteLine($"    {http}  {DescribeBridge(b)}");
                    break;
                case ReverseProxyPathConfig p:
                    w.WriteLine($"    {http}  reverse proxy to {p.BackendUrl}{Forwarded(p)}");
                    break;
                case WebSocketProxyPathConfig p:
                    w.WriteLine($"    {(tls ? "wss" : "ws")}://{authority}{path}  websocket reverse proxy to {p.Url}"
                        + (p.Url.Host == p.Host && p.Url.Port == p.Port ? "" : $" via {p.Host}:{p.Port}"));
                    break;
            }
        }
    }

    private static string Forwarded(ReverseProxyPathConfig p)
    {
        var parts = new List<string>();
        if (p.ForwardedProto is { } proto) parts.Add($"X-Forwarded-Proto {proto}");
        if (p.ForwardedPort is { } port) parts.Add($"X-Forwarded-Port {port}");
        return parts.Count == 0 ? "" : $" ({string.Join(", ", parts)})";
    }

    /// <summary>e.g. "http bridge publisher (realm1, role backend, signed, tls only, ip 10.0.0.0/8, body <= 4096 bytes)".</summary>
    internal static string DescribeBridge(BridgePathConfig b)
    {
        var (kind, extra) = b switch
        {
            PublisherPathConfig => ("publisher", null),
            CallerPathConfig => ("caller", null),
            WebhookPathConfig h => ("webhook", $"topic {h.Topic}"),
            _ => (b.GetType().Name, (string?)null),
        };
        var parts = new List<string> { b.Realm, $"role {b.Role}" };
        if (extra is not null) parts.Add(extra);
        var o = b.Options;
        if (o.Signed) parts.Add("signed");
        if (o.GithubSecret is not null) parts.Add("github signature");
        if (o.RequireTls) parts.Add("tls only");
        if (o.RequireIp is { } ip) parts.Add($"ip {string.Join(" ", ip)}");
        if (o.PostBodyLimit > 0) parts.Add($"body <= {o.PostBodyLimit} bytes");
        return $"http bridge {kind} ({string.Join(", ", parts)})";
    }

    /// <summary>"; auth: ticket (dynamic: com.x.auth), wampcra (2 users)" — nothing for the default (anonymous in role anonymous).</summary>
    internal static string Auth(TransportAuthConfig auth)
    {
        if (ReferenceEquals(auth, TransportAuthConfig.Anonymous)) return "";
        var methods = new List<string>();
        if (auth.AnonymousRole is { } role) methods.Add($"anonymous (role {role})");
        if (auth.Ticket is { } t) methods.Add($"ticket ({t.Count} principal{(t.Count == 1 ? "" : "s")})");
        if (auth.WampCra is { } c) methods.Add($"wampcra ({c.Count} user{(c.Count == 1 ? "" : "s")})");
        if (auth.Cryptosign is { } k) methods.Add($"cryptosign ({k.Count} principal{(k.Count == 1 ? "" : "s")})");
        if (auth.Scram is { } sc) methods.Add($"scram ({Count(sc.Count, "principal")})");
        if (auth.Tls is { } tl) methods.Add($"tls ({Count(tl.Count, "principal")} by certificate fingerprint)");
        if (auth.CookieAuth) methods.Add("cookie");
        foreach (var (method, dynamic) in auth.Dynamic ?? new Dictionary<string, DynamicAuthenticatorConfig>())
            methods.Add($"{method} (dynamic: {dynamic.Authenticator}{(dynamic.Realm is { } r ? $" on {r}" : "")})");
        return methods.Count == 0 ? "; auth: none allowed" : $"; auth: {string.Join(", ", methods)}";
    }

    private static string Count(int n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";

    private static string Serializers(IReadOnlyList<string> names)
        => names.Count == 0 ? " (json, msgpack, cbor)" : $" ({string.Join(", ", names)})";

    /// <summary>A static service's symlink policy, when it is not the default (links stay in the static or node directory).</summary>
    private static string Symlinks(SymlinkPolicy p) => p.Mode switch
    {
        SymlinkMode.Anywhere => " (follows symlinks anywhere)",
        SymlinkMode.Never => " (serves no symlinks)",
        _ when p.Roots.Count > 1 => $" (symlinks may also lead into {string.Join(", ", p.Roots.Skip(1))})",
        _ => "",
    };
}
