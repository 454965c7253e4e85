using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Router;

/// <summary>
/// What the dealer keeps about one session, keyed by its session id in <see cref="Dealer"/>: the registrations it
/// is a callee of, the calls it made that are not answered, the invocations it was sent and has not answered, and
/// the progressive calls that ended before its final CALL. Created on the session's first RPC message, dropped when
/// it leaves: a session that never calls or registers costs the dealer nothing. Loop-owned, like the dealer.
/// </summary>
internal sealed class DealerPeer
{
    private long _lastInvocationId;

    public HashSet<Registration> Registrations { get; } = new();

    /// <summary>Calls this session made, by the CALL's request id.</summary>
    public Dictionary<long, RoutedCall> Calls { get; } = new();

    /// <summary>Invocations sent to this session as callee, by INVOCATION request id.</summary>
    public Dictionary<long, RoutedCall> Invocations { get; } = new();

    /// <summary>Progressive call invocations: request ids of progressive CALLs that ended (answered, failed, refused) before
    /// the caller sent its final CALL; the caller's further CALLs with that id are dropped up to and including the final one.</summary>
    public HashSet<long> EndedProgressiveCalls { get; } = new();

    /// <summary>INVOCATION request ids are session scoped: 1, 2, 3 ... wrapping after 2^53 (basic/building_blocks.md).</summary>
    public long NextInvocationId()
    {
        _lastInvocationId = _lastInvocationId >= WampIds.Max ? 1 : _lastInvocationId + 1;
        return _lastInvocationId;
    }

    public bool IsEmpty => Registrations.Count == 0 && Calls.Count == 0 && Invocations.Count == 0 && EndedProgressiveCalls.Count == 0;
}
