using System.Text.RegularExpressions;

namespace PluginHost.Node.Config;

/// <summary>
/// <c>options.discover</c> of a router or container worker (a PluginHost extension): serve every public concrete
/// <c>WampComponent</c> class found in <see cref="Directory"/> (its DLLs and those of its immediate subfolders, one
/// subfolder per plugin), starting and stopping them as plugins appear, change and disappear.
/// </summary>
public sealed record DiscoverConfig
{
    /// <summary>The folder watched, absolute (the config gives it relative to the node directory).</summary>
    public required string Directory { get; init; }
    /// <summary>The realm every discovered component joins; null = each class's <c>[ComponentDefaults(Realm)]</c>.</summary>
    public string? Realm { get; init; }
    /// <summary>Router workers: the role of the embedded sessions.</summary>
    public string Role { get; init; } = "anonymous";
    /// <summary>Container workers: how discovered components reach their router.</summary>
    public ComponentTransportConfig? Transport { get; init; }
    public string? TransportUrl { get; init; }
    public ReconnectConfig Reconnect { get; init; } = new();
    public ComponentAuthConfig? Auth { get; init; }
    /// <summary>A changed plugin is hot-reloaded (true) or left running as it was loaded (false).</summary>
    public bool HotReload { get; init; } = true;
    /// <summary>Class name patterns (<c>*</c> = any characters) that are never started.</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];

    public bool Excludes(string className)
        => Exclude.Any(p => Regex.IsMatch(className, "^" + Regex.Escape(p).Replace("\\*", ".*") + "$", RegexOptions.CultureInvariant));
}
