using System.Net;

namespace PluginHost.Listeners;

// Crossbar's HTTP bridge web services (paths.* of type publisher, caller, webhook): HTTP requests that become
// WAMP actions of an embedded session on the router's realm, with a fixed role (authorization applies).

/// <summary>Request checks shared by the bridge services (Crossbar's options on publisher/caller; webhook uses a subset).</summary>
public sealed record BridgeRequestOptions
{
    /// <summary>Signed requests: both set = every request must carry key, timestamp, seq, nonce and signature query parameters.</summary>
    public string? Key { get; init; }
    public string? Secret { get; init; }
    public bool RequireTls { get; init; }
    /// <summary>Client addresses allowed; null = any.</summary>
    public IReadOnlyList<IPNetwork>? RequireIp { get; init; }
    /// <summary>Largest request body in bytes; 0 = no bridge limit (Kestrel's own limit still applies).</summary>
    public int PostBodyLimit { get; init; }
    /// <summary>Largest difference in seconds between a request's timestamp parameter and now; 0 = not checked. Crossbar default 300.</summary>
    public int TimestampDeltaLimit { get; init; } = 300;
    /// <summary>Logs every request's outcome at information level (else debug).</summary>
    public bool Debug { get; init; }
    /// <summary>webhook only: GitHub's X-Hub-Signature (HMAC-SHA1 of the body) must match this secret.</summary>
    public string? GithubSecret { get; init; }

    public bool Signed => Secret is not null;
}

/// <summary>A bridge service: its realm and role, and where in the config it was defined (for error messages).</summary>
public abstract record BridgePathConfig : WebPathConfig
{
    public required string Realm { get; init; }
    public required string Role { get; init; }
    public BridgeRequestOptions Options { get; init; } = new();
    /// <summary>JSON path of the service in the config (e.g. <c>workers[0].transports[0].paths.publish</c>); "" when built in code.</summary>
    public string ConfigPath { get; init; } = "";
}

/// <summary>type "publisher": POST {topic, args, kwargs, options} publishes and answers {"id": publication id}.</summary>
public sealed record PublisherPathConfig : BridgePathConfig;

/// <summary>type "caller": POST {procedure, args, kwargs} calls and answers {"args", "kwargs"} of the result.</summary>
public sealed record CallerPathConfig : BridgePathConfig;

/// <summary>type "webhook": any POST body is published to <see cref="Topic"/> as {"headers", "body"}.</summary>
public sealed record WebhookPathConfig : BridgePathConfig
{
    public required string Topic { get; init; }
    public string SuccessResponse { get; init; } = "OK";
    public string ErrorResponse { get; init; } = "NOT OK";
}
