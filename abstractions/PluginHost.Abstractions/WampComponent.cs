namespace PluginHost.Abstractions;

/// <summary>
/// Base class of every application component. Override <see cref="OnJoinAsync"/> to register and
/// subscribe imperatively (like Autobahn's ApplicationSession), and/or mark public methods with
/// <see cref="WampProcedureAttribute"/> / <see cref="WampTopicAttribute"/>: the host registers
/// those on every join, before calling OnJoinAsync.
///
/// Constructors may take a <see cref="ComponentContext"/> or nothing. One instance serves one
/// load of the plugin; after a reconnect the same instance joins again (OnJoinAsync runs again,
/// registrations made in it must be made again), after a hot reload a new instance of the new
/// code takes over and this one is disposed.
/// </summary>
public abstract class WampComponent : IAsyncDisposable, IComponentInitializer
{
    private ComponentContext? _context;
    private IWampComponentSession? _session;

    protected WampComponent() { }

    protected WampComponent(ComponentContext context) => _context = context;

    /// <summary>Realm, node directory, extra configuration and logger of this component.</summary>
    public ComponentContext Context => _context ?? throw new InvalidOperationException("the component has not been initialized by the host yet");

    /// <summary>The current session while joined; throws otherwise.</summary>
    public IWampComponentSession Session => _session ?? throw new InvalidOperationException("the component is not joined");

    /// <summary>Whether the component currently has a joined session.</summary>
    public bool IsJoined => _session is not null;

    /// <summary>Called after joining the realm (and after the declarative registrations were made).
    /// Throwing fails the join: the host reports the component as failed.</summary>
    public virtual Task OnJoinAsync(IWampComponentSession session, JoinDetails details) => Task.CompletedTask;

    /// <summary>Called when the session has left the realm (GOODBYE or ABORT, or the transport was lost).</summary>
    public virtual Task OnLeaveAsync(LeaveDetails details) => Task.CompletedTask;

    /// <summary>Called when the transport is gone; for container components a reconnect may follow.</summary>
    public virtual Task OnDisconnectAsync() => Task.CompletedTask;

    /// <summary>Releases what the component holds (timers, loops, static event handlers): anything left
    /// running keeps the plugin's load context alive after a hot reload.</summary>
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    void IComponentInitializer.Initialize(ComponentContext context) => _context = context;
    void IComponentInitializer.SetSession(IWampComponentSession? session) => _session = session;
}

/// <summary>Used by the host to hand a component its context and session; not for plugin code.</summary>
public interface IComponentInitializer
{
    void Initialize(ComponentContext context);
    void SetSession(IWampComponentSession? session);
}
