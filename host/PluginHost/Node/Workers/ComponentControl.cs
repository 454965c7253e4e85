using PluginHost.Node.Config;

namespace PluginHost.Node.Workers;

/// <summary>
/// The management API's start/stop/reload of one configured component (start_/stop_/reload_router_component in the
/// router's process, start_/stop_/reload_container_component in a container's, through the controller): the same
/// rules in both kinds of worker. A component stopped so is stopped on purpose and stays stopped until started again.
/// </summary>
internal static class ComponentControl
{
    /// <returns>Null when done, else why not.</returns>
    public static async Task<string?> RunAsync(string action, string componentId, string owner, ComponentConfig? component, bool running,
        Func<ComponentConfig, Task<string?>> start, Func<Task> stop, Func<Task> reload)
    {
        if (component is null) return $"no component '{componentId}' in the configuration of {owner}";
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
