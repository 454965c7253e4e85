using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using PluginHost.Abstractions;

namespace PluginHost.Components.Discovery;

/// <summary>A component class found in a plugin folder, with the <c>[ComponentDefaults]</c> it states (read from metadata).</summary>
public sealed record DiscoveredClass(string Dll, string TypeName, string? Realm, string? Id);

/// <summary>One plugin of a discovered folder: a subfolder (its DLLs), or a DLL lying directly in the folder.</summary>
/// <param name="Stamp">Names, sizes and write times of every file of the plugin: equal stamps = nothing was written.</param>
public sealed record PluginUnit(string Path, bool IsFolder, string Stamp, DateTime NewestWriteUtc)
{
    /// <summary>The DLLs that may hold components: a folder's own *.dll (not deeper), or the DLL itself.</summary>
    public IEnumerable<string> Dlls => IsFolder
        ? Directory.EnumerateFiles(Path, "*.dll").Where(f => !PluginScanner.IsAbstractions(f)).Order(StringComparer.Ordinal)
        : [Path];
}

/// <summary>What one plugin holds: its component classes, and the files that are not .NET assemblies.</summary>
public sealed record UnitContents(IReadOnlyList<DiscoveredClass> Classes, IReadOnlyList<(string Dll, string Reason)> Unreadable);

/// <summary>
/// Reads plugin folders without loading anything (System.Reflection.Metadata over the file's bytes, so no
/// file stays open and no load context is created): which plugins there are, whether they changed, and
/// which public concrete classes in them derive from <see cref="WampComponent"/> — directly, through
/// base classes in the same DLL, in another DLL of the same plugin, or through a generic base.
/// </summary>
public static class PluginScanner
{
    private static readonly string ComponentName = typeof(WampComponent).FullName!;
    private static readonly string DefaultsName = typeof(ComponentDefaultsAttribute).FullName!;

