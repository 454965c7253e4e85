using System.Text.Json;
using PluginHost.Wamp.Client;

namespace PluginHost.Node.Config;

/// <summary>
/// A container component's <c>auth</c> (Autobahn Component's <c>authentication</c>): <c>anonymous {authid}</c>,
/// <c>ticket {authid, ticket}</c>, <c>wampcra {authid, secret}</c>, <c>cryptosign {authid, privkey}</c>,
/// <c>scram {authid (required), password}</c> (WAMP-SCRAM as Crossbar and Autobahn speak it), each with
/// an optional <c>authextra</c>. Tickets, secrets and keys may be "${VAR}" (read from the environment).
/// </summary>
internal static class ComponentAuthParser
{
    private static readonly string[] Supported = ["anonymous", "ticket", "wampcra", "cryptosign", "scram"];

    public static ComponentAuthConfig Parse(ConfigValue value, ParseContext ctx)
    {
        var auth = value.AsObject([.. Supported, "tls"]);
        if (auth.Get("tls") is { } tls)
            throw tls.Error("authentication method 'tls' is not supported by this build for components (anonymous, ticket, wampcra, cryptosign, scram)");

        var methods = new List<string>();
        string? authId = null, ticket = null, secret = null, privkey = null, password = null;
        var extra = new Dictionary<string, object?>(StringComparer.Ordinal);
        // Config order is HELLO.authmethods order: the router picks the first it accepts.
        foreach (var (method, entry) in WebPathParser.Members(value))
        {
            var o = method switch
            {
                "anonymous" => entry.AsObject("authid", "authextra"),
                "ticket" => entry.AsObject("authid", "ticket", "authextra"),
                "wampcra" => entry.AsObject("authid", "secret", "authextra"),
                "scram" => entry.AsObject("authid", "password", "authextra"),
                _ => entry.AsObject("authid", "privkey", "authextra"),
            };
            methods.Add(method);
            authId ??= o.String("authid");
            switch (method)
            {
                case "ticket": ticket = AuthParser.Secret(o, "ticket", ctx); break;
                case "wampcra": secret = AuthParser.Secret(o, "secret", ctx); break;
                case "scram":
                    // The authid is part of the SCRAM AuthMessage: it must be this method's own.
                    var scramId = o.RequiredString("authid");
                    if (authId != scramId) throw o.Required("authid").Error($"scram's authid '{scramId}' differs from the authid '{authId}' of an earlier method (HELLO has one authid)");
                    password = AuthParser.Secret(o, "password", ctx);
                    break;
                case "cryptosign":
                    privkey = AuthParser.Secret(o, "privkey", ctx);
                    try { extra["pubkey"] = new CryptosignAuthenticator(privkey).PublicKeyHex; }
                    catch (ArgumentException e) { throw o.Required("privkey").Error(e.Message); }
                    break;
            }
            if (o.Get("authextra") is { } ae)
            {
                if (ae.Kind != JsonValueKind.Object) throw ae.Expected("an object");
                foreach (var p in ae.Element.EnumerateObject()) extra[p.Name] = Components.ValueConverter.FromJson(p.Value);
            }
        }
        if (methods.Count == 0) throw value.Error("no authentication method configured (anonymous, ticket, wampcra, cryptosign or scram)");
        return new ComponentAuthConfig
        {
            AuthId = authId,
            Methods = methods,
            Ticket = ticket,
            WampCraSecret = secret,
            CryptosignPrivateKey = privkey,
            ScramPassword = password,
            AuthExtra = extra.Count > 0 ? extra : null,
        };
    }
}
