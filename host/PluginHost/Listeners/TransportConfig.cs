using System.Text.Json;
using PluginHost.Wamp.Router;

namespace PluginHost.Listeners;

// Listening transports of a router worker, as configured (Crossbar workers[].transports[]).
// Built from config.json by the node's config loader, started by RouterTransports.

/// <summary>A listening endpoint. Only "tcp" for now.</summary>
public sealed record EndpointConfig
{
    public string Type { get; init; } = "tcp";
    public required int Port { get; init; }
    /// <summary>Interface to bind; null = all interfaces (Crossbar default).</summary>
    public string? Interface { get; init; }
    /// <summary>IP version 4 or 6.</summary>
    public int Version { get; init; } = 4;
    public int Backlog { get; init; } = 50;
    public TlsConfig? Tls { get; init; }
}

/// <summary>TLS for a listening endpoint: PEM key and certificate paths (relative to the node directory).</summary>
public sealed record TlsConfig(string Key, string Certificate)
{
    /// <summary>
    /// Crossbar's <c>ca_certificates</c> (PEM files): mutual TLS. Every client must present a certificate that chains
    /// to one of these, or the TLS handshake fails. Null: client certificates are optional and not chain-checked
    /// (a <c>tls</c> auth principal then pins the certificate by fingerprint).
    /// </summary>
    public IReadOnlyList<string>? CaCertificates { get; init; }
}

/// <summary>WebSocket options (Crossbar transports[].options); times in milliseconds, 0 = off.</summary>
public sealed record WebSocketOptions
{
    public IReadOnlyList<string> AllowedOrigins { get; init; } = ["*"];
    public bool AllowNullOrigin { get; init; } = true;
    /// <summary>Largest accepted message in bytes; larger ones close the connection (1009). 0 = router default (16 MiB).</summary>
    public long MaxMessageSize { get; init; }
    public int AutoPingIntervalMs { get; init; }
    public int AutoPingTimeoutMs { get; init; }
    public bool RequireWebSocketSubprotocol { get; init; } = true;
    public int OpenHandshakeTimeoutMs { get; init; }
    /// <summary><c>compression.deflate</c>: permessage-deflate (RFC 7692) accepted when a client offers it; null = off.</summary>
    public DeflateOptions? Deflate { get; init; }
}

/// <summary>
/// permessage-deflate as Crossbar's <c>compression.deflate</c> configures it: <c>no_context_takeover</c> (the server
/// resets its compressor per message) and <c>max_window_bits</c> (the server's LZ77 window, 9..15).
/// </summary>
public sealed record DeflateOptions(bool NoContextTakeover = false, int MaxWindowBits = 15);

/// <summary>Shared shape of a WebSocket endpoint: serializers offered and options.</summary>
public sealed record WebSocketServiceConfig
{
    /// <summary>Serializer names (json, msgpack, cbor); empty = all available.</summary>
    public IReadOnlyList<string> Serializers { get; init; } = [];
    public WebSocketOptions Options { get; init; } = new();
    public TransportAuthConfig Auth { get; init; } = TransportAuthConfig.Anonymous;
    /// <summary>Cookie tracking (Crossbar's websocket <c>cookie</c>); null: none.</summary>
    public PluginHost.Wamp.Router.Store.CookieConfig? Cookie { get; init; }
}

public abstract record TransportConfig
{
    public required string Id { get; init; }
    public required EndpointConfig Endpoint { get; init; }
}

/// <summary>type "websocket": a WebSocket endpoint on its own port (any path).</summary>
public sealed record WebSocketTransportConfig : TransportConfig
{
    public WebSocketServiceConfig WebSocket { get; init; } = new();
}

/// <summary>type "rawsocket": WAMP RawSocket over TCP.</summary>
public sealed record RawSocketTransportConfig : TransportConfig
{
    public IReadOnlyList<string> Serializers { get; init; } = [];
    /// <summary>Largest message we accept (bytes, ≤ 16 MiB); announced in the handshake.</summary>
    public int MaxMessageSize { get; init; } = 16 * 1024 * 1024;
    public TransportAuthConfig Auth { get; init; } = TransportAuthConfig.Anonymous;
}

/// <summary>type "web": an HTTP server whose paths map to services.</summary>
public sealed record WebTransportConfig : TransportConfig
{
    /// <summary>Path segment ("/" for the root) to service.</summary>
    public required IReadOnlyDictionary<string, WebPathConfig> Paths { get; init; }
}

/// <summary>type "universal": one port serving RawSocket and HTTP/WebSocket, told apart by the first byte (0x7F = RawSocket).</summary>
public sealed record UniversalTransportConfig : TransportConfig
{
    public RawSocketTransportConfig? RawSocket { get; init; }
    /// <summary>Web paths (may include websocket paths).</summary>
    public IReadOnlyDictionary<string, WebPathConfig>? Paths { get; init; }
}

/// <summary>A web path service (Crossbar paths.*).</summary>
public abstract record WebPathConfig;

