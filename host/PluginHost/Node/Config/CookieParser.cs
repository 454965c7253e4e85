using System.Text.RegularExpressions;
using PluginHost.Wamp.Router.Store;

namespace PluginHost.Node.Config;

/// <summary>
/// A websocket transport's <c>cookie</c> (Crossbar's keys): <c>{name, length, max_age, store: {type: memory | file{filename,
/// purge_on_startup} | database{path}}, secure, http_strict, same_site}</c>. Both persistent store types are kept in a SQLite file
/// (Router/Store): <c>file</c> names it with <c>filename</c> (Crossbar's file is a JSON-lines log: not read, a warning says so),
/// <c>database</c> with <c>path</c>, relative to the node directory. It may be the realm store's file.
/// </summary>
internal static partial class CookieParser
{
    public static CookieConfig Parse(ConfigValue value, ParseContext ctx)
    {
        var o = value.AsObject("name", "length", "max_age", "store", "secure", "http_strict", "same_site");
        var defaults = new CookieConfig();
        var name = defaults.Name;
        if (o.Get("name") is { } nameValue && !CookieName().IsMatch(name = nameValue.AsString()))
            throw nameValue.Error($"invalid cookie name \"{name}\" (must match ^[a-z][a-z0-9_]+$)");
        string? path = null;
        bool purge = false;
        if (o.Get("store") is { } storeValue)
        {
            var type = storeValue.Member("type").AsEnum("memory", "file", "database");
            var store = type switch
            {
                "memory" => storeValue.AsObject("type"),
                "file" => storeValue.AsObject("type", "filename", "purge_on_startup"),
                _ => storeValue.AsObject("type", "path", "maxsize", "readonly", "sync"),
            };
            if (type != "memory")
            {
                var pathValue = store.Required(type == "file" ? "filename" : "path");
                if (pathValue.AsString().Trim().Length == 0) throw pathValue.Error("expected a file path, got an empty string");
                path = Path.GetFullPath(Path.Combine(ctx.NodeDir, pathValue.AsString()));
                if (Directory.Exists(path)) throw pathValue.Error($"\"{pathValue.AsString()}\" is a directory; the cookie store is a file");
                purge = store.Bool("purge_on_startup", false);
                ctx.Warn(storeValue.Path + ".type", $"cookie store \"{type}\" is kept in the SQLite file {path} (an existing Crossbar cookie file is not read)");
            }
        }
        return new CookieConfig
        {
            Name = name,
            Length = o.Int("length", defaults.Length, 6, 64),
            MaxAge = TimeSpan.FromSeconds(o.Long("max_age", (long)defaults.MaxAge.TotalSeconds, 1, 10L * 365 * 86400)),
            StorePath = path,
            PurgeOnStartup = purge,
            Secure = o.Bool("secure", false),
            HttpStrict = o.Bool("http_strict", true),
            SameSite = o.Get("same_site")?.AsEnum("Strict", "Lax", "None"),
        };
    }

    [GeneratedRegex("^[a-z][a-z0-9_]+$")]
    private static partial Regex CookieName();
}
