namespace PluginHost.Abstractions;

// The WAMP option vocabulary: one set of enums for plugins, the WAMP client and the router (PluginHost.Wamp uses
// these; WampOptionNames there maps them to and from their wire names).

/// <summary>REGISTER/SUBSCRIBE.Options.match: how a registration, subscription or permission URI is matched.</summary>
public enum UriMatch
{
    /// <summary>The URI as given.</summary>
    Exact,
    /// <summary>Every URI starting with the given one.</summary>
    Prefix,
    /// <summary>Empty URI components match any component (a..c matches a.b.c).</summary>
    Wildcard,
}

/// <summary>REGISTER.Options.invoke: which callee of a shared registration gets a call.</summary>
public enum InvokePolicy
{
    /// <summary>One callee only: a second registration is refused.</summary>
    Single,
    /// <summary>Callees in turn.</summary>
    RoundRobin,
    /// <summary>A callee picked at random.</summary>
    Random,
    /// <summary>The callee that registered first.</summary>
    First,
    /// <summary>The callee that registered last.</summary>
    Last,
}

/// <summary>CANCEL.Options.mode (advanced/rpc_call_canceling.md).</summary>
public enum CancelMode
{
    /// <summary>The dealer answers the caller at once; the callee is not interrupted.</summary>
    Skip,
    /// <summary>The callee is interrupted and the dealer waits for its answer.</summary>
    Kill,
    /// <summary>The callee is interrupted and the dealer answers the caller at once.</summary>
    KillNoWait,
}

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
