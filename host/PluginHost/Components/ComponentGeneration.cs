using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using System.Text.Json;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.Logging;
using PluginHost.Abstractions;
using PluginHost.Node.Config;

namespace PluginHost.Components;

/// <summary>
/// One load of a component's plugin: its own collectible load context (sharing only the
/// abstractions and the logging abstractions with the host), the component instance, and the
/// JSON conversion whose caches belong to this load. A hot reload creates a new generation and
/// unloads the old one.
/// </summary>
internal sealed class ComponentGeneration
{
    private readonly PluginLoader _loader; // held strongly: the context lives exactly as long as this generation

    public int Number { get; }
    public WampComponent Component { get; }
    public ValueConverter Converter { get; }
    public PluginLocation Location { get; }
    public IReadOnlyList<(WampProcedureAttribute Attribute, MethodInfo Method)> Procedures { get; }
    public IReadOnlyList<(WampTopicAttribute Attribute, MethodInfo Method)> Topics { get; }

    private ComponentGeneration(int number, PluginLoader loader, WampComponent component, ValueConverter converter, PluginLocation location)
    {
        Number = number;
        _loader = loader;
        Component = component;
        Converter = converter;
        Location = location;
        var methods = component.GetType().GetMethods(BindingFlags.Public | BindingFlags.Instance);
        Procedures = methods.SelectMany(m => m.GetCustomAttributes<WampProcedureAttribute>().Select(a => (a, m))).ToList();
        Topics = methods.SelectMany(m => m.GetCustomAttributes<WampTopicAttribute>().Select(a => (a, m))).ToList();
    }

    /// <summary>
    /// Loads the plugin DLL into a new context and constructs the component. <paramref name="number"/> counts the
    /// component's own loads (1 = first, each hot reload one more). Every failure is a <see cref="ComponentLoadException"/>.
    /// </summary>
    public static ComponentGeneration Load(ComponentConfig config, PluginLocation location, string nodeDir, ILoggerFactory loggerFactory, int number)
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
            return new ComponentGeneration(number, loader, component, converter, location);
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

    /// <summary>
    /// Disposes the component and unloads the context. Returns a weak reference to the context, to be
    /// checked after GC. NoInlining: a caller's local would otherwise keep the context reachable.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public WeakReference Unload()
    {
        var weak = new WeakReference(_loader.LoadContext);
        _loader.Dispose();
        return weak;
    }
}
