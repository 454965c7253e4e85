using PluginHost.Listeners;

namespace PluginHost.Node.Config;

/// <summary>WebSocket <c>options</c>: the ones the transports implement, plus Crossbar's others accepted (type-checked) and ignored.</summary>
internal static class WebSocketOptionsParser
{
    private static readonly string[] Modeled =
    [
        "allowed_origins", "allow_null_origin", "max_message_size", "auto_ping_interval", "auto_ping_timeout",
        "require_websocket_subprotocol", "open_handshake_timeout", "compression",
    ];

    private static readonly string[] IgnoredBools =
    [
        "enable_hybi10", "enable_rfc6455", "enable_webstatus", "validate_utf8", "require_masked_client_frames",
        "tcp_nodelay", "mask_server_frames", "fail_by_drop", "apply_mask", "echo_close_codereason",
        "auto_ping_restart_on_any_traffic", "enable_flash_policy", "show_server_version",
    ];

    private static readonly string[] IgnoredInts =
        ["max_frame_size", "auto_ping_size", "external_port", "close_handshake_timeout", "auto_fragment_size"];

    private static readonly string[] IgnoredOther = ["flash_policy"];

    public static WebSocketOptions Parse(ConfigValue? value, ParseContext ctx)
    {
        if (value is not { } v) return new WebSocketOptions();
        var o = v.AsObject([.. Modeled, .. IgnoredBools, .. IgnoredInts, .. IgnoredOther]);
        foreach (var key in IgnoredBools) o.Bool(key, false);
        foreach (var key in IgnoredInts) o.Long(key, 0, 0, long.MaxValue);
        var deflate = ParseDeflate(o, ctx);
        var ignored = IgnoredBools.Concat(IgnoredInts).Concat(IgnoredOther).Where(o.Has).ToList();
        if (ignored.Count > 0) ctx.Warn(o.Path, $"not supported by this build, ignored: {string.Join(", ", ignored)}");

        var defaults = new WebSocketOptions();
        return new WebSocketOptions
        {
            AllowedOrigins = o.Has("allowed_origins") ? o.Strings("allowed_origins") : defaults.AllowedOrigins,
            AllowNullOrigin = o.Bool("allow_null_origin", defaults.AllowNullOrigin),
            MaxMessageSize = o.Long("max_message_size", 0, 1, 64L * 1024 * 1024),
            AutoPingIntervalMs = Millis(o, "auto_ping_interval"),
            AutoPingTimeoutMs = Millis(o, "auto_ping_timeout"),
            RequireWebSocketSubprotocol = o.Bool("require_websocket_subprotocol", defaults.RequireWebSocketSubprotocol),
            OpenHandshakeTimeoutMs = Millis(o, "open_handshake_timeout"),
            Deflate = deflate,
        };
    }

    /// <summary>
    /// <c>compression: {deflate: {...}}</c>: the server side of permessage-deflate is what Kestrel's WebSocket offers
    /// (no_context_takeover, max_window_bits); the options about the client's side are accepted and ignored, with a warning.
    /// </summary>
    private static DeflateOptions? ParseDeflate(ConfigObject o, ParseContext ctx)
    {
        if (o.Object("compression", "deflate")?.Object("deflate",
                "request_no_context_takeover", "request_max_window_bits", "no_context_takeover", "max_window_bits", "memory_level") is not { } d)
            return null;
        string[] clientSide = ["request_no_context_takeover", "request_max_window_bits", "memory_level"];
        d.Bool("request_no_context_takeover", false);
        d.Int("request_max_window_bits", 15, 0, 15);
        d.Int("memory_level", 8, 1, 9);
        var ignored = clientSide.Where(d.Has).ToList();
        if (ignored.Count > 0) ctx.Warn(d.Path, $"not supported by this build, ignored: {string.Join(", ", ignored)}");
        return new DeflateOptions(d.Bool("no_context_takeover", false), d.Int("max_window_bits", 15, 9, 15));
    }

    /// <summary>Crossbar times are milliseconds; 0 switches the feature off.</summary>
    private static int Millis(ConfigObject o, string key) => o.Int(key, 0, 0, int.MaxValue);
}
