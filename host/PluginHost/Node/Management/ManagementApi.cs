using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using PluginHost.Abstractions;
using PluginHost.Node.Status;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Metrics;
using PluginHost.Wamp.Router;

namespace PluginHost.Node.Management;

// MANAGEMENT DESIGN
//
// Crossbar's management API, by Crossbar's names where Crossbar has them, on one realm of a router worker
// (options.management_realm): the node's status and workers (crossbar.get_status, crossbar.get_workers,
// crossbar.get_worker), a worker's details under crossbar.worker.<id>. (get_router_realms, get_router_realm,
// get_router_realm_sessions, get_router_realm_stats, get_router_realm_registrations, get_router_realm_subscriptions,
// get_router_components, get_router_component, get_router_stats, kill_session, start_/stop_/reload_router_component for this router;
// get_container_components and
// start_/stop_/reload_container_component for any container, the last three carried out by the container's process
// through the controller: ControllerRequests.cs; a start with a component's configuration adds the component to the
// node's configuration, which the controller owns and checks: Config/ConfigEdits.cs), and the event
// crossbar.on_status whenever the node's status changes.
//
// The procedures are registered by an ordinary session of the router worker, joined in process in role "trusted" (it
// may register crossbar.*; WampRouter.ConnectInProcessTrusted), so every caller is authorized by its role like for any
// other URI: a realm whose roles do not grant crossbar.* keeps the API to itself. What the handlers read is the node's
// status as the controller handed it to this worker (Status/NodeStatusView.cs) and this router's own realms
// (RouterMetrics' joined-session counts; the meta API of each realm, reached through a trusted in-process session per
// realm, opened on first use). Nothing here owns routing state: the realms' loops stay the only owners.
/// <summary>The management procedures and events of one router worker (see MANAGEMENT DESIGN above).</summary>
/// <param name="routerComponents">This router's own components: start, stop or reload one (RouterWorker.ControlAsync).</param>
internal sealed class ManagementApi(WampRouter router, string workerId, string realm, Workers.ControlChannel control,
    Func<string, string, Task<string?>> routerComponents, ILogger log) : IAsyncDisposable
{
    private const string WorkerPrefix = "crossbar.worker.";
    private readonly ConcurrentDictionary<string, Lazy<Task<WampSession>>> _realmSessions = new(StringComparer.Ordinal);
    private WampSession? _session;

    public async Task StartAsync(CancellationToken ct)
    {
        _session = await RealmSessionAsync(realm).WaitAsync(ct);
        await _session.RegisterAsync("crossbar.get_status", (_, _) => Answer(Json(Status())), cancellationToken: ct);
        await _session.RegisterAsync("crossbar.get_workers", (_, _) => Answer(Json(Status().Workers)), cancellationToken: ct);
        await _session.RegisterAsync("crossbar.get_worker", (call, _) => Answer(Json(Worker(Argument(call, 0, "worker id")))), cancellationToken: ct);
        await _session.RegisterAsync(WorkerPrefix, WorkerProcedureAsync, new RegisterOptions { Match = UriMatch.Prefix }, ct);
        NodeStatusView.Changed += PublishStatus;
        log.LogInformation("Router '{Worker}': management API (crossbar.*) on realm '{Realm}'", workerId, realm);
    }

    /// <summary>crossbar.worker.&lt;id&gt;.&lt;what&gt;: <c>what</c> for worker <c>id</c> (worker ids have no dots).</summary>
    private async ValueTask<WampResult?> WorkerProcedureAsync(WampInvocation call, CancellationToken ct)
    {
        var rest = call.Procedure[WorkerPrefix.Length..];
        int dot = rest.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0) throw NoSuchProcedure(call.Procedure);
        var (id, what) = (rest[..dot], rest[(dot + 1)..]);
        var worker = Worker(id);
        switch (what)
        {
            case "get_container_components" when worker.Type == "container":
                return Json(worker.Components);
            // The container's own process does it: the controller carries the request there and the answer back.
            case "start_container_component" or "stop_container_component" or "reload_container_component" when worker.Type == "container":
                return await ControlComponentAsync(call, id, what, (action, component, json) => ControllerRequests.SendAsync(control, id, action, component, ct, json));
            // In this process; a component to add goes through the controller, which owns the node's configuration.
            case "start_router_component" or "stop_router_component" or "reload_router_component" when id == workerId:
                return await ControlComponentAsync(call, id, what, (action, component, json) => json is null
                    ? routerComponents(action, component)
                    : ControllerRequests.SendAsync(control, id, action, component, ct, json));
            case "get_router_realms" when id == workerId:
                return new WampResult([JoinedSessions().Keys.ToList<object?>()]);
            case "get_router_realm" when id == workerId:
            {
                var name = Argument(call, 0, "realm name");
                if (!JoinedSessions().TryGetValue(name, out var sessions)) throw NoSuchRealm(name);
                return new WampResult([new Dictionary<string, object?> { ["name"] = name, ["sessions"] = sessions }]);
            }
            case "get_router_realm_sessions" when id == workerId:
            {
                var name = Argument(call, 0, "realm name");
                if (!JoinedSessions().ContainsKey(name)) throw NoSuchRealm(name);
                var session = await RealmSessionAsync(name).WaitAsync(ct);
                return await session.CallAsync("wamp.session.list", cancellationToken: ct);
            }
            case "get_router_components" when id == workerId:
                return Json(worker.Components);
            case "get_router_component" when id == workerId:
            {
                var component = Argument(call, 0, "component id");
                return Json(worker.Components.FirstOrDefault(c => c.Id == component)
                    ?? throw new WampException("crossbar.error.no_such_object", [$"no component '{component}' on router '{workerId}'"]));
            }
            // Registrations and subscriptions of a realm: its meta API (wamp.registration.* / wamp.subscription.*) asked
            // through this worker's trusted session on that realm, one answer per entry with its callees / subscribers.
            case "get_router_realm_registrations" when id == workerId:
                return new WampResult([await ListAsync(call, "registration", "list_callees", "callees", ct)]);
            case "get_router_realm_subscriptions" when id == workerId:
                return new WampResult([await ListAsync(call, "subscription", "list_subscribers", "subscribers", ct)]);
            case "get_router_realm_stats" when id == workerId:
            {
                var name = Argument(call, 0, "realm name");
                var sessions = JoinedSessions().TryGetValue(name, out var joined) ? joined : throw NoSuchRealm(name);
                var session = await RealmSessionAsync(name).WaitAsync(ct);
                return new WampResult([new Dictionary<string, object?>
                {
                    ["name"] = name,
                    ["sessions"] = sessions,
                    ["registrations"] = await CountAsync(session, "wamp.registration.list", ct),
                    ["subscriptions"] = await CountAsync(session, "wamp.subscription.list", ct),
                }]);
            }
            case "get_router_stats" when id == workerId:
            {
                var (calls, published, delivered) = RouterMetrics.Totals();
                return new WampResult([new Dictionary<string, object?>
                {
                    ["calls"] = calls,
                    ["events_published"] = published,
                    ["events_delivered"] = delivered,
                    ["sessions"] = JoinedSessions().ToDictionary(r => r.Key, r => (object?)r.Value),
                }]);
            }
            case "kill_session" when id == workerId:
                return await KillSessionAsync(call, ct);
            default:
                throw NoSuchProcedure(call.Procedure);
        }
    }

    /// <summary>
    /// start_/stop_/reload_…_component(component, config?): <paramref name="run"/> does it (action, component, the
    /// configuration of a component to add as JSON) and says why not. As in Crossbar, a start may bring the component's
    /// configuration (a dict, Crossbar's component config): the component is added to the node's configuration. The
    /// answer is the component; a refusal crossbar.error.invalid_configuration (the configuration, with its JSON path)
    /// or crossbar.error.component_control.
    /// </summary>
    private async Task<WampResult> ControlComponentAsync(WampInvocation call, string worker, string what, Func<string, string, string?, Task<string?>> run)
    {
        var action = what[..what.IndexOf('_', StringComparison.Ordinal)];
        var component = Argument(call, 0, "component id");
        if (component.Length == 0 || component.Any(char.IsWhiteSpace))
            throw new WampException(WampErrors.InvalidArgument, [$"'{component}' is not a component id (empty, or has white space)"]);
        string? json = null;
        if (call.Args.Count > 1 && call.Args[1] is not null)
        {
            if (call.Args[1] is not IReadOnlyDictionary<string, object?> config || action != "start")
                throw new WampException(WampErrors.InvalidArgument, [$"{what} takes a component's configuration (a dict) as argument 1{(action == "start" ? "" : ", with a start only")}"]);
            json = JsonSerializer.Serialize(config);
        }
        if (await run(action, component, json) is { } error)
            throw new WampException(error.StartsWith(Workers.WorkerProtocol.InvalidConfiguration, StringComparison.Ordinal)
                ? "crossbar.error.invalid_configuration" : "crossbar.error.component_control", [error]);
        log.LogInformation("Router '{Worker}': {Action} of component '{Component}' of worker '{Target}' through the management API",
            workerId, action, component, worker);
        return new WampResult([component]);
    }

    /// <summary>
    /// A realm's registrations or subscriptions (<paramref name="kind"/>) as the meta API describes each (wamp.KIND.get:
    /// id, created, uri, match, and invoke for a registration) plus its sessions (wamp.KIND.<paramref name="members"/>).
    /// </summary>
    private async Task<List<object?>> ListAsync(WampInvocation call, string kind, string members, string key, CancellationToken ct)
    {
        var name = Argument(call, 0, "realm name");
        if (!JoinedSessions().ContainsKey(name)) throw NoSuchRealm(name);
        var session = await RealmSessionAsync(name).WaitAsync(ct);
        var entries = new List<object?>();
        foreach (var entryId in await IdsAsync(session, $"wamp.{kind}.list", ct))
        {
            try
            {
                var details = (await session.CallAsync($"wamp.{kind}.get", [entryId], cancellationToken: ct)).Args[0] as IReadOnlyDictionary<string, object?>;
                var entry = details is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(details);
                entry[key] = (await session.CallAsync($"wamp.{kind}.{members}", [entryId], cancellationToken: ct)).Args[0];
                entries.Add(entry);
            }
            catch (WampException e) when (e.Error is WampErrors.NoSuchRegistration or WampErrors.NoSuchSubscription) { } // gone meanwhile
        }
        return entries;
    }

    /// <summary>The ids in a meta API list answer (<c>{exact: [...], prefix: [...], wildcard: [...]}</c>).</summary>
    private static async Task<List<long>> IdsAsync(WampSession session, string procedure, CancellationToken ct)
        => (await session.CallAsync(procedure, cancellationToken: ct)).Args[0] is IReadOnlyDictionary<string, object?> lists
            ? [.. lists.Values.OfType<IEnumerable<object?>>().SelectMany(ids => ids).Select(id => Convert.ToInt64(id, System.Globalization.CultureInfo.InvariantCulture))]
            : [];

    private static async Task<long> CountAsync(WampSession session, string procedure, CancellationToken ct) => (await IdsAsync(session, procedure, ct)).Count;

    /// <summary>kill_session(session_id, reason?, message?): wamp.session.kill on the realm the session is joined to.</summary>
    private async Task<WampResult?> KillSessionAsync(WampInvocation call, CancellationToken ct)
    {
        if (call.Args.Count == 0 || call.Args[0] is not (long or int)) throw new WampException(WampErrors.InvalidArgument, ["kill_session expects a session id"]);
        var target = Convert.ToInt64(call.Args[0], System.Globalization.CultureInfo.InvariantCulture);
        var kwargs = new Dictionary<string, object?>();
        if (call.Args.Count > 1 && call.Args[1] is string reason) kwargs["reason"] = reason;
        if (call.Args.Count > 2 && call.Args[2] is string message) kwargs["message"] = message;
        foreach (var name in JoinedSessions().Keys)
        {
            var session = await RealmSessionAsync(name).WaitAsync(ct);
            if (target == session.SessionId) continue;
            try
            {
                await session.CallAsync("wamp.session.kill", [target], kwargs, cancellationToken: ct);
                log.LogInformation("Router '{Worker}': session {Session} on realm '{Realm}' killed through the management API", workerId, target, name);
                return new WampResult([name]);
            }
            catch (WampException e) when (e.Error == WampErrors.NoSuchSession) { }
        }
        throw new WampException(WampErrors.NoSuchSession, [$"no session {target} on this router"]);
    }

    // The status before the latest (stdin reader thread only): Crossbar's events are told apart by comparing the two.
    private NodeStatus? _previous;

    private void PublishStatus(NodeStatus status)
    {
        var previous = _previous;
        _previous = status;
        if (_session is not { IsOpen: true } session) return;
        Publish(session, "crossbar.on_status", JsonSerializer.SerializeToElement(status, NodeStatus.Json));
        foreach (var (topic, payload) in StatusEvents.Between(previous, status)) Publish(session, topic, payload);
    }

    private void Publish(WampSession session, string topic, object payload)
        => _ = session.PublishAsync(topic, [payload]).ContinueWith(t => log.LogDebug(t.Exception, "{Topic} not published", topic),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    /// <summary>A trusted session on <paramref name="name"/>, joined once.</summary>
    private Task<WampSession> RealmSessionAsync(string name) => _realmSessions.GetOrAdd(name, n => new Lazy<Task<WampSession>>(
        () => WampSession.JoinAsync(router.ConnectInProcessTrusted(), n, new WampJoinOptions { AuthId = $"management-{workerId}", AuthMethods = ["anonymous"] }))).Value;

    private static NodeStatus Status() => NodeStatusView.Latest
        ?? throw new WampException("crossbar.error.not_ready", ["this router worker has no status from the node controller yet"]);

    private static WorkerStatus Worker(string id) => Status().Workers.FirstOrDefault(w => w.Id == id)
        ?? throw new WampException("crossbar.error.no_such_worker", [$"no worker with ID '{id}'"]);

    private static IReadOnlyDictionary<string, long> JoinedSessions() => RouterMetrics.JoinedSessionsByRealm();

    private static string Argument(WampInvocation call, int index, string what)
        => call.Args.Count > index && call.Args[index] is string s ? s : throw new WampException(WampErrors.InvalidArgument, [$"expected the {what} as argument {index}"]);

    private static WampResult Json<T>(T value) => new([JsonSerializer.SerializeToElement(value, NodeStatus.Json)]);
    private static ValueTask<WampResult?> Answer(WampResult result) => ValueTask.FromResult<WampResult?>(result);
    private static WampException NoSuchProcedure(string uri) => new(WampErrors.NoSuchProcedure, [$"no management procedure '{uri}'"]);
    private static WampException NoSuchRealm(string name) => new("crossbar.error.no_such_realm", [$"no realm '{name}' on this router"]);

    public async ValueTask DisposeAsync()
    {
        NodeStatusView.Changed -= PublishStatus;
        foreach (var session in _realmSessions.Values)
        {
            try { await (await session.Value).DisposeAsync(); }
            catch (Exception e) { log.LogDebug(e, "management session did not close cleanly"); }
        }
    }
}
