namespace PluginHost.Node.Config;

/// <summary>
/// An invalid node configuration. <see cref="Path"/> is the JSON path of the offending value
/// (e.g. <c>workers[0].transports[0].endpoint.port</c>) so the user can find it without guessing.
/// A config with several errors gives one exception listing them all (<see cref="Errors"/>, one per line in
/// <see cref="Exception.Message"/>); Path and Detail are then the first one's.
/// </summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string path, string detail) : base(path.Length == 0 ? detail : $"{path}: {detail}")
    {
        Path = path;
        Detail = detail;
        Errors = [this];
    }

    private ConfigException(IReadOnlyList<ConfigException> errors) : base(string.Join("\n", errors.Select(e => e.Message)))
    {
        Path = errors[0].Path;
        Detail = errors[0].Detail;
        Errors = errors;
    }

    public string Path { get; }
    public string Detail { get; }
    public IReadOnlyList<ConfigException> Errors { get; }

    /// <summary>For the user: the error itself, or "N errors:" and one indented line each.</summary>
    public string Report => Errors.Count == 1 ? Message : $"{Errors.Count} errors:\n  " + string.Join("\n  ", Errors.Select(e => e.Message));

    internal static ConfigException Combine(IReadOnlyList<ConfigException> errors) => errors.Count == 1 ? errors[0] : new ConfigException(errors);
}
