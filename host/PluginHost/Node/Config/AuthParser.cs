using PluginHost.Wamp.Router;

namespace PluginHost.Node.Config;

/// <summary>
/// A transport's <c>auth</c> (Crossbar's transport auth: one entry per method). Anonymous, ticket, wampcra,
/// cryptosign, scram and tls are supported, static (principals here) or dynamic (an authenticator procedure, Crossbar's
/// <c>{"type": "dynamic", "authenticator": uri, "authenticator-realm": realm?}</c>). Everything else is an error, not a warning: dropping a method would let sessions in
/// where the config meant to require credentials (or lock everyone out).
/// </summary>
internal static class AuthParser
{
    private static readonly string[] AuthMethods =
        ["anonymous", "ticket", "wampcra", "cryptosign", "tls", "cookie", "scram", "anonymous-proxy", "cryptosign-proxy"];

    public static TransportAuthConfig Parse(ConfigValue authValue, ParseContext ctx)
    {
        var auth = authValue.AsObject(AuthMethods);
        var dynamic = new Dictionary<string, DynamicAuthenticatorConfig>(StringComparer.Ordinal);
        foreach (var method in (string[])["anonymous-proxy", "cryptosign-proxy"])
            if (auth.Get(method) is { } m)
                throw m.Error($"authentication method '{method}' is not supported by this build (anonymous, ticket, wampcra, cryptosign, scram, tls, cookie)");
        // cookie: {} (or {"type": "static"}): sessions on a connection whose cookie an earlier session authenticated (the
        // transport's "cookie" tracking, checked by TransportParser) are welcomed as that principal (Router/Store/CookieStore.cs).
        bool cookieAuth = auth.Object("cookie", "type") is { } cookieMethod && cookieMethod.Enum("type", "static", "static") == "static";
        var config = new TransportAuthConfig
        {
            // With an auth section only the methods it lists are allowed (Crossbar): no implicit anonymous.
            AnonymousRole = null,
            Ticket = StaticPrincipals(auth, "ticket", "principals", ["ticket", "role", "realm"], p =>
                new TicketPrincipal(Secret(p, "ticket", ctx), p.RequiredString("role"), p.String("realm"))),
            WampCra = StaticPrincipals(auth, "wampcra", "users", ["secret", "role", "realm", "salt", "iterations", "keylen"], p =>
                new WampCraUser(Secret(p, "secret", ctx), p.RequiredString("role"), p.String("realm"))
                {
                    Salt = p.String("salt"),
                    Iterations = p.Int("iterations", 1000, 1, 10_000_000),
                    KeyLength = p.Int("keylen", 32, 1, 1024),
                }),
            Cryptosign = StaticPrincipals(auth, "cryptosign", "principals", ["authorized_keys", "role", "realm"], p =>
                new CryptosignPrincipal(AuthorizedKeys(p), p.RequiredString("role"), p.String("realm"))),
            Scram = StaticPrincipals(auth, "scram", "principals",
                ["kdf", "iterations", "memory", "salt", "stored-key", "server-key", "role", "realm"], ScramPrincipal),
            Tls = StaticPrincipals(auth, "tls", "principals", ["certificate-sha1", "role", "realm"], p =>
                new TlsPrincipal(Hex(p.Required("certificate-sha1"), 20, "a SHA-1 certificate fingerprint (hex, colons allowed)"),
                    p.RequiredString("role"), p.String("realm"))),
        };
        if (auth.Object("anonymous", "type", "role", "authid", "realm", "authenticator", "authenticator-realm") is { } anon
            && !IsDynamic(anon, "anonymous", dynamic))
        {
            if (anon.Get("realm") is { } realm) throw realm.Error("pinning anonymous sessions to a realm is not supported by this build");
            config = config with { AnonymousRole = anon.String("role") ?? "anonymous", AnonymousAuthId = anon.String("authid") };
        }
        if (dynamic.Count > 0) config = config with { Dynamic = dynamic };
        if (cookieAuth) config = config with { CookieAuth = true };
        if (config is { AnonymousRole: null, Ticket: null, WampCra: null, Cryptosign: null, Scram: null, Tls: null, Dynamic: null })
            throw authValue.Error("no authentication method configured (anonymous, ticket, wampcra, cryptosign, scram or tls)");
        return config;

        IReadOnlyDictionary<string, T>? StaticPrincipals<T>(ConfigObject o, string method, string listKey, string[] keys,
            Func<ConfigObject, T> parse)
        {
            if (o.Object(method, "type", listKey, "authenticator", "authenticator-realm") is not { } m
                || IsDynamic(m, method, dynamic)) return null;
            var result = new Dictionary<string, T>(StringComparer.Ordinal);
            foreach (var (authid, value) in WebPathParser.Members(m.Required(listKey)))
                result[authid] = parse(value.AsObject(keys));
            return result;
        }
    }