    internal static bool IsAbstractions(string path)
        => System.IO.Path.GetFileName(path).Equals("PluginHost.Abstractions.dll", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The plugins in <paramref name="root"/> now: each subfolder and each top-level *.dll, with its stamp. Null when
    /// the folder could not be listed (a partial list would look like removed plugins).
    /// </summary>
    public static IReadOnlyList<PluginUnit>? Units(string root)
    {
        var units = new List<PluginUnit>();
        if (!Directory.Exists(root)) return units;
        try
        {
            foreach (var dir in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
                if (Stamp(dir, Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)) is { } u) units.Add(u with { IsFolder = true });
            foreach (var dll in Directory.EnumerateFiles(root, "*.dll").Where(f => !IsAbstractions(f)).Order(StringComparer.Ordinal))
                if (Stamp(dll, [dll]) is { } u) units.Add(u);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // the folder itself vanished or is unreadable right now: look again later
        }
        return units;
    }

    private static PluginUnit? Stamp(string path, IEnumerable<string> files)
    {
        try
        {
            var parts = new List<string>();
            var newest = DateTime.MinValue;
            foreach (var f in files.Order(StringComparer.Ordinal))
            {
                var info = new FileInfo(f);
                if (!info.Exists) continue;
                var written = info.LastWriteTimeUtc;
                if (written > newest) newest = written;
                parts.Add($"{System.IO.Path.GetRelativePath(path, f)}|{info.Length}|{written.Ticks}");
            }
            return new PluginUnit(path, false, string.Join('\n', parts), newest);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // removed while we looked
        }
    }

    /// <summary>The component classes of one plugin, and its DLLs that are not .NET assemblies.</summary>
    public static UnitContents Read(PluginUnit unit)
    {
        var unreadable = new List<(string, string)>();
        var images = new List<Image>();
        List<string> dlls;
        try { dlls = unit.Dlls.ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new UnitContents([], []); // removed while we looked: the next scan drops it
        }
        try
        {
            foreach (var dll in dlls)
            {
                try { images.Add(Image.Open(dll)); }
                catch (Exception e) when (e is BadImageFormatException or IOException or UnauthorizedAccessException or InvalidOperationException)
                {
                    unreadable.Add((dll, e is BadImageFormatException or InvalidOperationException ? $"not a .NET assembly: {e.Message}" : e.Message));
                }
            }
            var classes = new List<DiscoveredClass>();
            foreach (var image in images.Where(i => i.Metadata is not null))
            {
                try { classes.AddRange(Components(image, images)); }
                catch (BadImageFormatException e) { unreadable.Add((image.Path, $"damaged metadata: {e.Message}")); }
            }
            return new UnitContents(classes, unreadable);
        }
        finally
        {
            foreach (var image in images) image.Dispose();
        }
    }

    /// <summary>A DLL read into memory (so the file is not held open while it may be replaced). Native DLLs have no metadata.</summary>
    private sealed class Image : IDisposable
    {
        private readonly PEReader _pe;
        public string Path { get; }
        public MetadataReader? Metadata { get; }
        public string? AssemblyName { get; }

        private Image(string path, PEReader pe)
        {
            Path = path;
            _pe = pe;
            if (!pe.HasMetadata) return;
            Metadata = pe.GetMetadataReader();
            AssemblyName = Metadata.IsAssembly ? Metadata.GetString(Metadata.GetAssemblyDefinition().Name) : null;
        }

        public static Image Open(string path)
        {
            var pe = new PEReader(ImmutableArray.Create(File.ReadAllBytes(path)));
            try { return new Image(path, pe); }
            catch { pe.Dispose(); throw; }
        }

        public TypeDefinitionHandle Find(string fullName)
            => Metadata!.TypeDefinitions.FirstOrDefault(h => PluginInspector.FullName(Metadata, Metadata.GetTypeDefinition(h)) == fullName);

        public void Dispose() => _pe.Dispose();
    }

    private static IEnumerable<DiscoveredClass> Components(Image image, IReadOnlyList<Image> unit)
    {
        var md = image.Metadata!;
        foreach (var handle in md.TypeDefinitions)
        {
            var t = md.GetTypeDefinition(handle);
            var attrs = t.Attributes;
            if ((attrs & TypeAttributes.VisibilityMask) != TypeAttributes.Public) continue; // also excludes nested classes
            if ((attrs & (TypeAttributes.Abstract | TypeAttributes.Interface)) != 0 || t.GetGenericParameters().Count > 0) continue;
            if (!Derives(image, t.BaseType, unit, depth: 0)) continue;
            var (realm, id) = Defaults(md, t);
            yield return new DiscoveredClass(image.Path, PluginInspector.FullName(md, t), realm, id);
        }
    }

    /// <summary>Follows the base class chain across the plugin's own DLLs until it reaches the abstractions' WampComponent.</summary>
    private static bool Derives(Image image, EntityHandle baseType, IReadOnlyList<Image> unit, int depth)
    {
        if (baseType.IsNil || depth > 64) return false;
        var md = image.Metadata!;
        switch (baseType.Kind)
        {
            case HandleKind.TypeDefinition:
                return Derives(image, md.GetTypeDefinition((TypeDefinitionHandle)baseType).BaseType, unit, depth + 1);
            case HandleKind.TypeSpecification:
                // A generic base (class Clock : Base<Options>): follow the generic type itself.
                var blob = md.GetBlobReader(md.GetTypeSpecification((TypeSpecificationHandle)baseType).Signature);
                if (blob.ReadSignatureTypeCode() != SignatureTypeCode.GenericTypeInstance) return false;
                blob.ReadSignatureTypeCode();
                return Derives(image, blob.ReadTypeHandle(), unit, depth + 1);
            case HandleKind.TypeReference:
                var name = PluginInspector.TypeReferenceName(md, baseType);
                if (name == ComponentName) return true;
                var reference = md.GetTypeReference((TypeReferenceHandle)baseType);
                if (reference.ResolutionScope.Kind != HandleKind.AssemblyReference) return false;
                var assembly = md.GetString(md.GetAssemblyReference((AssemblyReferenceHandle)reference.ResolutionScope).Name);
                var other = unit.FirstOrDefault(i => i.Metadata is not null && string.Equals(i.AssemblyName, assembly, StringComparison.OrdinalIgnoreCase));
                if (other is null || other.Find(name) is var found && found.IsNil) return false;
                return Derives(other, other.Metadata!.GetTypeDefinition(found).BaseType, unit, depth + 1);
            default:
                return false;
        }
    }

    private static (string? Realm, string? Id) Defaults(MetadataReader md, TypeDefinition t)
    {
        foreach (var h in t.GetCustomAttributes())
        {
            var attribute = md.GetCustomAttribute(h);
            if (PluginInspector.AttributeTypeName(md, attribute) != DefaultsName) continue;
            string? realm = null, id = null;
            foreach (var named in attribute.DecodeValue(PluginInspector.AttributeTypes.Instance).NamedArguments)
            {
                if (named.Name == nameof(ComponentDefaultsAttribute.Realm)) realm = named.Value as string;
                if (named.Name == nameof(ComponentDefaultsAttribute.Id)) id = named.Value as string;
            }
            return (realm, id);
        }
        return (null, null);
    }
}
