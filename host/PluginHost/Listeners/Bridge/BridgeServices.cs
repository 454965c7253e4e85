using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PluginHost.Wamp.Router;

namespace PluginHost.Listeners.Bridge;

/// <summary>
/// The HTTP bridge services of a set of transports and their embedded sessions: created while the HTTP pipelines
/// are built, joined before the transports listen, left when the transports stop.
/// </summary>
internal sealed class BridgeServices(WampRouter? router, ILogger log, TimeProvider? time = null) : IAsyncDisposable
{
    private readonly List<BridgeSession> _sessions = [];
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public RequestDelegate Create(BridgePathConfig config)
    {
        if (router is null)
            throw new InvalidOperationException("HTTP bridge services (publisher, caller, webhook) need a router: start the transports with a WampRouter");
        var session = new BridgeSession(router, config.Realm, config.Role, log);
        _sessions.Add(session);
        BridgeService service = config switch
        {
            PublisherPathConfig p => new PublisherService(p, session, log, _time),
            CallerPathConfig c => new CallerService(c, session, log, _time),
            WebhookPathConfig w => new WebhookService(w, session, log, _time),
            _ => throw new NotSupportedException($"bridge service {config.GetType().Name} is not supported"),
        };
        return service.HandleAsync;
    }

    /// <summary>Joins every service's session; a realm or role the router does not have fails the start.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        foreach (var session in _sessions)
        {
            try
            {
                await session.GetAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new InvalidOperationException(
                    $"HTTP bridge session could not join realm '{session.Realm}' in role '{session.Role}': {e.Message}", e);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var session in _sessions)
        {
            try { await session.DisposeAsync().ConfigureAwait(false); }
            catch (Exception e) { log.BridgeLeaveFailed(e); }
        }
    }
}
