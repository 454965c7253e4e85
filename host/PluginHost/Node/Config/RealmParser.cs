using PluginHost.Wamp.Messages;
using System.Text.RegularExpressions;
using PluginHost.Wamp.Router;

namespace PluginHost.Node.Config;

/// <summary>Router realms, roles and permissions (Crossbar <c>workers[].realms[]</c>).</summary>
internal static partial class RealmParser
{
    public static RouterRealm Parse(ConfigValue value, ParseContext ctx)
    {
        var o = value.AsObject("id", "name", "roles", "options", "store", "inventory", "rlinks");
        var nameValue = o.Required("name");
        var name = nameValue.AsString();
        if (!RealmName().IsMatch(name))
            throw nameValue.Error($"invalid realm name \"{name}\" (must match ^[A-Za-z][A-Za-z0-9_\\-@.]{{2,254}}$)");
        foreach (var key in new[] { "inventory", "rlinks" })
            if (o.Has(key)) ctx.Warn(o.Self.Child(key).Path, "not supported by this build; ignored");

        var options = o.Object("options", "enable_meta_api", "bridge_meta_api", "uri_check", "event_dispatching_chunk_size");
        if (options?.Get("bridge_meta_api") is { } bridge) bridge.AsBool();
        if (options?.Get("event_dispatching_chunk_size") is { } chunk) chunk.AsInt(1, int.MaxValue);

        var uriCheck = options?.Enum("uri_check", "loose", "strict", "loose") == "strict" ? UriCheckMode.Strict : UriCheckMode.Loose;
        var store = o.Get("store") is { } storeValue ? ParseStore(storeValue, uriCheck, ctx) : null;

        var roles = ConfigErrors.Each(o.List("roles"), ParseRole);
        foreach (var dup in roles.GroupBy(r => r.Name).Where(g => g.Count() > 1))
            throw o.Self.Child("roles").Error($"role '{dup.Key}' is defined more than once");

        return new RouterRealm(ctx.IdOrDefault(o, "realm", checkPattern: false), new RealmConfig
        {
            Name = name,
            Roles = roles,
            // Loose by default (Crossbar defaults to strict): strict rejects URIs such as
            // "com.myapp.getUser" that Autobahn and most clients happily use.
            UriCheck = uriCheck,
            EnableMetaApi = options?.Bool("enable_meta_api", true) ?? true,
            Store = store,
        });
    }

    /// <summary>
    /// The realm store: <c>{type, limit?, event-history?: [{uri, match?, limit?}], call-queue?}</c>. Keys as Crossbar's
    /// MemoryEventStore reads them: limit is the per-subscription default (100), match defaults to exact and the URI is taken as
    /// written (no "*" shorthand, unlike permissions). Types: "memory" (the default, lost at restart); "sqlite" with
    /// <c>path</c> (a file, relative to the node directory): history, retained events (and cookies) survive restarts
    /// (Router/Store/RealmStore.cs). Crossbar's LMDB types (cfxdb, zlmdb, whose <c>path</c> is a directory) are served by a
    /// SQLite file in that directory, with a warning: their LMDB data is not read, maxsize/readonly/sync are ignored.
    /// call-queue (call queueing) is not implemented: warned, ignored.
    /// </summary>
    private static RealmStoreConfig ParseStore(ConfigValue value, UriCheckMode uriCheck, ParseContext ctx)
    {
        var typeValue = value.Member("type");
        var type = typeValue.AsEnum("memory", "sqlite", "cfxdb", "zlmdb");
        var o = type switch
        {
            "memory" => value.AsObject("type", "limit", "event-history", "call-queue"),
            "sqlite" => value.AsObject("type", "path", "limit", "event-history", "call-queue"),
            _ => value.AsObject("type", "path", "maxsize", "readonly", "sync", "limit", "event-history", "call-queue"),
        };
        string? path = null;
        if (type != "memory")
        {
            var pathValue = o.Required("path");
            var given = pathValue.AsString();
            if (given.Trim().Length == 0) throw pathValue.Error("expected a file path, got an empty string");
            path = Path.GetFullPath(Path.Combine(ctx.NodeDir, given));
            if (type == "sqlite")
            {
                if (Directory.Exists(path)) throw pathValue.Error($"\"{given}\" is a directory; a sqlite store's path names its file");
            }
            else
            {
                // Crossbar's LMDB stores name a directory: our file goes inside it.
                path = Path.Combine(path, "pluginhost-realm-store.sqlite");
                ctx.Warn(typeValue.Path, $"store type \"{type}\" (LMDB) is served by a SQLite file, {path}: existing LMDB data is not read"
                    + " and maxsize/readonly/sync are ignored (use type \"sqlite\" to say so explicitly)");
            }
        }
        if (o.Has("call-queue"))
        {
            o.List("call-queue"); // a list, as the schema says
            ctx.Warn(o.Self.Child("call-queue").Path, "call queueing is not supported by this build; ignored");
        }
        int limit = o.Int("limit", RealmStoreConfig.DefaultLimit, 1, int.MaxValue);
        var entries = new List<EventHistoryConfig>();
        foreach (var entryValue in o.List("event-history"))
        {
            var e = entryValue.AsObject("uri", "match", "limit");
            var uriValue = e.Required("uri");
            var uri = uriValue.AsString();
            _ = WampOptionNames.TryParse(e.Enum("match", "exact", "exact", "prefix", "wildcard"), out var match);
            // The entry is a subscription: the same URI rules as a SUBSCRIBE with that match policy.
            if (!EventHistoryConfig.IsValidTopic(uri, match, uriCheck))
                throw uriValue.Error($"invalid topic URI \"{uri}\" for match {WampOptionNames.Of(match)} (uri check {uriCheck.ToString().ToLowerInvariant()})");
            if (entries.Any(x => x.Uri == uri && x.Match == match))
                throw entryValue.Error($"event history for \"{uri}\" (match {WampOptionNames.Of(match)}) is configured more than once");
            entries.Add(new EventHistoryConfig(uri, match, e.Int("limit", limit, 1, int.MaxValue)));
        }
        return new RealmStoreConfig { EventHistory = entries, Path = path };
    }

