using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace PluginHost.Components;

/// <summary>Where a component class was found: the DLL that defines it.</summary>
public sealed record PluginLocation(string AssemblyPath, string TypeName)
{
    public string Directory => Path.GetDirectoryName(AssemblyPath)!;
}

/// <summary>
/// Finds the DLL that defines a class by reading assembly metadata only (nothing is loaded, so
/// scanning leaves no load context behind). Searched: every plugin folder's *.dll and the *.dll of
/// its immediate subfolders (one subfolder per plugin, as hot reload wants), not deeper.
/// </summary>
public static class PluginLocator
{
    private const string AbstractionsFile = "PluginHost.Abstractions.dll";

    /// <summary>The plugin folders of a node: &lt;cbdir&gt;/../plugins, &lt;cbdir&gt;/plugins, then the extra ones; only those that exist.</summary>
    public static IReadOnlyList<string> SearchFolders(string nodeDir, IEnumerable<string> extra)
    {
        var candidates = new[] { Path.Combine(nodeDir, "..", "plugins"), Path.Combine(nodeDir, "plugins") }.Concat(extra);
        return candidates.Select(Path.GetFullPath).Distinct().ToList();
    }

    public static PluginLocation Locate(string componentId, string className, IReadOnlyList<string> folders)
    {
        var existing = folders.Where(Directory.Exists).ToList();
        if (existing.Count == 0)
            throw new ComponentLoadException(componentId,
                $"class '{className}' not found: no plugin folder exists (looked for {string.Join(", ", folders)})");
        var known = new List<string>();
        var unreadable = new List<string>();
        var dlls = existing.SelectMany(CandidateDlls).ToList();
        foreach (var dll in dlls)
        {
            var types = TypeNames(dll, unreadable);
            if (types.Contains(className)) return new PluginLocation(dll, className);
            known.AddRange(types);
        }
        var similar = Similar(className, known);
        throw new ComponentLoadException(componentId,
            $"class '{className}' not found in {dlls.Count} plugin DLL(s) under {string.Join(", ", existing)}"
            + (similar.Count > 0 ? $"; similar classes: {string.Join(", ", similar)}" : "")
            + (unreadable.Count > 0 ? $"; unreadable DLLs: {string.Join("; ", unreadable)}" : ""));
    }

    /// <summary>
    /// The DLLs in the plugin folders that cannot be read as .NET assemblies, with the reason: no class can come
    /// from them, and when a configured class is found elsewhere nothing else would mention them.
    /// </summary>
    public static IReadOnlyList<(string Dll, string Reason)> Unreadable(IReadOnlyList<string> folders, string? except = null)
    {
        var unreadable = new List<(string, string)>();
        var skip = except is null ? null : Path.GetFullPath(except).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        foreach (var dll in folders.Where(Directory.Exists).SelectMany(CandidateDlls))
        {
            if (skip is not null && dll.StartsWith(skip, StringComparison.Ordinal)) continue;
            try
            {
                using var stream = File.OpenRead(dll);
                using var pe = new PEReader(stream);
                if (pe.HasMetadata) pe.GetMetadataReader();
            }
            catch (Exception e) when (e is BadImageFormatException or InvalidOperationException)
            {
                unreadable.Add((dll, $"not a .NET assembly: {e.Message}"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                unreadable.Add((dll, e.Message));
            }
        }
        return unreadable;
    }

    private static IEnumerable<string> CandidateDlls(string folder)
    {
        var top = Directory.EnumerateFiles(folder, "*.dll");
        var nested = Directory.EnumerateDirectories(folder).SelectMany(d => Directory.EnumerateFiles(d, "*.dll"));
        return top.Concat(nested)
            .Where(f => !Path.GetFileName(f).Equals(AbstractionsFile, StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal);
    }

    /// <summary>Top-level class names of a DLL; empty for native DLLs, and for damaged ones (noted in <paramref name="unreadable"/>).</summary>
    private static HashSet<string> TypeNames(string dll, List<string> unreadable)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            using var stream = File.OpenRead(dll);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata) return names;
            var md = pe.GetMetadataReader();
            foreach (var handle in md.TypeDefinitions)
            {
                var t = md.GetTypeDefinition(handle);
                if (t.GetDeclaringType().IsNil is false) continue;
                var ns = md.GetString(t.Namespace);
                var name = md.GetString(t.Name);
                if (name.StartsWith('<')) continue;
                names.Add(ns.Length == 0 ? name : $"{ns}.{name}");
            }
        }
        catch (Exception e) when (e is BadImageFormatException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // Damaged, or being written right now: it cannot define the class, but the operator should know.
            unreadable.Add($"{dll} ({e.Message})");
        }
        return names;
    }

    /// <summary>Up to five names that differ only in case or namespace, or by a few edits.</summary>
    private static List<string> Similar(string wanted, IEnumerable<string> known)
    {
        var simple = wanted[(wanted.LastIndexOf('.') + 1)..];
        return known.Distinct()
            .Select(k => (Name: k, Score: k.Equals(wanted, StringComparison.OrdinalIgnoreCase) ? 0
                : k[(k.LastIndexOf('.') + 1)..].Equals(simple, StringComparison.OrdinalIgnoreCase) ? 1
                : Distance(k.ToLowerInvariant(), wanted.ToLowerInvariant()) is var d && d <= Math.Max(2, wanted.Length / 4) ? 1 + d : int.MaxValue))
            .Where(x => x.Score != int.MaxValue)
            .OrderBy(x => x.Score).ThenBy(x => x.Name, StringComparer.Ordinal)
            .Take(5).Select(x => x.Name).ToList();
    }

    private static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
