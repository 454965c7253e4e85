using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace PluginHost.Abstractions;

/// <summary>What the host tells a component about where and how it runs.</summary>
public sealed class ComponentContext
{
    private readonly Func<JsonElement, Type, object?> _convert;

    /// <param name="convert">Converts JSON to a plugin type. The host supplies one whose caches die with the plugin's load context.</param>
    public ComponentContext(string componentId, string realm, string nodeDirectory, string pluginDirectory,
        JsonElement extra, ILogger logger, Func<JsonElement, Type, object?> convert)
    {
        ComponentId = componentId;
        Realm = realm;
        NodeDirectory = nodeDirectory;
        PluginDirectory = pluginDirectory;
        Extra = extra;
        Logger = logger;
        _convert = convert;
    }

    /// <summary>The component's id in the node configuration.</summary>
    public string ComponentId { get; }
    public string Realm { get; }
    /// <summary>The node directory (cbdir).</summary>
    public string NodeDirectory { get; }
    /// <summary>The folder the component's DLL was loaded from.</summary>
    public string PluginDirectory { get; }
    /// <summary>The component's "extra" configuration (JsonValueKind.Undefined when absent).</summary>
    public JsonElement Extra { get; }
    public ILogger Logger { get; }

    /// <summary>"extra" bound to an options type (System.Text.Json, case-insensitive, snake_case names accepted); a new T() when absent.</summary>
    public T GetExtra<T>() where T : new()
        => Extra.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? new T() : (T)(_convert(Extra, typeof(T)) ?? new T());
}
