namespace PluginHost.Node.Config;

/// <summary>
/// An invalid node configuration. <see cref="Path"/> is the JSON path of the offending value
/// (e.g. <c>workers[0].transports[0].endpoint.port</c>) so the user can find it without guessing.
/// </summary>
public sealed class ConfigException(string path, string detail)
    : Exception(path.Length == 0 ? detail : $"{path}: {detail}")
{
    public string Path { get; } = path;
    public string Detail { get; } = detail;
}
