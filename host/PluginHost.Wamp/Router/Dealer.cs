using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Router;

/// <summary>
/// One callee attached to a registration; disclose_caller is a per-REGISTER option. A callee on another node of the cluster
/// knows the registration by the id its own node gave it (<paramref name="RemoteRegistration"/>): its INVOCATIONs carry that one.
/// </summary>
internal sealed record CalleeEntry(RouterSession Session, bool DiscloseCaller, long? RemoteRegistration = null);

/// <summary>A registration: a (procedure, match) and its callees under one invocation policy.</summary>
internal sealed class Registration(long id, string uri, UriMatch match, InvokePolicy invoke)
{
    public long Id { get; } = id;
    public string Uri { get; } = uri;
    public UriMatch Match { get; } = match;
    public InvokePolicy Invoke { get; } = invoke;
    public string Created { get; } = Realm.Now();
    public List<CalleeEntry> Callees { get; } = new();
    public int RoundRobinNext;
}

/// <summary>A call routed to a callee and not yet answered. Loop-owned.</summary>
internal sealed class RoutedCall(RouterSession caller, long callRequestId, RouterSession callee, long invocationId,
    Registration registration, bool receiveProgress, long timeoutMs)
{
    public RouterSession Caller { get; } = caller;
    public long CallRequestId { get; } = callRequestId;
    public RouterSession Callee { get; } = callee;
    public long InvocationId { get; } = invocationId;
    public Registration Registration { get; } = registration;
    /// <summary>The registration id the callee knows (CalleeEntry.RemoteRegistration for a callee on another node).</summary>
    public long CalleeRegistration { get; init; } = registration.Id;
    public bool ReceiveProgress { get; } = receiveProgress;
    public long TimeoutMs { get; } = timeoutMs;
    /// <summary>When the INVOCATION went out, for the call-duration histograms (0 while nobody listens to them).</summary>
    public long Started { get; } = Metrics.RouterMetrics.CallStarted();
    public bool Completed;
    public bool KillRequested;
    public ITimer? Timer;
    /// <summary>Progressive call invocations: the caller is still streaming CALLs (its final CALL has not come yet).</summary>
    public bool InvocationsOpen;
    /// <summary>Progressive call invocations: INVOCATION.Details of the initiating CALL (frozen), without progress.</summary>
    public Dictionary<string, object?>? BaseDetails;
}

/// <summary>
/// The dealer role of one realm. Runs only on the realm loop (see Realm.cs): no locks.
/// </summary>
internal sealed partial class Dealer(Realm realm)
{

    private readonly Dictionary<(string Uri, UriMatch Match), Registration> _byUri = new();
    private readonly Dictionary<long, Registration> _byId = new();
    private readonly List<Registration> _prefix = new();
    private readonly List<Registration> _wildcard = new();
    // Per-session RPC state, by session id (DealerPeer.cs): the dealer alone reads and writes it.
    private readonly Dictionary<long, DealerPeer> _peers = new();

    /// <summary>The session's dealer state, created on first use.</summary>
    private DealerPeer Peer(RouterSession session)
    {
        if (!_peers.TryGetValue(session.Id, out var peer)) _peers[session.Id] = peer = new DealerPeer();
        return peer;
    }

    /// <summary>The session's dealer state if it has any (queries must not create it).</summary>
    private DealerPeer? PeerOrNull(RouterSession session) => _peers.GetValueOrDefault(session.Id);

    /// <summary>Whether <paramref name="requestId"/> names a call of this session that is still pending.</summary>
    public bool IsPendingCall(RouterSession session, long requestId) => PeerOrNull(session)?.Calls.ContainsKey(requestId) == true;

    private UriCheckMode UriCheck => realm.Config.UriCheck;