public sealed record StaticPathConfig : WebPathConfig
{
    /// <summary>Directory, already resolved to an absolute path.</summary>
    public required string Directory { get; init; }
    public bool EnableDirectoryListing { get; init; }
    public IReadOnlyDictionary<string, string> MimeTypes { get; init; } = new Dictionary<string, string>();
    /// <summary>File served for paths that match nothing (SPA fallback); null = 404.</summary>
    public string? DefaultFile { get; init; }
    /// <summary>Cache-Control max-age in seconds; null = no caching header. Crossbar default 43200.</summary>
    public int? CacheTimeout { get; init; } = 43200;
    /// <summary>options.follow_symlinks: where a symbolic link below <see cref="Directory"/> may lead (Listeners/Static).</summary>
    public SymlinkPolicy Symlinks { get; init; } = SymlinkPolicy.Inside([]);
}

/// <summary>
/// Which symbolic links a static directory serves. Inside (the default): those whose final target lies in the static
/// directory or in one of <see cref="Roots"/> (the node directory, and directories the config names). Anywhere: every
/// link, as Crossbar does. Never: no link at all.
/// </summary>
public sealed record SymlinkPolicy(SymlinkMode Mode, IReadOnlyList<string> Roots)
{
    public static SymlinkPolicy Inside(IReadOnlyList<string> roots) => new(SymlinkMode.Inside, roots);
    public bool Equals(SymlinkPolicy? other) => other is not null && Mode == other.Mode && Roots.SequenceEqual(other.Roots);
    public override int GetHashCode() => HashCode.Combine(Mode, Roots.Count);
}

public enum SymlinkMode { Inside, Anywhere, Never }

public sealed record WebSocketPathConfig : WebPathConfig
{
    public WebSocketServiceConfig WebSocket { get; init; } = new();
}

public sealed record RedirectPathConfig(string Url) : WebPathConfig;

/// <summary>Serves <see cref="Value"/> as application/json.</summary>
public sealed record JsonPathConfig(JsonElement Value) : WebPathConfig;

/// <summary>type "nodeinfo": an HTML page about the node (Crossbar's init config has one at /info).</summary>
public sealed record NodeInfoPathConfig : WebPathConfig;

/// <summary>type "health" (a PluginHost extension): readiness and the node's status as JSON (Listeners/HealthPage.cs).</summary>
public sealed record HealthPathConfig : WebPathConfig;

/// <summary>
/// type "dashboard" (a PluginHost extension): the node's live page (Listeners/DashboardPage.cs), a WAMP client of the
/// management API on <paramref name="Realm"/> (a realm with options.management_realm) over the WebSocket service at
/// <paramref name="WebSocketPath"/> of the same host.
/// </summary>
public sealed record DashboardPathConfig(string Realm, string WebSocketPath) : WebPathConfig;

/// <summary>type "metrics": the router's metrics (Wamp/Metrics/RouterMetrics.cs) in Prometheus' text format, for a scraper.</summary>
public sealed record MetricsPathConfig : WebPathConfig;

/// <summary>type "none": 404 Not Found at this path and below (hides a path of the parent's service).</summary>
public sealed record NotFoundPathConfig : WebPathConfig;

/// <summary>type "path": nested paths below this segment.</summary>
public sealed record NestedPathConfig(IReadOnlyDictionary<string, WebPathConfig> Paths) : WebPathConfig;

/// <summary>
/// type "reverseproxy": HTTP requests at this path and below are forwarded to http://Host:Port + BasePath + the rest
/// of the request path (query string kept), with Crossbar's X-Forwarded-* headers.
/// </summary>
public sealed record ReverseProxyPathConfig : WebPathConfig
{
    public required string Host { get; init; }
    public int Port { get; init; } = 80;
    /// <summary>Backend path the proxied path maps to: "/" or "/a/b" (no trailing slash).</summary>
    public string BasePath { get; init; } = "/";
    /// <summary>X-Forwarded-Port sent to the backend; null = the port the request came in on.</summary>
    public int? ForwardedPort { get; init; }
    /// <summary>X-Forwarded-Proto sent to the backend; null = the scheme the request came in with (http or https).</summary>
    public string? ForwardedProto { get; init; }

    /// <summary>The backend's base URL, e.g. http://127.0.0.1:5000/app.</summary>
    public string BackendUrl => $"http://{(Host.Contains(':') ? $"[{Host}]" : Host)}:{Port}{BasePath}";
}

/// <summary>
/// type "websocket-reverseproxy": WebSocket upgrade requests at this path are forwarded to a backend WebSocket server
/// (Crossbar's <c>backend {type: websocket, endpoint {tcp host, port, timeout}, url}</c>); other requests get 426.
/// </summary>
public sealed record WebSocketProxyPathConfig : WebPathConfig
{
    /// <summary>Where the connection goes (the backend endpoint's host and port).</summary>
    public required string Host { get; init; }
    public required int Port { get; init; }
    /// <summary>The backend URL (ws://host:port/path): its path and query are requested, its authority is the Host header.</summary>
    public required Uri Url { get; init; }
    /// <summary>Connect timeout (Crossbar's endpoint timeout, seconds; default 10).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Origins allowed for browser clients (Crossbar's frontend options.allowed_origins; "*" = any).</summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = ["*"];
    public bool AllowNullOrigin { get; init; } = true;
}
