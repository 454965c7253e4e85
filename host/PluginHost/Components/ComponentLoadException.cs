namespace PluginHost.Components;

/// <summary>A component could not be loaded, constructed or joined. The message says what and where; it is meant for the operator.</summary>
public sealed class ComponentLoadException(string componentId, string message, Exception? inner = null)
    : Exception($"component '{componentId}': {message}", inner)
{
    public string ComponentId { get; } = componentId;
}