    public void Register(RouterSession session, RegisterMessage m, DynamicAuthorization.Decided? decided = null)
    {
        if (!WampOptionNames.TryParseMatch(m.Options, out var match))
        {
            session.Send(Realm.Error(WampMessageType.Register, m.RequestId, WampErrors.InvalidArgument, $"invalid match policy '{m.Options.GetString("match")}'"));
            return;
        }
        if (!UriValidator.IsValidPattern(m.Procedure, match, UriCheck))
        {
            session.Send(Realm.Error(WampMessageType.Register, m.RequestId, WampErrors.InvalidUri, $"register for invalid procedure URI '{m.Procedure}' (uri check {UriCheck})"));
            return;
        }
        // "wamp." procedures belong to the router (meta API): clients may not register them.
        if (UriValidator.IsReserved(m.Procedure))
        {
            session.Send(Realm.Error(WampMessageType.Register, m.RequestId, WampErrors.InvalidUri, $"register for reserved procedure URI '{m.Procedure}'"));
            return;
        }
        // Shared registrations: options.invoke is single (default), roundrobin, random, first or last.
        if (!WampOptionNames.TryParseInvoke(m.Options, out var invoke))
        {
            session.Send(Realm.Error(WampMessageType.Register, m.RequestId, WampErrors.InvalidArgument, $"invalid invocation policy '{m.Options.GetValueOrDefault("invoke")}'"));
            return;
        }
        if (!realm.Authorize(session, WampAction.Register, m.Procedure, decided).Allowed)
        {
            session.Send(Realm.Error(WampMessageType.Register, m.RequestId, WampErrors.NotAuthorized, $"session is not authorized to register procedure '{m.Procedure}'"));
            return;
        }
        // A cluster: what the other nodes registered before is known here first (Cluster/RealmCluster.cs).
        if (realm.Cluster is { } shared && shared.DeferUntilCaughtUp(session, m, decided)) return;

        if (_byUri.TryGetValue((m.Procedure, match), out var reg))
        {
            if (m.Options.GetBool("force_reregister"))
            {
                // force_reregister (Crossbar): every current callee is kicked with a registration revocation
                // [UNREGISTERED, 0, {registration, reason}] (to callees that announced registration_revocation, as
                // remove_callee) and the registration is deleted, then re-created below.
                foreach (var callee in reg.Callees.ToList())
                    RemoveCallee(reg, callee.Session, "wamp.error.unregistered");
                reg = null;
            }
            else if (reg.Callees.Any(c => c.Session == session))
            {
                session.Send(Realm.Error(WampMessageType.Register, m.RequestId, WampErrors.ProcedureAlreadyExists, $"procedure '{m.Procedure}' is already registered by this session"));
                return;
            }
            else if (reg.Invoke == InvokePolicy.Single || invoke != reg.Invoke)
            {
                // Shared registration: a second callee needs a shared policy, and the same one as the first.
                session.Send(Realm.Error(WampMessageType.Register, m.RequestId, WampErrors.ProcedureAlreadyExists,
                    reg.Invoke == InvokePolicy.Single
                        ? $"register for already registered procedure '{m.Procedure}'"
                        : $"register for already registered procedure '{m.Procedure}' with conflicting invocation policy (has {WampOptionNames.Of(reg.Invoke)}, {WampOptionNames.Of(invoke)} was requested)"));
                return;
            }
        }
        if (reg is null)
        {
            reg = new Registration(NewId(), m.Procedure, match, invoke);
            _byUri[(reg.Uri, match)] = reg;
            _byId[reg.Id] = reg;
            if (match == UriMatch.Prefix) _prefix.Add(reg);
            else if (match == UriMatch.Wildcard) _wildcard.Add(reg);
            realm.Meta?.OnRegistrationCreate(session, reg);
        }
        bool discloseCaller = m.Options.GetBool("disclose_caller");
        reg.Callees.Add(new CalleeEntry(session, discloseCaller));
        Peer(session).Registrations.Add(reg);
        realm.Meta?.OnRegister(session, reg);
        // A cluster: the other nodes learn of the callee first, so a caller anywhere finds it once REGISTERED is out.
        if (realm.Cluster is { } cluster) cluster.Announce(session, reg, discloseCaller, m.RequestId, forced: m.Options.GetBool("force_reregister"));
        else session.Send(new RegisteredMessage(m.RequestId, reg.Id));
    }

