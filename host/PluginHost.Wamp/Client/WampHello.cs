using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Client;

/// <summary>HELLO.Details: the roles and advanced-profile features this client implements.</summary>
internal static class WampHello
{
    public const string Agent = "PluginHost.Wamp/0.1";

    public static Dictionary<string, object?> Details(WampJoinOptions options)
    {
        var details = new Dictionary<string, object?>
        {
            ["agent"] = Agent,
            ["roles"] = new Dictionary<string, object?>
            {
                ["caller"] = Role("progressive_call_results", "call_canceling", "call_timeout", "caller_identification"),
                ["callee"] = Role("progressive_call_results", "call_canceling", "call_timeout", "caller_identification",
                    "pattern_based_registration", "shared_registration", "registration_revocation"),
                ["publisher"] = Role("publisher_exclusion", "publisher_identification", "subscriber_blackwhite_listing"),
                ["subscriber"] = Role("publisher_identification", "pattern_based_subscription"),
            },
        };
        if (options.AuthId is not null) details["authid"] = options.AuthId;
        var methods = options.AuthMethods ?? (options.Authenticator is { } a ? [a.AuthMethod] : null);
        if (methods is { Count: > 0 }) details["authmethods"] = methods.Cast<object?>().ToList();
        var extra = options.AuthExtra is not null ? new Dictionary<string, object?>(options.AuthExtra) : null;
        if (options.Authenticator?.HelloAuthExtra() is { } more)
            foreach (var (k, v) in more) (extra ??= [])[k] = v;
        if (extra is not null) details["authextra"] = extra;
        return details;
    }

    private static Dictionary<string, object?> Role(params string[] features)
        => new() { ["features"] = features.ToDictionary(f => f, object? (_) => true) };

    /// <summary>WELCOME.Details.roles.&lt;role&gt;.features.&lt;feature&gt; == true.</summary>
    public static bool Announces(IReadOnlyDictionary<string, object?> welcomeDetails, string role, string feature)
        => welcomeDetails.TryGetValue("roles", out var roles) && roles is IReadOnlyDictionary<string, object?> r
           && r.TryGetValue(role, out var rd) && rd is IReadOnlyDictionary<string, object?> roleDict
           && roleDict.TryGetValue("features", out var f) && f is IReadOnlyDictionary<string, object?> features
           && features.GetBool(feature);
}
