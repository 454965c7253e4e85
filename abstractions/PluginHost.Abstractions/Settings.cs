namespace PluginHost.Abstractions;

/// <summary>How a registration or subscription URI is matched.</summary>
public enum UriMatch { Exact, Prefix, Wildcard }

/// <summary>Which callee of a shared registration gets a call.</summary>
public enum InvokePolicy { Single, RoundRobin, Random, First, Last }

public sealed record ProcedureSettings
{
    public UriMatch Match { get; init; } = UriMatch.Exact;
    public InvokePolicy Invoke { get; init; } = InvokePolicy.Single;
    /// <summary>Ask the router to tell the callee who called (WampCallDetails.Caller).</summary>
    public bool DiscloseCaller { get; init; }
}

public sealed record TopicSettings
{
    public UriMatch Match { get; init; } = UriMatch.Exact;
}

public sealed record PublishSettings
{
    /// <summary>Wait until the broker accepted the publication (errors throw).</summary>
    public bool Acknowledge { get; init; }
    /// <summary>Receive our own event too (default: the publisher is excluded).</summary>
    public bool? ExcludeMe { get; init; }
    public bool DiscloseMe { get; init; }
}

public sealed record CallSettings
{
    public TimeSpan? Timeout { get; init; }
    /// <summary>Receives progressive results, in order, before the call completes.</summary>
    public Action<WampPayload>? OnProgress { get; init; }
}