    /// <summary>
    /// Cluster: another node claimed this single registration first (two nodes raced): the callee is detached again and its
    /// REGISTER answered procedure_already_exists instead of REGISTERED.
    /// </summary>
    public void Refuse(RouterSession session, Registration reg, long requestId)
    {
        if (session.Left || !reg.Callees.Any(c => c.Session == session)) return;
        Detach(session, reg);
        session.Send(Realm.Error(WampMessageType.Register, requestId, WampErrors.ProcedureAlreadyExists,
            $"register for already registered procedure '{reg.Uri}' (registered on another node at the same moment)"));
    }

    /// <summary>
    /// Cluster: a callee of another node (<paramref name="proxy"/>, Cluster/RealmCluster.cs) joins the registration here, as a
    /// local REGISTER would, without meta events (its own node publishes those). False when it conflicts with this node's
    /// registration of the same procedure (another invocation policy, or single): two nodes raced.
    /// </summary>
    public bool AttachRemote(RouterSession proxy, string uri, UriMatch match, InvokePolicy invoke, bool discloseCaller, long remoteRegistration)
    {
        if (_byUri.TryGetValue((uri, match), out var reg))
        {
            if (reg.Callees.Any(c => c.Session == proxy)) return true;
            if (reg.Invoke == InvokePolicy.Single || invoke != reg.Invoke) return false;
        }
        else
        {
            // The id the first callee's node gave it, so that every node names the registration alike (meta API); a new
            // one only in the unlikely case that it is taken here.
            reg = new Registration(_byId.ContainsKey(remoteRegistration) ? NewId() : remoteRegistration, uri, match, invoke);
            _byUri[(uri, match)] = reg;
            _byId[reg.Id] = reg;
            if (match == UriMatch.Prefix) _prefix.Add(reg);
            else if (match == UriMatch.Wildcard) _wildcard.Add(reg);
        }
        reg.Callees.Add(new CalleeEntry(proxy, discloseCaller, remoteRegistration));
        Peer(proxy).Registrations.Add(reg);
        return true;
    }

    /// <summary>Cluster: a callee of another node left the registration (its node withdrew the registry entry).</summary>
    public void DetachRemote(RouterSession proxy, string uri, UriMatch match)
    {
        if (_byUri.TryGetValue((uri, match), out var reg)) Detach(proxy, reg);
    }

    /// <summary>Cluster: whether <paramref name="callee"/> is still a callee of its registration <paramref name="registration"/>.</summary>
    public bool IsCalleeOf(RouterSession callee, long registration)
        => PeerOrNull(callee)?.Registrations.Any(r => r.Id == registration) == true;

    /// <summary>Cluster: the next INVOCATION id of <paramref name="callee"/>'s sequence, for an invocation relayed from another node.</summary>
    public long NextInvocationId(RouterSession callee) => Peer(callee).NextInvocationId();

    public void Unregister(RouterSession session, UnregisterMessage m)
    {
        if (!_byId.TryGetValue(m.Registration, out var reg) || !reg.Callees.Any(c => c.Session == session))
        {
            session.Send(Realm.Error(WampMessageType.Unregister, m.RequestId, WampErrors.NoSuchRegistration, $"no registration {m.Registration} for this session"));
            return;
        }
        Detach(session, reg);
        session.Send(new UnregisteredMessage(m.RequestId));
    }

