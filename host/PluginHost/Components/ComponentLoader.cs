using System.Reflection;
using System.Text.Json;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.Logging;
using PluginHost.Abstractions;
using PluginHost.Node.Config;

namespace PluginHost.Components;

/// <summary>
/// Turns a plugin DLL and a class name into a constructed component: a collectible load context that shares only the
/// abstractions and the logging abstractions with the host (McMaster.NETCore.Plugins), the class resolved and checked
/// (a component, not abstract, built against the host's copy of the abstractions), its context and its constructor
/// run. Every failure says which DLL, class or constructor, and why.
/// </summary>
internal static class ComponentLoader
{
    /// <summary>
    /// Loads the plugin DLL into a new collectible context and constructs the component; the caller owns the
    /// returned loader (disposing it unloads the context). Every failure is a <see cref="ComponentLoadException"/>.
    /// </summary>
    public static (PluginLoader Loader, WampComponent Component, ValueConverter Converter) Load(ComponentConfig config, PluginLocation location,
        string nodeDir, ILoggerFactory loggerFactory)
    {
        PluginLoader loader;
        Assembly assembly;
        try
        {
            // LoadInMemory: the DLL file is not kept open or mapped, so it can be replaced while this
            // generation serves (on Linux, overwriting a mapped DLL corrupts the running code).
            loader = PluginLoader.CreateFromAssemblyFile(location.AssemblyPath, isUnloadable: true,
                sharedTypes: [typeof(WampComponent), typeof(ILogger)], cfg => cfg.LoadInMemory = true);
            assembly = loader.LoadDefaultAssembly();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ComponentLoadException(config.Id, $"plugin DLL {location.AssemblyPath} cannot be loaded: {e.Message}", e);
        }
        try
        {
            var type = ResolveType(config, location, assembly);
            var converter = new ValueConverter();
            var context = new ComponentContext(config.Id, config.Realm, nodeDir, location.Directory,
                config.Extra ?? DefaultExtra(config.Id, type), loggerFactory.CreateLogger(location.TypeName), converter.FromJson);
            var component = Construct(config.Id, type, context);
            ((IComponentInitializer)component).Initialize(context);
            return (loader, component, converter);
        }
        catch
        {
            loader.Dispose();
            throw;
        }
    }

    private static Type ResolveType(ComponentConfig config, PluginLocation location, Assembly assembly)
    {
        Type? type;
        try { type = assembly.GetType(location.TypeName, throwOnError: false); }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException or TypeLoadException)
        {
            throw new ComponentLoadException(config.Id, $"class '{location.TypeName}' in {location.AssemblyPath} cannot be loaded: {e.Message}", e);
        }
        if (type is null)
            throw new ComponentLoadException(config.Id, $"class '{location.TypeName}' not found in {location.AssemblyPath}");
        try
        {
            if (!typeof(WampComponent).IsAssignableFrom(type))
            {
                var sameName = Bases(type).FirstOrDefault(b => b.FullName == typeof(WampComponent).FullName);
                throw new ComponentLoadException(config.Id, sameName is null
                    ? $"class '{type.FullName}' is not a component: it must derive from {typeof(WampComponent).FullName}"
                    : $"class '{type.FullName}' derives from a different copy of {typeof(WampComponent).FullName} "
                      + $"({sameName.Assembly.GetName().Version}); reference the abstractions with Private=false ExcludeAssets=runtime");
            }
            if (type.IsAbstract) throw new ComponentLoadException(config.Id, $"class '{type.FullName}' is abstract");
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or TypeLoadException)
        {
            // A base class or interface lives in a DLL that is missing from the plugin folder.
            throw new ComponentLoadException(config.Id, $"class '{type.FullName}' cannot be loaded, a DLL it needs is missing or broken: {e.Message}", e);
        }
        return type;
    }

    /// <summary>The class's <see cref="ComponentDefaultsAttribute.Extra"/>, used when the configuration gives no <c>extra</c>.</summary>
    private static JsonElement DefaultExtra(string id, Type type)
    {
        if (type.GetCustomAttribute<ComponentDefaultsAttribute>()?.Extra is not { } json) return default;
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ComponentLoadException(id, $"[ComponentDefaults(Extra = ...)] of '{type.FullName}' is not valid JSON: {e.Message}", e);
        }
    }

    private static IEnumerable<Type> Bases(Type t)
    {
        for (var b = t.BaseType; b is not null; b = b.BaseType) yield return b;
    }

    private static WampComponent Construct(string id, Type type, ComponentContext context)
    {
        var withContext = type.GetConstructor([typeof(ComponentContext)]);
        var parameterless = type.GetConstructor(Type.EmptyTypes);
        if (withContext is null && parameterless is null)
            throw new ComponentLoadException(id, $"class '{type.FullName}' needs a public constructor taking nothing or a ComponentContext");
        try
        {
            return (WampComponent)(withContext is not null
                ? withContext.Invoke(BindingFlags.DoNotWrapExceptions, null, [context], null)
                : parameterless!.Invoke(BindingFlags.DoNotWrapExceptions, null, [], null));
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or TypeLoadException)
        {
            throw new ComponentLoadException(id, $"class '{type.FullName}' cannot be constructed, a DLL it needs is missing or broken: {e.Message}", e);
        }
        catch (Exception e)
        {
            throw new ComponentLoadException(id, $"the constructor of '{type.FullName}' threw {e.GetType().Name}: {e.Message}", e);
        }
    }
}
