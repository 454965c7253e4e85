using PluginHost.Wamp.Client;
using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Router;

/// <summary>The dynamic authorizer answered (or failed) for a session's parked action: resumes it in the loop.</summary>
internal sealed class AuthorizedCommand(RouterSession session, WampMessage message, DynamicAuthorization.Decided? decided, string? failure) : RealmCommand
{
    public RouterSession Session { get; } = session;
    public WampMessage Message { get; } = message;
    public DynamicAuthorization.Decided? Decided { get; } = decided;
    public string? Failure { get; } = failure;
}

/// <summary>
/// Dynamic authorization (Crossbar's RouterRoleDynamicAuth, router/role.py): a role with an <c>authorizer</c> has
/// every CALL, REGISTER, PUBLISH and SUBSCRIBE of its sessions authorized by calling that procedure on the realm,
/// over the realm's service session, with (session details, uri, action, options). The answer is a bool or a dict
/// {allow: bool, disclose?: bool, cache?: bool} (other keys or non-bool values are an error, as in Crossbar);
/// disclose applies to calls (caller) and publications (publisher). Decisions are not cached: Crossbar announces
/// "cache" but its router does not cache either, so every action asks (the key is accepted and ignored).
///
/// The realm loop never waits (CONCURRENCY DESIGN, Realm.cs): the action is parked, the call runs off the loop, and
/// an <see cref="AuthorizedCommand"/> brings the decision back to the loop, which then routes the action as the
/// static path would (with the authorizer's decision). The session's later messages (of any kind) queue behind
/// it in order until it is decided, so a session's messages keep their order; other sessions are unaffected.
/// An ERROR from the authorizer (including wamp.error.no_such_procedure when nobody registered it) or no answer
/// within RouterOptions.DynamicAuthTimeout is ERROR wamp.error.authorization_failed, with Crossbar's messages.
/// </summary>
internal sealed class DynamicAuthorization(Realm realm)
{
    private static readonly HashSet<string> ResultKeys = ["allow", "disclose", "cache"];

    // Sessions with an action waiting for the authorizer, by session id: the messages that came after it, in order.
    // Loop-owned; an entry lives from TryPark to Resume, or until the session leaves (Forget).
    private readonly Dictionary<long, Queue<WampMessage>> _parked = new();

    /// <summary>The authorizer's decision for (action, uri), handed down the dispatch of the action it was asked for.</summary>
    internal sealed record Decided(WampAction Action, string Uri, AuthDecision Decision);

    /// <summary>In the loop: true when <paramref name="message"/> was taken (queued behind a pending authorization, or parked for its own).</summary>
    public bool TryPark(RouterSession session, WampMessage message)
    {
        if (_parked.TryGetValue(session.Id, out var queue))
        {
            queue.Enqueue(message);
            return true;
        }
        if (session.IsTrusted || realm.Authorizer.DynamicAuthorizer(session.AuthRole) is not { } procedure) return false;
        (WampAction Action, string Uri, IReadOnlyDictionary<string, object?> Options)? action = message switch
        {
            // A progressive call's continuation belongs to a call already authorized.
            CallMessage m when !realm.Dealer.IsPendingCall(session, m.RequestId) => (WampAction.Call, m.Procedure, m.Options),
            RegisterMessage m => (WampAction.Register, m.Procedure, m.Options),
            PublishMessage m => (WampAction.Publish, m.Topic, m.Options),
            SubscribeMessage m => (WampAction.Subscribe, m.Topic, m.Options),
            _ => null,
        };
        if (action is not { } a) return false;
        _parked[session.Id] = new Queue<WampMessage>();
        // Crossbar's details for the authorizer (RouterRoleDynamicAuth.authorize), built here: session fields are loop-owned.
        var details = new Dictionary<string, object?>
        {
            ["session"] = session.Id,
            ["authid"] = session.AuthId,
            ["authrole"] = session.AuthRole,
            ["authmethod"] = session.AuthMethod,
            ["authprovider"] = session.AuthProvider,
            ["authextra"] = session.AuthExtra,
            ["transport"] = session.Transport.ToDict(),
        };
        object?[] args = [details, a.Uri, a.Action.ToString().ToLowerInvariant(), a.Options];
        _ = Task.Run(() => AuthorizeAsync(realm, session, message, procedure, a.Action, a.Uri, args), CancellationToken.None);
        return true;
    }