    /// <summary>
    /// A new call (Call in Dealer.Progressive.cs has already dealt with progressive continuations and the
    /// protocol errors). Returns false when the call was refused (an ERROR was sent), true when it was
    /// answered by the meta API or an INVOCATION was sent.
    /// </summary>
    private bool StartCall(RouterSession session, CallMessage m, bool progress, DynamicAuthorization.Decided? decided)
    {
        if (!UriValidator.IsValid(m.Procedure, UriCheck))
        {
            session.Send(Realm.Error(WampMessageType.Call, m.RequestId, WampErrors.InvalidUri, $"call with invalid procedure URI '{m.Procedure}' (uri check {UriCheck})"));
            return false;
        }
        if (!PptOptions.TryParse(m.Options, out var ppt, out var pptError))
        {
            session.Send(Realm.Error(WampMessageType.Call, m.RequestId, WampErrors.InvalidArgument, pptError));
            return false;
        }
        var auth = realm.Authorize(session, WampAction.Call, m.Procedure, decided);
        if (!auth.Allowed)
        {
            session.Send(Realm.Error(WampMessageType.Call, m.RequestId, WampErrors.NotAuthorized, $"session is not authorized to call procedure '{m.Procedure}'"));
            return false;
        }
        // Meta procedures are router-owned registrations, answered right here in the loop. The router as their
        // callee supports neither progressive call invocations nor payload passthru mode.
        if (realm.Meta is not null && realm.Meta.IsProcedure(m.Procedure))
        {
            if (progress || ppt is not null)
            {
                session.Send(Realm.Error(WampMessageType.Call, m.RequestId, WampErrors.FeatureNotSupported,
                    $"meta procedure '{m.Procedure}' does not support {(progress ? "progressive call invocations" : "payload passthru mode")}"));
                return false;
            }
            // A cluster: event history holds what other nodes acknowledged once they have sent it here (Cluster/RealmCluster.cs).
            if (m.Procedure == "wamp.subscription.get_events" && realm.Cluster is { } synced && synced.DeferUntilPublicationsSynced(session, m, decided))
                return true;
            // ... and the realm's sessions, registrations and subscriptions are those of every node, known here once caught up with the registry.
            if ((m.Procedure.StartsWith("wamp.session.", StringComparison.Ordinal) || m.Procedure.StartsWith("wamp.registration.", StringComparison.Ordinal)
                 || m.Procedure.StartsWith("wamp.subscription.", StringComparison.Ordinal))
                && realm.Cluster is { } shared
                && shared.DeferUntilCaughtUp(session, m, decided))
                return true;
            realm.Meta.TryHandleCall(session, m);
            return true;
        }

        var reg = Match(m.Procedure);
        // A cluster: a callee confirmed on another node may not have reached this one yet (Cluster/RealmCluster.cs).
        if (reg is null && realm.Cluster is { } cluster && cluster.DeferUntilCaughtUp(session, m, decided)) return true;
        if (reg is null)
        {
            session.Send(Realm.Error(WampMessageType.Call, m.RequestId, WampErrors.NoSuchProcedure, $"no callee registered for procedure '{m.Procedure}'"));
            return false;
        }

        var callee = Pick(reg);
        // Progressive call invocations: "if the Callee does not support progressive call invocations or call
        // cancelling, the call MUST be treated as an application error": wamp.error.feature_not_supported.
        if (progress && !(callee.Session.CalleeProgressiveCallInvocations && callee.Session.CalleeCallCanceling))
        {
            session.Send(Realm.Error(WampMessageType.Call, m.RequestId, WampErrors.FeatureNotSupported,
                $"the callee of '{m.Procedure}' does not support progressive call invocations (with call canceling)"));
            return false;
        }
        // Payload passthru mode: routed to a callee that did not announce it: application error, feature_not_supported.
        if (ppt is not null && !callee.Session.CalleePayloadPassthru)
        {
            session.Send(Realm.Error(WampMessageType.Call, m.RequestId, WampErrors.FeatureNotSupported,
                $"the callee of '{m.Procedure}' does not support payload passthru mode"));
            return false;
        }
        var calleePeer = Peer(callee.Session);
        long invocationId = calleePeer.NextInvocationId();
        // INVOCATION.Details: most calls have none, and then share WampValue.NoDetails (no dict per call).
        Dictionary<string, object?>? details = null;
        // Pattern-based registrations: INVOCATION.Details.procedure carries the concrete procedure.
        if (reg.Match != UriMatch.Exact) (details ??= [])["procedure"] = m.Procedure;
        // Progressive call results: the caller asks with receive_progress; the callee is told the same.
        bool receiveProgress = m.Options.GetBool("receive_progress");
        if (receiveProgress) (details ??= [])["receive_progress"] = true;
        // Caller identification: disclose_me, the role's disclose.caller, or the callee's disclose_caller.
        if (auth.Disclose || m.Options.GetBool("disclose_me") || callee.DiscloseCaller)
        {
            details ??= [];
            details["caller"] = session.Id;
            details["caller_authid"] = session.AuthId;
            details["caller_authrole"] = session.AuthRole;
        }
        // Call timeout: options.timeout in ms, 0 (default) = none. The dealer runs the timer; the callee is told too.
        long timeout = m.Options.GetInt64("timeout") ?? 0;
        if (timeout > 0) (details ??= [])["timeout"] = timeout;
        // Payload passthru mode: ppt_* of the CALL are forwarded in INVOCATION.Details.
        if (ppt is not null) ppt.CopyTo(details ??= []);

        long calleeRegistration = callee.RemoteRegistration ?? reg.Id;
        var pending = new RoutedCall(session, m.RequestId, callee.Session, invocationId, reg, receiveProgress, timeout) { CalleeRegistration = calleeRegistration };
        if (progress)
        {
            // Progressive call invocations: the options of this initiating CALL hold for the whole call (frozen),
            // so its INVOCATION.Details are kept for the following INVOCATIONs; only progress changes.
            pending.InvocationsOpen = true;
            pending.BaseDetails = details is null ? [] : new Dictionary<string, object?>(details);
            (details ??= [])["progress"] = true;
        }
        Peer(session).Calls[m.RequestId] = pending;
        calleePeer.Invocations[invocationId] = pending;
        // The timer only posts to the loop; the loop decides (OnTimeout ignores a call answered meanwhile).
        if (timeout > 0)
            pending.Timer = realm.Time.CreateTimer(
                static state => { var p = (RoutedCall)state!; p.Caller.Realm?.Post(new CallTimeoutCommand(p)); },
                pending, TimeSpan.FromMilliseconds(timeout), Timeout.InfiniteTimeSpan);
        callee.Session.Send(new InvocationMessage(invocationId, calleeRegistration, details ?? WampValue.NoDetails, m.Arguments, m.ArgumentsKw));
        Metrics.RouterMetrics.CallRouted(realm.Name);
        return true;
    }

