using System.Reflection;
using System.Runtime.CompilerServices;
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
    /// Loads the plugin DLL into a new context and constructs the component (<see cref="ComponentLoader"/>).
    /// <paramref name="number"/> counts the component's own loads (1 = first, each hot reload one more).
    /// Every failure is a <see cref="ComponentLoadException"/>.
    /// </summary>
    public static ComponentGeneration Load(ComponentConfig config, PluginLocation location, string nodeDir, ILoggerFactory loggerFactory, int number)
    {
        var (loader, component, converter) = ComponentLoader.Load(config, location, nodeDir, loggerFactory);
        return new ComponentGeneration(number, loader, component, converter, location);
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
