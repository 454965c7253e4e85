using System.Text.Json;
using System.Text.Json.Nodes;

namespace PluginHost.Node.Config;

/// <summary>
/// Changes to the node configuration made while the node runs (the management API's start_container_component and
/// start_router_component with a component's configuration, as Crossbar has them). The controller holds the one
/// configuration every worker process is started from (NodeConfig.Source); a change is made to that JSON and the
/// result is validated whole, as at boot, so an error names its JSON path and a refused change leaves it as it was.
/// config.json on disk is not written: as in Crossbar, what the management API starts lasts until the node stops.
/// </summary>
public static class ConfigEdits
{
    /// <summary>
    /// <paramref name="config"/> with component <paramref name="componentId"/> (its configuration as JSON, an object
    /// whose "id" is absent or the same) appended to the components of worker <paramref name="workerId"/>.
    /// </summary>
    /// <exception cref="ConfigException">The worker has no components, the ID is taken, or the result is invalid.</exception>
    public static NodeConfig AddComponent(NodeConfig config, string workerId, string componentId, string componentJson, string nodeDir)
    {
        int index = config.Workers.ToList().FindIndex(w => w.Id == workerId);
        if (index < 0) throw new ConfigException("workers", $"no worker with ID '{workerId}'");
        var path = $"workers[{index}].components";
        if (config.Workers[index] is not NativeWorkerConfig native)
            throw new ConfigException($"workers[{index}]", $"worker '{workerId}' is a {config.Workers[index].Kind.ToLowerInvariant()}: it has no components");
        // The parsed section holds every component of the JSON's, with the IDs given to those that have none.
        if (native.Components.Any(c => c.Id == componentId))
            throw new ConfigException(path, $"worker '{workerId}' already has a component with ID '{componentId}'");

        JsonObject component;
        try { component = JsonNode.Parse(componentJson) as JsonObject ?? throw new ConfigException(path, "a component's configuration must be an object"); }
        catch (JsonException e) { throw new ConfigException(path, $"the component's configuration is not JSON: {e.Message}"); }
        if (component["id"] is { } given && (given.GetValueKind() != JsonValueKind.String || given.GetValue<string>() != componentId))
            throw new ConfigException(path, $"the configuration's \"id\" ({given.ToJsonString()}) is not the component ID '{componentId}'");
        component["id"] = componentId;

        var root = JsonNode.Parse(config.Source)!.AsObject();
        var worker = root["workers"]![index]!.AsObject();
        if (worker["components"] is not JsonArray components) worker["components"] = components = [];
        components.Add(component);
        return ConfigLoader.Parse(root.ToJsonString(), nodeDir);
    }
}
