using System.Text.Json;
using PluginHost.Wamp.Router.Cluster;

namespace PluginHost.Node.Config;

/// <summary>
/// PluginHost extension <c>cluster</c> on a router worker: its realms are shared with the other routers of the same
/// cluster over NATS (host/PluginHost.Wamp/Router/Cluster). Absent: a single node, no NATS needed.
/// <c>{"nats": "nats://127.0.0.1:4222", "node": "a", "name": "pluginhost", "realms": ["realm1"], "node_timeout": 3,
/// "user": "...", "password": "...", "token": "...", "credentials": "app.creds", "tls": {"ca": "ca.pem", "cert": "c.pem", "key": "k.pem"},
/// "outbox": 65536}</c>; file paths are relative to the node directory.
/// </summary>
internal static class ClusterParser
{
    public static readonly string[] Keys = ["nats", "node", "name", "realms", "node_timeout", "user", "password", "token", "credentials", "tls", "outbox"];

    public static ClusterOptions? Parse(ConfigObject worker, string workerId, IReadOnlyList<string> realms, ParseContext ctx)
    {
        if (worker.Object("cluster", Keys) is not { } o) return null;
        var defaults = new ClusterOptions();
        var nats = o.Required("nats");
        List<string> servers = nats.Kind == JsonValueKind.Array ? nats.AsArray().Select(v => NatsUrl(v)).ToList() : [NatsUrl(nats)];
        if (servers.Count == 0) throw nats.Error("must name at least one NATS server");
        var shared = o.Get("realms") is { } list ? list.AsArray().Select(v => v.AsString()).ToList() : null;
        if (shared is not null)
            foreach (var (name, i) in shared.Select((n, i) => (n, i)))
                if (!realms.Contains(name)) ConfigErrors.Report(o.Required("realms").AsArray()[i].Error($"realm '{name}' is not defined on this router"));
        var timeout = ConfigErrors.Recover(() => NativeOptionsParser.Seconds(o.Get("node_timeout")), null);
        if (timeout is { } t && t < TimeSpan.FromMilliseconds(500)) ConfigErrors.Report(o.Required("node_timeout").Error("must be at least 0.5 seconds"));
        var tls = o.Object("tls", "ca", "cert", "key");
        if (tls is not null && tls.Has("cert") != tls.Has("key")) ConfigErrors.Report(tls.Self.Error("'cert' and 'key' go together"));
        var node = o.String("node") ?? $"{Environment.MachineName}-{workerId}";
        if (node.Length == 0 || node.Length > 64) ConfigErrors.Report(o.Required("node").Error("must be 1 to 64 characters"));
        return new ClusterOptions
        {
            Servers = servers,
            Node = node,
            Name = o.String("name") ?? defaults.Name,
            Realms = shared,
            NodeTimeout = timeout is { } nt && nt >= TimeSpan.FromMilliseconds(500) ? nt : defaults.NodeTimeout,
            User = o.String("user"),
            Password = o.String("password"),
            Token = o.String("token"),
            CredentialsFile = FilePath(o, "credentials", ctx),
            TlsCaFile = tls is null ? null : FilePath(tls, "ca", ctx),
            TlsCertFile = tls is null ? null : FilePath(tls, "cert", ctx),
            TlsKeyFile = tls is null ? null : FilePath(tls, "key", ctx),
            OutboxCapacity = o.Int("outbox", defaults.OutboxCapacity, 16, 10_000_000),
        };
    }

    private static string NatsUrl(ConfigValue v)
    {
        var url = v.AsString();
        return Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "nats" or "tls" or "ws" or "wss" && !string.IsNullOrEmpty(uri.Host)
            ? url
            : throw v.Error($"'{url}' is not a NATS server URL (nats://host:port, tls://host:port)");
    }

    private static string? FilePath(ConfigObject o, string key, ParseContext ctx)
    {
        if (o.String(key) is not { } path) return null;
        var full = Path.GetFullPath(path, ctx.NodeDir);
        if (!File.Exists(full)) ConfigErrors.Report(o.Required(key).Error($"file '{full}' does not exist"));
        return full;
    }
}