    /// <summary>
    /// True (and the method added to <paramref name="dynamic"/>) for type dynamic, which needs an authenticator URI
    /// and takes no static principals; false for type static (the default), which takes no authenticator.
    /// </summary>
    private static bool IsDynamic(ConfigObject method, string name, Dictionary<string, DynamicAuthenticatorConfig> dynamic)
    {
        if (method.Enum("type", "static", "static", "dynamic") != "dynamic")
        {
            if ((method.Get("authenticator") ?? method.Get("authenticator-realm")) is { } a)
                throw a.Error("an authenticator is only used with type dynamic");
            return false;
        }
        var uri = method.Required("authenticator");
        if (!DynamicAuthenticatorConfig.IsValidProcedure(uri.AsString())) throw uri.Error($"invalid procedure URI \"{uri.AsString()}\"");
        foreach (var key in (string[])["principals", "users", "role", "authid", "realm"])
            if (method.Get(key) is { } extra) throw extra.Error($"\"{key}\" is only used with type static (a dynamic {name} authenticator decides it)");
        dynamic[name] = new DynamicAuthenticatorConfig(uri.AsString(), method.String("authenticator-realm"));
        return true;
    }

    /// <summary>
    /// A ticket or secret: literal, or "${VAR}" read from the environment (Crossbar's maybe_from_env). Crossbar only
    /// warns when VAR is unset and keeps the literal text, which would then be a valid ticket; here it is an error.
    /// </summary>
    internal static string Secret(ConfigObject principal, string key, ParseContext ctx)
    {
        var v = principal.Required(key);
        var s = v.AsString();
        if (!(s.Length > 3 && s.StartsWith("${", StringComparison.Ordinal) && s.EndsWith('}'))) return s;
        var name = s[2..^1];
        return ctx.Env(name) ?? throw v.Error($"environment variable '{name}' is not set");
    }

    /// <summary>
    /// A WAMP-SCRAM principal as Autobahn's derive_scram_credential prints it (salt, stored-key, server-key in hex),
    /// plus role and realm. Memory (KiB) is required by the argon2id kdfs and meaningless for pbkdf2.
    /// </summary>
    private static ScramPrincipal ScramPrincipal(ConfigObject p)
    {
        var kdf = p.Required("kdf").AsEnum(PluginHost.Wamp.Security.ScramProtocol.Kdfs);
        int? memory = null;
        if (PluginHost.Wamp.Security.ScramProtocol.IsArgon2(kdf)) memory = p.Required("memory").AsInt(8, 4 * 1024 * 1024);
        else if (p.Get("memory") is { Kind: not System.Text.Json.JsonValueKind.Null } m) throw m.Error("memory is only used by the argon2id kdfs");
        var salt = p.Required("salt");
        var saltBytes = Convert.FromHexString(Hex(salt, 0, "the salt in hex"));
        if (saltBytes.Length < 8) throw salt.Error("expected a salt of at least 8 bytes (16 hex digits)");
        if (kdf != PluginHost.Wamp.Security.ScramProtocol.Pbkdf2 && saltBytes.Length != 16)
            throw salt.Error("argon2id salts are 16 bytes (32 hex digits), as derive_scram_credential makes them");
        return new ScramPrincipal(kdf, p.Required("iterations").AsInt(1, 100_000_000), memory, saltBytes,
            Convert.FromHexString(Hex(p.Required("stored-key"), 32, "StoredKey: 32 bytes in hex")),
            Convert.FromHexString(Hex(p.Required("server-key"), 32, "ServerKey: 32 bytes in hex")),
            p.RequiredString("role"), p.String("realm"));
    }

    /// <summary>Hex digits (colons between bytes allowed, as fingerprints are shown), uppercase without colons.</summary>
    private static string Hex(ConfigValue value, int bytes, string what)
    {
        var hex = value.AsString().Replace(":", "", StringComparison.Ordinal).ToUpperInvariant();
        if (hex.Length == 0 || hex.Length % 2 != 0 || !hex.All(Uri.IsHexDigit) || (bytes > 0 && hex.Length != bytes * 2))
            throw value.Error($"expected {what}");
        return hex;
    }

    private static List<string> AuthorizedKeys(ConfigObject principal)
    {
        var list = principal.Required("authorized_keys");
        var keys = new List<string>();
        foreach (var item in list.AsArray())
        {
            var hex = item.AsString();
            if (hex.Length != 64 || !hex.All(Uri.IsHexDigit)) throw item.Error("expected an Ed25519 public key: 64 hex digits");
            keys.Add(hex.ToLowerInvariant());
        }
        if (keys.Count == 0) throw list.Error("expected at least one public key");
        return keys;
    }
}
