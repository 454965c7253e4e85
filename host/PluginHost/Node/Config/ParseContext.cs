using System.Text.RegularExpressions;

namespace PluginHost.Node.Config;

/// <summary>State shared while parsing one config: node directory, environment, warnings and Crossbar's node-wide ID counters.</summary>
internal sealed partial class ParseContext(string nodeDir, Func<string, string?> env)
{
    private readonly Dictionary<string, int> _counters = new();
    private readonly List<string> _warnings = [];
    private readonly Dictionary<(string?, int), string> _ports = new();

    public string NodeDir { get; } = nodeDir;
    public Func<string, string?> Env { get; } = env;
    public IReadOnlyList<string> Warnings => _warnings;

    public void Warn(string path, string message) => _warnings.Add(path.Length == 0 ? message : $"{path}: {message}");

    /// <summary>Crossbar's default IDs: one three-digit counter per kind across the whole node (worker001, transport002, ...).</summary>
    public string NextId(string kind)
    {
        _counters[kind] = _counters.GetValueOrDefault(kind) + 1;
        return $"{kind}{_counters[kind]:000}";
    }

    /// <summary>
    /// The object's <c>id</c> or the next default ID of <paramref name="kind"/>. Crossbar checks the ID rule only
    /// for controller, router, transport and web-service IDs, hence <paramref name="checkPattern"/>.
    /// </summary>
    public string IdOrDefault(ConfigObject obj, string kind, bool checkPattern = true)
    {
        if (obj.Get("id") is not { } v) return NextId(kind);
        var id = v.AsString();
        return !checkPattern || IdPattern().IsMatch(id) ? id : throw v.Error($"invalid ID \"{id}\" (must match ^[a-z][a-z0-9_]{{2,63}}$)");
    }

    /// <summary>Two listening transports on one port and interface would fail at bind time; say so up front. Port 0 never clashes.</summary>
    public void ClaimPort(ConfigValue at, string? iface, int port, string transportId)
    {
        if (port == 0) return;
        if (_ports.TryGetValue((iface, port), out var other))
            throw at.Error($"port {port} is already used by transport '{other}'");
        _ports[(iface, port)] = transportId;
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{2,63}$")]
    private static partial Regex IdPattern();
}