    public void Yield(RouterSession session, YieldMessage m)
    {
        // Payload passthru mode: a YIELD with ppt_scheme from a callee that did not announce payload_passthru_mode
        // "MUST be treated as PROTOCOL ERROR".
        if (PptOptions.IsRequested(m.Options) && !session.CalleePayloadPassthru)
        {
            realm.Abort(session, WampErrors.ProtocolViolation, "YIELD with ppt_scheme, but the callee did not announce payload_passthru_mode");
            return;
        }
        // YIELD for an unknown (finished, canceled, timed out) invocation is ignored, unless it answers another node's call.
        if (PeerOrNull(session) is not { } peer || !peer.Invocations.TryGetValue(m.RequestId, out var p))
        {
            realm.Cluster?.RelayAnswer(session, m);
            return;
        }
        bool progress = m.Options.GetBool("progress");
        Dictionary<string, object?>? details = progress ? new() { ["progress"] = true } : null;
        if (PptOptions.IsRequested(m.Options))
        {
            // Payload passthru mode: ppt_* of the YIELD are forwarded in RESULT.Details. A caller that did not announce
            // the feature: "the Dealer MUST respond to the Callee with wamp.error.feature_not_supported" (and, so that
            // nobody waits forever, the call fails for the caller too).
            string? error = null, message = null;
            if (!PptOptions.TryParse(m.Options, out var ppt, out var pptError)) (error, message) = (WampErrors.InvalidArgument, pptError);
            else if (!p.Caller.CallerPayloadPassthru) (error, message) = (WampErrors.FeatureNotSupported, "the caller does not support payload passthru mode");
            if (error is not null)
            {
                Complete(p, error);
                session.Send(Realm.Error(WampMessageType.Yield, m.RequestId, error, message!));
                p.Caller.Send(Realm.Error(WampMessageType.Call, p.CallRequestId, error, message!));
                return;
            }
            ppt!.CopyTo(details ??= new Dictionary<string, object?>());
        }
        if (progress)
        {
            // Progressive call results: forwarded as RESULT with details.progress, the call stays pending.
            // A caller that did not ask for progress gets only the final result.
            if (p.ReceiveProgress) p.Caller.Send(new ResultMessage(p.CallRequestId, details!, m.Arguments, m.ArgumentsKw));
            return;
        }
        Complete(p, error: null);
        p.Caller.Send(new ResultMessage(p.CallRequestId, details ?? WampValue.NoDetails, m.Arguments, m.ArgumentsKw));
    }

