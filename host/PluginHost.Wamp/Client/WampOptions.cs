using Microsoft.Extensions.Logging;

namespace PluginHost.Wamp.Client;

/// <summary>Options for <see cref="WampSession.JoinAsync"/>.</summary>
public sealed class WampJoinOptions
{
    /// <summary>HELLO.Details.authid.</summary>
    public string? AuthId { get; init; }

    /// <summary>HELLO.Details.authmethods. Defaults to the authenticator's method when one is set.</summary>
    public IReadOnlyList<string>? AuthMethods { get; init; }

    /// <summary>HELLO.Details.authextra.</summary>
    public IReadOnlyDictionary<string, object?>? AuthExtra { get; init; }

    /// <summary>Answers CHALLENGE; without one a CHALLENGE aborts the join.</summary>
    public IWampAuthenticator? Authenticator { get; init; }

    /// <summary>How long LeaveAsync waits for the router's GOODBYE before closing the transport anyway.</summary>
    public TimeSpan LeaveTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Receives handler failures that have nowhere else to go (event handlers, progress callbacks).</summary>
    public ILogger? Logger { get; init; }
}

/// <summary>CALL.Options, and how the client delivers progress and cancels.</summary>
public sealed class CallOptions
{
    internal static readonly CallOptions Default = new();

    /// <summary>CALL.Options.timeout in ms. When the dealer does not announce call_timeout the
    /// client enforces it itself and fails the call with wamp.error.timeout.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>CALL.Options.disclose_me.</summary>
    public bool DiscloseMe { get; init; }

    /// <summary>Receives progressive results (sets receive_progress). Reports are delivered one at a
    /// time, in order, off the receive loop, and all before the call's task completes.</summary>
    public Action<WampResult>? OnProgress { get; init; }

    /// <summary>Same as <see cref="OnProgress"/> for IProgress consumers. Note that System.Progress
    /// re-posts each report, which may reorder them when there is no SynchronizationContext.</summary>
    public IProgress<WampResult>? Progress { get; init; }

    /// <summary>Mode of the CANCEL sent when the call's CancellationToken fires.</summary>
    public CancelMode CancelMode { get; init; } = CancelMode.Kill;
}

/// <summary>REGISTER.Options.</summary>
public sealed class RegisterOptions
{
    /// <summary>How the procedure URI matches calls.</summary>
    public UriMatch Match { get; init; } = UriMatch.Exact;

    /// <summary>Which callee of a shared registration gets a call.</summary>
    public InvokePolicy Invoke { get; init; } = InvokePolicy.Single;

    /// <summary>Ask the dealer to disclose the caller's identity in every invocation.</summary>
    public bool DiscloseCaller { get; init; }

    /// <summary>Crossbar's force_reregister: take the procedure over from another session.</summary>
    public bool ForceReregister { get; init; }
}

/// <summary>SUBSCRIBE.Options.</summary>
public sealed class SubscribeOptions
{
    /// <summary>How the topic URI matches publications.</summary>
    public UriMatch Match { get; init; } = UriMatch.Exact;
}

/// <summary>PUBLISH.Options (publisher exclusion/identification, subscriber black/white listing).</summary>
public sealed class PublishOptions
{
    /// <summary>Wait for PUBLISHED (or ERROR) and return the publication id.</summary>
    public bool Acknowledge { get; init; }

    /// <summary>exclude_me; null leaves the router default (exclude the publisher).</summary>
    public bool? ExcludeMe { get; init; }

    /// <summary>disclose_me: ask the broker to tell subscribers who published.</summary>
    public bool DiscloseMe { get; init; }

    /// <summary>Session ids that must not receive the event.</summary>
    public IReadOnlyList<long>? Exclude { get; init; }

    /// <summary>Only these session ids may receive the event.</summary>
    public IReadOnlyList<long>? Eligible { get; init; }

    /// <summary>Sessions with these authids must not receive the event.</summary>
    public IReadOnlyList<string>? ExcludeAuthId { get; init; }

    /// <summary>Sessions with these authroles must not receive the event.</summary>
    public IReadOnlyList<string>? ExcludeAuthRole { get; init; }

    /// <summary>Only sessions with these authids may receive the event.</summary>
    public IReadOnlyList<string>? EligibleAuthId { get; init; }

    /// <summary>Only sessions with these authroles may receive the event.</summary>
    public IReadOnlyList<string>? EligibleAuthRole { get; init; }
}
