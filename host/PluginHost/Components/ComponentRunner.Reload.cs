using Microsoft.Extensions.Logging;
using PluginHost.Abstractions;

namespace PluginHost.Components;

internal sealed partial class ComponentRunner
{
    /// <summary>How long the old generation's running invocations may take to finish after a swap.</summary>
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(10);

    private readonly List<Task> _retiring = [];

    /// <summary>
    /// Hot reload: loads the replaced DLL into a new context and joins the new instance, which takes
    /// the registrations over (force_reregister; unregister-then-register where refused). Only then
    /// does the old generation stop: its running invocations finish (bounded), its session leaves,
    /// and its context is unloaded and checked for collection. A new version that fails to load or
    /// join is logged and the old one keeps serving.
    /// </summary>
    public async Task ReloadAsync()
    {
        try { await _gate.WaitAsync(_stop.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) { return; }
        try
        {
            if (_stop.IsCancellationRequested) return;
            ComponentGeneration fresh;
            // Numbered per component: its first reload is generation 2, whatever the other components did.
            try { fresh = ComponentGeneration.Load(_config, _generation.Location, _host.Options.NodeDir, _host.LoggerFactory, _lastGeneration + 1); }
            catch (ComponentLoadException e)
            {
                _log.LogError("Hot reload of component '{Id}' failed, generation {Generation} keeps serving: {Error}",
                    Id, _generation.Number, e.Message);
                return;
            }
            _lastGeneration = fresh.Number;
            var old = _generation;
            var oldSession = _session;
            if (oldSession is null || !oldSession.Wamp.IsOpen)
            {
                // Not joined right now (e.g. reconnecting): the next join uses the new code.
                _generation = fresh;
                Retire(old, null);
                return;
            }
            ComponentSession next;
            // Both generations will be subscribed for a moment: each event goes to the one that claims it first.
            _claims.BeginOverlap();
            try { next = await JoinAsync(fresh, takingOverFrom: oldSession, _stop.Token).ConfigureAwait(false); }
            catch (Exception e)
            {
                _claims.EndOverlap();
                // It may have taken procedures over before it failed: the old generation registers them again.
                await oldSession.RestoreTakenOverAsync().ConfigureAwait(false);
                _log.LogError("Hot reload of component '{Id}': the new version failed to join, generation {Generation} keeps serving: {Error}",
                    Id, old.Number, e.Message);
                Retire(fresh, null);
                return;
            }
            next.EndTakeover();
            _generation = fresh;
            _session = next;
            _host.Diagnostics.Reloaded();
            _log.LogInformation("Component '{Id}' reloaded from {Dll}: generation {New} (session {Session}) took over from generation {Old}",
                Id, fresh.Location.AssemblyPath, fresh.Number, next.SessionId, old.Number);
            LogRegistrations(next);
            _host.ReportJoined(Id, next.SessionId, fresh.Number);
            Retire(old, oldSession, endsOverlap: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>What to retire, handed over in a box that the retirement empties: a closure or task
    /// still holding the generation would keep its context alive.</summary>
    private sealed class Retiree(ComponentGeneration generation, ComponentSession? session)
    {
        public ComponentGeneration? Generation = generation;
        public ComponentSession? Session = session;
        public bool EndsOverlap;
    }

    private void Retire(ComponentGeneration generation, ComponentSession? session, bool endsOverlap = false)
    {
        var retiree = new Retiree(generation, session) { EndsOverlap = endsOverlap };
        lock (_retiring)
        {
            _retiring.RemoveAll(t => t.IsCompleted);
            _retiring.Add(Task.Run(() => RetireAsync(retiree)));
        }
    }

    /// <summary>Lets the old generation finish, leaves, disposes and unloads it, then checks its context was collected.</summary>
    private async Task RetireAsync(Retiree retiree)
    {
        var generation = retiree.Generation!;
        var session = retiree.Session;
        retiree.Generation = null;
        retiree.Session = null;
        int number = generation.Number;
        if (session is not null)
        {
            if (!await session.DrainAsync(DrainLimit).ConfigureAwait(false))
                _log.LogWarning("Component '{Id}' generation {Generation}: invocations still running after {Seconds} s; leaving anyway",
                    Id, number, DrainLimit.TotalSeconds);
            await session.Wamp.DisposeAsync().ConfigureAwait(false);
        }
        if (retiree.EndsOverlap) _claims.EndOverlap();
        await DisposeComponentAsync(generation, session is null ? null : new LeaveDetails("wamp.close.normal", "hot reload")).ConfigureAwait(false);
        var context = generation.Unload();
        // Drop this frame's references (async locals live in the state machine) before collecting.
        generation = null!;
        session = null;
        if (WasAbandoned(number))
        {
            // Collecting cannot succeed and would only hold the shutdown up.
            _host.Diagnostics.Unloaded(false);
            _log.LogWarning("Component '{Id}' generation {Generation}: unloaded but not collectable while its OnJoinAsync still runs", Id, number);
            return;
        }
        bool collected = await UnloadVerifier.IsCollectedAsync(context).ConfigureAwait(false);
        _host.Diagnostics.Unloaded(collected);
        if (collected)
            _log.LogDebug("Component '{Id}' generation {Generation}: load context collected", Id, number);
        else
            _log.LogWarning("Component '{Id}' generation {Generation}: load context still alive after unloading; something keeps "
                + "a reference into the plugin (static event handler, timer, running task, cached type)", Id, number);
    }

    private async Task DisposeComponentAsync(ComponentGeneration generation, LeaveDetails? leave)
    {
        var component = generation.Component;
        ((IComponentInitializer)component).SetSession(null);
        try
        {
            if (leave is not null) await component.OnLeaveAsync(leave).ConfigureAwait(false);
            await component.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _log.LogWarning(e, "Component '{Id}': disposing generation {Generation} threw", Id, generation.Number);
        }
    }

    private Retiree TakeForRetirement()
    {
        var retiree = new Retiree(_generation, _session);
        _session = null;
        _generation = null!;
        return retiree;
    }

    /// <summary>Stops watching and reconnecting, leaves the realm and unloads every generation.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        _watcher?.Dispose();
        _stop.Cancel();
        await _gate.WaitAsync().ConfigureAwait(false);
        // The runner (this state machine's `this`) stays reachable until the retirement below has checked
        // that the context was collected: so it must not keep the generation or its session itself.
        Retiree last;
        try { last = TakeForRetirement(); }
        finally { _gate.Release(); }
        try { await _loop.ConfigureAwait(false); }
        catch (Exception e) { _log.LogDebug(e, "component loop ended with an error"); }
        Task[] retiring;
        lock (_retiring)
        {
            _retiring.Add(Task.Run(() => RetireAsync(last)));
            retiring = _retiring.ToArray();
        }
        await Task.WhenAll(retiring).ConfigureAwait(false);
    }
}
