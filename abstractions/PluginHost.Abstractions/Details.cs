namespace PluginHost.Abstractions;

/// <summary>How the session joined (WELCOME).</summary>
public sealed record JoinDetails(long SessionId, string Realm, string? AuthId, string? AuthRole, string? AuthMethod,
    IReadOnlyDictionary<string, object?> RouterDetails);

/// <summary>Why the session ended: a WAMP close reason URI and an optional message.</summary>
public sealed record LeaveDetails(string Reason, string? Message);

/// <summary>An INVOCATION as seen by a procedure (declare a parameter of this type to receive it).</summary>
public sealed record WampCallDetails(string Procedure, long? Caller, string? CallerAuthId, string? CallerAuthRole,
    bool ReceiveProgress, TimeSpan? Timeout);

/// <summary>An EVENT as seen by a handler (declare a parameter of this type to receive it).</summary>
public sealed record WampEventDetails(string Topic, long PublicationId, long? Publisher, string? PublisherAuthId,
    string? PublisherAuthRole);