    private static async Task AuthorizeAsync(Realm realm, RouterSession session, WampMessage message, string procedure,
        WampAction action, string uri, object?[] args)
    {
        Decided? decided = null;
        string? failure;
        try
        {
            var result = await realm.Service.CallAsync(procedure, args, realm.DynamicAuthTimeout, CancellationToken.None).ConfigureAwait(false);
            failure = Parse(result.Args.Count > 0 ? result.Args[0] : null, out var decision);
            if (failure is null) decided = new Decided(action, uri, decision);
        }
        catch (WampException e)
        {
            failure = e.Args.Count > 0 ? $"{e.Error}: {e.Args[0]}" : e.Error;
        }
        catch (Exception e)
        {
            failure = e.Message;
        }
        await realm.PostAsync(new AuthorizedCommand(session, message, decided, failure)).ConfigureAwait(false);
    }

    /// <summary>Crossbar's sanity_check of the authorizer's answer. Returns the error, or null with the decision.</summary>
    internal static string? Parse(object? answer, out AuthDecision decision)
    {
        decision = default;
        switch (answer)
        {
            case bool allow:
                decision = new AuthDecision(allow, false);
                return null;
            case IReadOnlyDictionary<string, object?> dict:
                if (dict.Keys.FirstOrDefault(k => !ResultKeys.Contains(k)) is { } unknown) return $"Authorizer returned unknown key '{unknown}'";
                if (!dict.TryGetValue("allow", out var a)) return "Authorizer must have 'allow' in returned dict";
                if (dict.FirstOrDefault(kv => kv.Value is not bool) is { Key: { } bad }) return $"Authorizer must have bool for '{bad}'";
                bool disclose = dict.TryGetValue("disclose", out var d) && (bool)d!;
                decision = new AuthDecision((bool)a!, (bool)a! && disclose);
                return null;
            default:
                return $"Authorizer returned unknown type '{answer?.GetType().Name ?? "null"}'";
        }
    }

    /// <summary>In the loop: route the parked action with its decision, then the session's queued messages in order.</summary>
    public void Resume(AuthorizedCommand c)
    {
        var session = c.Session;
        if (!_parked.Remove(session.Id, out var queue) || !session.Joined || session.Left) return;
        if (c.Failure is { } failure) SendFailure(session, c.Message, failure);
        else realm.Dispatch(session, c.Message, c.Decided);
        while (queue.Count > 0 && !session.Left)
        {
            var next = queue.Dequeue();
            if (TryPark(session, next))
            {
                // next waits for its own authorizer: the rest stays behind it.
                var behind = _parked[session.Id];
                while (queue.Count > 0) behind.Enqueue(queue.Dequeue());
                return;
            }
            realm.Dispatch(session, next);
        }
    }

    /// <summary>The session left: whatever it had waiting for the authorizer is dropped (a late answer finds nothing).</summary>
    public void Forget(RouterSession session) => _parked.Remove(session.Id);

    /// <summary>Crossbar's on_authorize_error replies: ERROR wamp.error.authorization_failed (a PUBLISH only when acknowledged).</summary>
    private static void SendFailure(RouterSession session, WampMessage message, string failure)
    {
        var (type, id, what) = message switch
        {
            CallMessage m => (WampMessageType.Call, m.RequestId, $"calling procedure '{m.Procedure}'"),
            RegisterMessage m => (WampMessageType.Register, m.RequestId, $"registering procedure '{m.Procedure}'"),
            SubscribeMessage m => (WampMessageType.Subscribe, m.RequestId, $"subscribing to topic '{m.Topic}'"),
            PublishMessage m when m.Options.GetBool("acknowledge") => (WampMessageType.Publish, m.RequestId, $"publishing to topic '{m.Topic}'"),
            _ => (default(WampMessageType), 0L, ""),
        };
        if (id != 0)
            session.Send(Realm.Error(type, id, WampErrors.AuthorizationFailed, $"failed to authorize session for {what}: {failure}"));
    }
}
