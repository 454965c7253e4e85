using System.Globalization;
using System.Text.Json;
using PluginHost.Listeners;

namespace PluginHost.Node.Config;

/// <summary>Listening endpoints (Crossbar <c>transports[].endpoint</c>). Only tcp is implemented.</summary>
internal static class EndpointParser
{
    public static EndpointConfig Parse(ConfigValue value, ParseContext ctx, string transportId)
    {
        var type = value.Member("type").AsEnum("tcp", "unix", "twisted", "onion");
        if (type != "tcp") throw value.Member("type").Error($"endpoint type '{type}' is not supported by this build (tcp only)");

        var o = value.AsObject("type", "port", "portrange", "version", "interface", "backlog", "shared", "user_timeout", "tls");
        if (o.Get("portrange") is { } range) throw range.Error("port ranges are not supported by this build; give a port");
        var portValue = o.Required("port");
        var port = ParsePort(portValue, ctx);
        var version = o.Int("version", 4, 4, 6);
        if (version == 5) throw o.Required("version").Error("expected 4 or 6, got 5");
        var iface = o.String("interface");
        if (o.Bool("shared", false)) ctx.Warn(o.Self.Child("shared").Path, "SO_REUSEPORT sharing is not supported by this build; ignored");
        if (o.Get("user_timeout") is { } ut) { ut.AsInt(0, int.MaxValue); ctx.Warn(ut.Path, "not supported by this build; ignored"); }
        ctx.ClaimPort(portValue, iface, port, transportId);

        return new EndpointConfig
        {
            Port = port,
            Interface = iface,
            Version = version,
            Backlog = o.Int("backlog", 50, 1, 65535),
            Tls = o.Get("tls") is { } tls ? ParseTls(tls, ctx) : null,
        };
    }

    /// <summary>An integer 0..65535 (0 = any free port, an extension for tests), or "$VAR" read from the environment as Crossbar does.</summary>
    internal static int ParsePort(ConfigValue v, ParseContext ctx)
    {
        if (v.Kind != JsonValueKind.String || !v.AsString().StartsWith('$')) return v.AsInt(0, 65535);
        var name = v.AsString()[1..].Trim('{', '}');
        var raw = ctx.Env(name) ?? throw v.Error($"environment variable '{name}' is not set");
        return int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535
            ? port
            : throw v.Error($"environment variable '{name}' must hold a port 0..65535, got \"{raw}\"");
    }

    private static TlsConfig ParseTls(ConfigValue value, ParseContext ctx)
    {
        var o = value.AsObject("key", "certificate", "chain_certificates", "dhparam", "ciphers", "ca_certificates");
        foreach (var key in new[] { "chain_certificates", "dhparam", "ciphers" })
            if (o.Has(key)) ctx.Warn(value.Child(key).Path, "not supported by this build; ignored");
        return new TlsConfig(ExistingFile(o.Required("key"), ctx), ExistingFile(o.Required("certificate"), ctx))
        {
            CaCertificates = o.Get("ca_certificates") is { } ca ? CaCertificates(ca, ctx) : null,
        };
    }

    /// <summary>Mutual TLS trust anchors: a non-empty list of PEM files, each holding at least one certificate.</summary>
    private static List<string> CaCertificates(ConfigValue list, ParseContext ctx)
    {
        var files = new List<string>();
        foreach (var item in list.AsArray())
        {
            var path = ExistingFile(item, ctx);
            var certificates = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
            try { certificates.ImportFromPemFile(path); }
            catch (System.Security.Cryptography.CryptographicException e) { throw item.Error($"not a PEM certificate file: {e.Message}"); }
            if (certificates.Count == 0) throw item.Error($"no PEM certificate in {path}");
            files.Add(path);
        }
        if (files.Count == 0) throw list.Error("expected at least one CA certificate file");
        return files;
    }

    /// <summary>Paths are relative to the node directory; a missing file is reported now rather than at bind time.</summary>
    private static string ExistingFile(ConfigValue v, ParseContext ctx)
    {
        var path = Path.GetFullPath(Path.Combine(ctx.NodeDir, v.AsString()));
        return File.Exists(path) ? path : throw v.Error($"file not found: {path}");
    }
}