    private static RoleConfig ParseRole(ConfigValue value)
    {
        var o = value.AsObject("id", "name", "permissions", "authorizer", "allow-by-default");
        if (o.Has("id")) o.Required("id").AsString();
        string? authorizer = null;
        if (o.Has("authorizer"))
        {
            // Crossbar's RouterRoleDynamicAuth: the authorizer procedure decides everything for the role.
            if (o.Has("permissions")) throw o.Self.Error("a role has either \"permissions\" or \"authorizer\", not both");
            if (o.Has("allow-by-default")) throw o.Required("allow-by-default").Error("\"allow-by-default\" is only used with \"permissions\", not with an \"authorizer\"");
            var uri = o.Required("authorizer");
            authorizer = uri.AsString();
            if (!DynamicAuthenticatorConfig.IsValidProcedure(authorizer)) throw uri.Error($"invalid procedure URI \"{authorizer}\"");
        }
        return new RoleConfig
        {
            Authorizer = authorizer,
            Name = o.RequiredString("name"),
            Permissions = ConfigErrors.Each(o.List("permissions"), ParsePermission),
            AllowByDefault = o.Bool("allow-by-default", false),
        };
    }

    private static readonly string[] FlatActions = ["call", "register", "publish", "subscribe"];

    /// <summary>
    /// Both permission forms: the current one (uri, match, allow{}, disclose{}, cache) and the old flat
    /// 0.10 one ({"uri": "*", "publish": true, ...}), which is converted as <c>crossbar upgrade</c> does.
    /// </summary>
    internal static PermissionConfig ParsePermission(ConfigValue value)
    {
        if (value.Kind != System.Text.Json.JsonValueKind.Object) throw value.Expected("an object");
        var flat = FlatActions.Any(a => value.Element.TryGetProperty(a, out _));
        var o = flat
            ? value.AsObject("uri", "call", "register", "publish", "subscribe")
            : value.AsObject("uri", "match", "allow", "disclose", "cache", "validate");
        var uriValue = o.Required("uri");
        var (uri, match) = ParseUri(uriValue.AsString(), o.Get("match"));
        if (flat)
            return new PermissionConfig
            {
                Uri = uri, Match = match,
                Call = o.Bool("call", false), Register = o.Bool("register", false),
                Publish = o.Bool("publish", false), Subscribe = o.Bool("subscribe", false),
            };

        o.Bool("cache", false);
        o.Object("validate", "call", "call_result", "call_progress", "call_error", "event", "event_result");
        var allow = o.Object("allow", FlatActions);
        var disclose = o.Object("disclose", "caller", "publisher");
        return new PermissionConfig
        {
            Uri = uri, Match = match,
            Call = allow?.Bool("call", false) ?? false,
            Register = allow?.Bool("register", false) ?? false,
            Publish = allow?.Bool("publish", false) ?? false,
            Subscribe = allow?.Bool("subscribe", false) ?? false,
            DiscloseCaller = disclose?.Bool("caller", false) ?? false,
            DisclosePublisher = disclose?.Bool("publisher", false) ?? false,
        };
    }

    /// <summary>
    /// Crossbar's rule: an explicit <c>match</c> wins; otherwise "a.b.*" and "*" are prefixes ("a.b." and ""),
    /// "a..c" is a wildcard, anything else exact. "" without match matches everything, so it is a prefix too.
    /// </summary>
    internal static (string Uri, UriMatch Match) ParseUri(string uri, ConfigValue? match)
    {
        if (match is { } m)
        {
            _ = WampOptionNames.TryParse(m.AsEnum("exact", "prefix", "wildcard"), out var explicitMatch); // AsEnum checked the name
            return (uri, explicitMatch);
        }
        if (uri.Length == 0) return ("", UriMatch.Prefix);
        if (uri.EndsWith('*')) return (uri[..^1], UriMatch.Prefix);
        if (uri.Contains("..")) return (uri, UriMatch.Wildcard);
        return (uri, UriMatch.Exact);
    }

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_\-@.]{2,254}$")]
    private static partial Regex RealmName();
}
