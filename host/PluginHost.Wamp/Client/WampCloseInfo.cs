namespace PluginHost.Wamp.Client;

/// <summary>Which side ended a session.</summary>
public enum WampCloseInitiator
{
    /// <summary>This client left (LeaveAsync/DisposeAsync) or aborted (protocol violation).</summary>
    Local,
    /// <summary>The router sent GOODBYE or ABORT.</summary>
    Router,
    /// <summary>The transport closed or failed without a closing handshake.</summary>
    Transport,
}

/// <summary>How a session ended. For a local LeaveAsync the reason is the router's GOODBYE reply
/// (normally wamp.close.goodbye_and_out), as in Autobahn's onLeave.</summary>
public sealed record WampCloseInfo(
    string Reason,
    string? Message,
    IReadOnlyDictionary<string, object?> Details,
    WampCloseInitiator Initiator,
    Exception? Exception = null)
{
    /// <summary>The exception that pending and later requests fail with.</summary>
    internal WampException ToException()
        => new(Reason, Message is null ? null : [Message], null, Details, Exception);
}
