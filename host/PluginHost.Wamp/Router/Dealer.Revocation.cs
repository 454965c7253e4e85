using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Router;

internal sealed partial class Dealer
{
    /// <summary>
    /// Registration revocation (wamp.registration.remove_callee): detaches <paramref name="callee"/> from <paramref name="reg"/> with
    /// the meta events of a normal unregister (on_unregister, and on_delete if it was the last callee), then tells it with
    /// [UNREGISTERED, 0, {registration, reason?}]. rpc_registration_revocation.md leaves the announcement open ("TBD"); as for
    /// subscriptions (and as Crossbar's removeCallee does) only a callee that announced callee feature registration_revocation
    /// gets the message. Calls already invoked on it still complete. No reason given: no Details.reason (as Crossbar).
    /// </summary>
    public void RemoveCallee(Registration reg, RouterSession callee, string? reason)
    {
        Detach(callee, reg);
        if (!callee.CalleeRegistrationRevocation) return;
        var details = new Dictionary<string, object?> { ["registration"] = reg.Id };
        if (reason is not null) details["reason"] = reason;
        callee.Send(new UnregisteredMessage(0, details));
    }
}
