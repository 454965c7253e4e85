using PluginHost.Components;
using PluginHost.Components.Discovery;
using PluginHost.Node.Config;

namespace PluginHost.Cli;

/// <summary>
/// What <c>check</c> prints for a worker's <c>options.discover</c>: the folder, and what it holds now — each
/// component class that would start (with the lines of a configured component), the classes left to a
/// configured entry or excluded, conflicts, and files that are not .NET assemblies. Nothing is loaded.
/// </summary>
internal static class DiscoverReport
{
    public static void Write(DiscoverConfig discover, NativeWorkerConfig worker, IReadOnlyList<ComponentConfig> configured, TextWriter w,
        List<string> problems)
    {
        var via = discover.Transport is null ? $"role '{discover.Role}'" : $"via {discover.TransportUrl ?? $"rs://{discover.Transport.Host}:{discover.Transport.Port}"}";
        w.WriteLine($"  discovers components in {discover.Directory} ({(discover.Realm is { } r ? $"realm '{r}'" : "realm from each class")}, {via}"
            + (discover.Exclude.Count > 0 ? $", excluding {string.Join(", ", discover.Exclude)}" : "")
            + (discover.HotReload ? "" : ", no hot reload") + ")");
        var ids = new Dictionary<string, DiscoveredClass>(StringComparer.Ordinal);
        int found = 0;
        foreach (var unit in PluginScanner.Units(discover.Directory) ?? [])
        {
            var contents = PluginScanner.Read(unit);
            foreach (var (dll, reason) in contents.Unreadable)
            {
                w.WriteLine($"    ! {dll} is ignored: {reason}");
                problems.Add($"{worker.Kind.ToLowerInvariant()} '{worker.Id}': {dll} is ignored: {reason}");
            }
            foreach (var cls in contents.Classes)
            {
                found++;
                if (discover.Excludes(cls.TypeName))
                {
                    w.WriteLine($"    class '{cls.TypeName}' in {cls.Dll}: excluded");
                    continue;
                }
                if (configured.FirstOrDefault(c => c.Classname == cls.TypeName) is { } entry)
                {
                    w.WriteLine($"    class '{cls.TypeName}' in {cls.Dll}: configured as component '{entry.Id}', left to that entry");
                    continue;
                }
                var id = cls.Id ?? cls.TypeName;
                var realm = discover.Realm ?? cls.Realm;
                string? problem = realm is null ? "no realm (set options.discover.realm or [ComponentDefaults(Realm)])"
                    : ids.TryGetValue(id, out var other) ? $"component id '{id}' is taken by '{other.TypeName}' from {other.Dll}"
                    : configured.Any(c => c.Id == id) ? $"component id '{id}' is taken by a configured component" : null;
                w.WriteLine($"  component '{id}' ({cls.TypeName}) discovered, on realm '{realm ?? "?"}'");
                if (problem is not null)
                {
                    w.WriteLine($"    ! not started: {problem}");
                    problems.Add($"component '{id}' ({cls.Dll}): not started: {problem}");
                    continue;
                }
                ids[id] = cls;
                if (ComponentReport.WriteLocated(id, new PluginLocation(cls.Dll, cls.TypeName), w) is { } p) problems.Add(p);
            }
        }
        if (!Directory.Exists(discover.Directory)) w.WriteLine("    the folder does not exist yet: start creates it");
        else if (found == 0) w.WriteLine("    no component classes there yet: each one built into it starts while the node runs");
    }
}