    public void CalleeError(RouterSession session, ErrorMessage m)
    {
        // ERROR for an unknown invocation is ignored (unless it answers another node's call); otherwise forwarded to the caller with its payload.
        if (PeerOrNull(session) is not { } peer || !peer.Invocations.TryGetValue(m.RequestId, out var p))
        {
            realm.Cluster?.RelayAnswer(session, m);
            return;
        }
        Complete(p, m.Error);
        p.Caller.Send(new ErrorMessage(WampMessageType.Call, p.CallRequestId, m.Details, m.Error, m.Arguments, m.ArgumentsKw));
    }

    public void Cancel(RouterSession session, CancelMessage m)
    {
        // CANCEL for a call that already finished is ignored.
        if (PeerOrNull(session) is not { } peer || !peer.Calls.TryGetValue(m.RequestId, out var p)) return;
        // Call canceling: mode defaults to killnowait (as Crossbar).
        if (!WampOptionNames.TryParseCancel(m.Options, CancelMode.KillNoWait, out var mode))
        {
            session.Send(Realm.Error(WampMessageType.Cancel, m.RequestId, WampErrors.InvalidArgument, $"invalid cancel mode '{m.Options.GetValueOrDefault("mode")}'"));
            return;
        }
        // Call canceling: a callee that does not support call_canceling gets "skip" behaviour.
        if (!p.Callee.CalleeCallCanceling) mode = CancelMode.Skip;
        switch (mode)
        {
            case CancelMode.Skip:
                // ERROR to the caller at once, no INTERRUPT; the callee's later answer is discarded.
                Complete(p, WampErrors.Canceled);
                p.Caller.Send(Realm.Error(WampMessageType.Call, p.CallRequestId, WampErrors.Canceled, "call canceled by the caller (skip)"));
                break;
            case CancelMode.KillNoWait:
                // INTERRUPT to the callee and ERROR to the caller at once; the callee's answer is discarded.
                Complete(p, WampErrors.Canceled);
                p.Callee.Send(new InterruptMessage(p.InvocationId, new Dictionary<string, object?> { ["mode"] = "killnowait" }));
                p.Caller.Send(Realm.Error(WampMessageType.Call, p.CallRequestId, WampErrors.Canceled, "call canceled by the caller (killnowait)"));
                break;
            case CancelMode.Kill:
                // INTERRUPT to the callee; the caller gets the callee's ERROR (or RESULT) when it comes.
                if (p.KillRequested) return;
                p.KillRequested = true;
                p.Callee.Send(new InterruptMessage(p.InvocationId, new Dictionary<string, object?> { ["mode"] = "kill" }));
                break;
        }
    }

    /// <summary>Call timeout fired: INTERRUPT the callee (if it can be interrupted) and ERROR wamp.error.timeout to the caller.</summary>
    public void OnTimeout(RoutedCall p)
    {
        if (p.Completed) return;
        Complete(p, WampErrors.Timeout);
        if (p.Callee.CalleeCallCanceling)
            p.Callee.Send(new InterruptMessage(p.InvocationId, new Dictionary<string, object?> { ["mode"] = "killnowait", ["reason"] = WampErrors.Timeout }));
        p.Caller.Send(Realm.Error(WampMessageType.Call, p.CallRequestId, WampErrors.Timeout, $"call timed out after {p.TimeoutMs} ms"));
    }

    public void RemoveSession(RouterSession session)
    {
        if (PeerOrNull(session) is not { } peer) return;
        // A callee leaving: its in-flight calls fail at once (as Crossbar: wamp.error.canceled), no caller hangs.
        foreach (var p in peer.Invocations.Values.ToList())
        {
            Complete(p, WampErrors.Canceled);
            p.Caller.Send(Realm.Error(WampMessageType.Call, p.CallRequestId, WampErrors.Canceled, "callee disconnected from in-flight request"));
        }
        // A caller leaving: its pending invocations are interrupted when the callee supports call canceling.
        foreach (var p in peer.Calls.Values.ToList())
        {
            Complete(p, WampErrors.Canceled);
            if (p.Callee.CalleeCallCanceling)
                p.Callee.Send(new InterruptMessage(p.InvocationId, new Dictionary<string, object?> { ["mode"] = "killnowait", ["reason"] = WampErrors.Canceled }));
        }
        foreach (var reg in peer.Registrations.ToList()) Detach(session, reg);
        _peers.Remove(session.Id);
    }

