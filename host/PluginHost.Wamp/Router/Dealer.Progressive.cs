using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Router;

/// <summary>
/// The dealer's CALL entry: progressive call invocations (advanced/rpc_progressive_call_invocations.md,
/// dealer feature progressive_call_invocations) and the protocol checks that precede a new call.
///
/// A CALL with Options.progress=true starts (or continues) a call whose further CALLs carry the SAME request
/// id; each becomes an INVOCATION with the same INVOCATION request id to the SAME callee (whatever the
/// shared-registration policy), with Details.progress=true, the last one (progress absent or false)
/// without. The options of the initiating CALL are frozen: later CALLs only contribute progress and
/// payload. A call that ends before the caller's final CALL (callee ERROR or final YIELD, cancel, timeout,
/// callee gone) swallows the caller's remaining CALLs of that request id, up to the final one.
/// If the caller leaves mid-stream the callee gets INTERRUPT killnowait (Dealer.RemoveSession).
/// </summary>
internal sealed partial class Dealer
{
    public void Call(RouterSession session, CallMessage m, DynamicAuthorization.Decided? decided = null)
    {
        bool progress = m.Options.GetBool("progress");
        var peer = Peer(session);
        if (peer.Calls.TryGetValue(m.RequestId, out var pending))
        {
            // Progressive call invocations: the next chunk of a call the caller is still streaming.
            if (pending.InvocationsOpen)
            {
                ContinueProgressiveCall(pending, m, progress);
                return;
            }
            realm.Abort(session, WampErrors.ProtocolViolation, $"CALL request id {m.RequestId} is already in use by a pending call");
            return;
        }
        if (peer.EndedProgressiveCalls.Contains(m.RequestId))
        {
            // A progressive call that has already ended (or was refused): drop its chunks; the final CALL closes it.
            if (!progress) peer.EndedProgressiveCalls.Remove(m.RequestId);
            return;
        }
        // Progressive call invocations: "Caller did not announce the progressive call invocations feature
        // during the HELLO handshake" MUST be treated as a protocol error (ABORT).
        if (progress && !session.CallerProgressiveCallInvocations)
        {
            realm.Abort(session, WampErrors.ProtocolViolation, "CALL with progress=true, but the caller did not announce progressive_call_invocations");
            return;
        }
        // Payload passthru mode: a CALL with ppt_scheme from a caller that did not announce it: protocol error (ABORT).
        if (PptOptions.IsRequested(m.Options) && !session.CallerPayloadPassthru)
        {
            realm.Abort(session, WampErrors.ProtocolViolation, "CALL with ppt_scheme, but the caller did not announce payload_passthru_mode");
            return;
        }
        // A refused progressive CALL (ERROR sent) is over: its further chunks must not start new calls.
        if (!StartCall(session, m, progress, decided) && progress) peer.EndedProgressiveCalls.Add(m.RequestId);
    }

    /// <summary>A following CALL of a progressive call: one more INVOCATION, same request id, same callee, frozen details.</summary>
    private static void ContinueProgressiveCall(RoutedCall p, CallMessage m, bool progress)
    {
        var details = new Dictionary<string, object?>(p.BaseDetails!);
        if (progress) details["progress"] = true;
        else p.InvocationsOpen = false; // the final CALL: the call now waits for the callee's final YIELD or ERROR
        p.Callee.Send(new InvocationMessage(p.InvocationId, p.CalleeRegistration, details, m.Arguments, m.ArgumentsKw));
    }
}
