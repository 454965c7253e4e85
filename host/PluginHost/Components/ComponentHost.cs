using Microsoft.Extensions.Logging;
using PluginHost.Node.Config;
using PluginHost.Wamp.Router;

namespace PluginHost.Components;

/// <summary>Where a worker's components come from and how they are run.</summary>
public sealed record ComponentHostOptions
{
    /// <summary>The node directory (cbdir); plugins/ is looked up beside or inside it.</summary>
    public required string NodeDir { get; init; }
    /// <summary>Extra plugin search folders (Crossbar's options.pythonpath), resolved to absolute paths.</summary>
    public IReadOnlyList<string> PluginDirs { get; init; } = [];
    /// <summary>Reload a component when its plugin DLL changes.</summary>
    public bool HotReload { get; init; } = true;
}

/// <summary>Reported when a component stops for good (after its own retries), so a container can apply its shutdown/restart policy.</summary>
public sealed record ComponentStopped(string ComponentId, bool Failed, string Reason);

/// <summary>
/// Runs one worker's application components: router components joined in-process to a
/// <see cref="WampRouter"/>, container components joined over their configured transport.
/// SKELETON: being implemented on branch `components`.
/// </summary>
public sealed class ComponentHost : IAsyncDisposable
{
    public ComponentHost(ComponentHostOptions options, ILoggerFactory loggerFactory) => throw new NotImplementedException();

    public event Action<ComponentStopped>? Stopped;

    /// <summary>Loads and joins a router component. Throws (with a clear message) when it cannot be loaded or its join fails.</summary>
    public Task StartRouterComponentAsync(WampRouter router, ComponentConfig component, CancellationToken cancellationToken)
        => throw new NotImplementedException();

    /// <summary>Loads a container component and connects it (retrying with backoff in the background). Throws when it cannot be loaded.</summary>
    public Task StartContainerComponentAsync(ComponentConfig component, CancellationToken cancellationToken)
        => throw new NotImplementedException();

    /// <summary>Leaves every session and unloads every plugin.</summary>
    public ValueTask DisposeAsync() => throw new NotImplementedException();
}