    /// <summary>Ends a routed call (error: the URI its caller gets, null for a result) and records its duration.</summary>
    private void Complete(RoutedCall p, string? error)
    {
        if (p.Completed) return;
        p.Completed = true;
        Metrics.RouterMetrics.CallEnded(realm.Name, p.Callee.Id, p.Started, error);
        p.Timer?.Dispose();
        if (PeerOrNull(p.Caller) is { } caller)
        {
            caller.Calls.Remove(p.CallRequestId);
            // Progressive call invocations: the call ended before the caller's final CALL; its remaining CALLs are dropped.
            if (p.InvocationsOpen) caller.EndedProgressiveCalls.Add(p.CallRequestId);
        }
        p.InvocationsOpen = false;
        PeerOrNull(p.Callee)?.Invocations.Remove(p.InvocationId);
    }

    private void Detach(RouterSession session, Registration reg)
    {
        reg.Callees.RemoveAll(c => c.Session == session);
        PeerOrNull(session)?.Registrations.Remove(reg);
        // A remote callee's meta events are its own node's; a local callee's entry leaves the cluster registry.
        if (!session.IsRemote) realm.Meta?.OnUnregister(session, reg);
        if (reg.Callees.Count == 0)
        {
            _byUri.Remove((reg.Uri, reg.Match));
            _byId.Remove(reg.Id);
            if (reg.Match == UriMatch.Prefix) _prefix.Remove(reg);
            else if (reg.Match == UriMatch.Wildcard) _wildcard.Remove(reg);
            if (!session.IsRemote) realm.Meta?.OnRegistrationDelete(session, reg);
        }
        // Last: withdrawing lets another node's conflicting registration in, which needs this one gone.
        if (!session.IsRemote) realm.Cluster?.Withdraw(session, reg);
    }

    /// <summary>Shared registrations: choose the callee by the registration's invocation policy.</summary>
    private static CalleeEntry Pick(Registration reg)
    {
        var callees = reg.Callees;
        switch (reg.Invoke)
        {
            case InvokePolicy.Last:
                return callees[^1];
            case InvokePolicy.RoundRobin:
                if (reg.RoundRobinNext >= callees.Count) reg.RoundRobinNext = 0;
                return callees[reg.RoundRobinNext++];
            case InvokePolicy.Random:
                return callees[Random.Shared.Next(callees.Count)];
            default: // single, first
                return callees[0];
        }
    }

    /// <summary>
    /// Pattern-based registrations, "calls matching multiple registrations": exact first, then the
    /// longest prefix, then the most specific wildcard (longest run of components before each wildcard).
    /// </summary>
    public Registration? Match(string procedure)
    {
        if (_byUri.TryGetValue((procedure, UriMatch.Exact), out var exact)) return exact;
        Registration? best = null;
        foreach (var reg in _prefix)
        {
            if (UriMatcher.PrefixMatches(reg.Uri, procedure) && (best is null || reg.Uri.Length > best.Uri.Length)) best = reg;
        }
        if (best is not null) return best;
        foreach (var reg in _wildcard)
        {
            if (UriMatcher.WildcardMatches(reg.Uri, procedure) && (best is null || UriMatcher.CompareWildcardSpecificity(reg.Uri, best.Uri) > 0)) best = reg;
        }
        return best;
    }

    private long NewId()
    {
        long id;
        do id = WampIds.NewGlobalId(); while (_byId.ContainsKey(id));
        return id;
    }

    // ----- queries for the registration meta API -----

    public IEnumerable<Registration> All => _byId.Values;

    public Registration? Get(long id) => _byId.GetValueOrDefault(id);

    public Registration? Lookup(string procedure, UriMatch match) => _byUri.GetValueOrDefault((procedure, match));
}
