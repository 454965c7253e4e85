using System.Collections.Concurrent;
using PluginHost.Node.Config;

namespace PluginHost.Node.Workers;

/// <summary>
/// The management API's start/stop/reload of one configured component (start_/stop_/reload_router_component in the
/// router's process, start_/stop_/reload_container_component in a container's, through the controller): the same
/// rules in both kinds of worker. A component stopped so is stopped on purpose and stays stopped until started again.
/// A start may bring a component's configuration (<paramref name="added"/> of RunAsync): the controller has checked it
/// and adds it to the node's configuration once the worker says it started.
/// </summary>
internal static class ComponentControl
{
    /// <returns>Null when done, else why not.</returns>
    public static async Task<string?> RunAsync(string action, string componentId, string owner, ConfiguredComponents components,
        ComponentConfig? added, bool running, Func<ComponentConfig, Task<string?>> start, Func<Task> stop, Func<Task> reload)
    {
        if (added is not null)
        {
            if (action != "start") return $"only a start takes a component's configuration, not a {action}";
            if (components.Find(componentId) is not null) return $"{owner} already has a component with ID '{componentId}'";
            components.Add(added);
            var error = await start(added);
            if (error is not null) components.Remove(componentId);
            return error;
        }
        if (components.Find(componentId) is not { } component) return $"no component '{componentId}' in the configuration of {owner}";
        switch (action)
        {
            case "stop" when running:
                await stop();
                return null;
            case "start" when !running:
                return await start(component);
            case "reload" when running:
                await reload();
                return null;
            case "start" or "stop" or "reload":
                return $"component '{componentId}' is {(running ? "running" : "not running")}";
            default:
                return $"unknown action '{action}'";
        }
    }
}

/// <summary>
/// A worker's configured components: its configuration section's, and the ones the management API added while it runs
/// (the controller adds those to the node's configuration too, so the worker's next process has them in its section).
/// Thread-safe.
/// </summary>
internal sealed class ConfiguredComponents(IReadOnlyList<ComponentConfig> configured)
{
    private readonly ConcurrentDictionary<string, ComponentConfig> _added = new(StringComparer.Ordinal);

    public ComponentConfig? Find(string id) => configured.FirstOrDefault(c => c.Id == id) ?? _added.GetValueOrDefault(id);
    public void Add(ComponentConfig component) => _added[component.Id] = component;
    public void Remove(string id) => _added.TryRemove(id, out _);
}
