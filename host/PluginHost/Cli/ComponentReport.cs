using PluginHost.Wamp.Messages;
using PluginHost.Abstractions;
using PluginHost.Components;
using PluginHost.Node.Config;

namespace PluginHost.Cli;

/// <summary>
/// The lines <c>check</c> prints under a component: the DLL its class comes from, its declared
/// procedures and topics, and the literal URIs its code registers, subscribes, publishes and calls
/// (read from metadata and IL, nothing run; the startup log lists what it actually registered).
/// </summary>
internal static class ComponentReport
{
    /// <summary>Writes the component's lines; returns a problem to report (its class cannot be found or read), or null.</summary>
    public static string? Write(ComponentConfig component, NativeWorkerConfig worker, string nodeDir, TextWriter w)
    {
        if (component.Classname is null) return null;
        PluginLocation location;
        try
        {
            var folders = PluginLocator.SearchFolders(nodeDir, [.. worker.PluginDirs, ComponentHostOptions.BundledPluginDir]);
            location = PluginLocator.Locate(component.Id, component.Classname, folders);
        }
        catch (Exception e) when (e is ComponentLoadException or IOException or UnauthorizedAccessException)
        {
            w.WriteLine($"    ! {Unprefixed(e.Message, component.Id)}");
            return $"component '{component.Id}': {Unprefixed(e.Message, component.Id)}";
        }
        return WriteLocated(component.Id, location, w);
    }

    /// <summary>The lines for a class whose DLL is known (configured and located, or discovered).</summary>
    public static string? WriteLocated(string componentId, PluginLocation location, TextWriter w)
    {
        ComponentOutline outline;
        try
        {
            outline = PluginInspector.Inspect(location);
        }
        catch (Exception e) when (e is ComponentLoadException or IOException or BadImageFormatException or InvalidOperationException or UnauthorizedAccessException)
        {
            var problem = $"component '{componentId}': {Unprefixed(e.Message, componentId)}";
            w.WriteLine($"    ! {Unprefixed(e.Message, componentId)}");
            return problem;
        }
        w.WriteLine($"    class from {outline.Location.AssemblyPath}");
        if (!outline.IsComponent)
        {
            var message = $"class '{location.TypeName}' is not a component: it must derive from {typeof(WampComponent).FullName}";
            w.WriteLine($"    ! {message}");
            return $"component '{componentId}': {message}";
        }
        foreach (var p in outline.Procedures) w.WriteLine($"    procedure {p.Uri}{MatchSuffix(p.Match)} -> {p.Method}()");
        foreach (var t in outline.Topics) w.WriteLine($"    topic {t.Uri}{MatchSuffix(t.Match)} -> {t.Method}()");
        var calls = outline.CodeCalls;
        WriteCalls(calls, SessionCalls.Register, "registers", "procedure(s)", w);
        WriteCalls(calls, SessionCalls.Subscribe, "subscribes to", "topic(s)", w);
        WriteCalls(calls, SessionCalls.Publish, "publishes to", "topic(s)", w);
        WriteCalls(calls, SessionCalls.Call, "calls", "procedure(s)", w);
        if (outline.Procedures.Count == 0 && outline.Topics.Count == 0 && calls.Literal.Count == 0 && calls.Computed.Count == 0)
            w.WriteLine(outline.OverridesOnJoin
                ? "    no declared procedures or topics; OnJoinAsync makes no session calls this check can see"
                : "    no declared procedures or topics and no OnJoinAsync: this component does nothing on the router");
        return null;
    }

    private static void WriteCalls(SessionCalls calls, string method, string verb, string what, TextWriter w)
    {
        var literals = calls.LiteralsOf(method);
        var computed = calls.ComputedOf(method);
        if (literals.Count > 0) w.WriteLine($"    {verb} (in code) {string.Join(", ", literals)}");
        if (computed > 0)
            w.WriteLine($"    {verb} (in code) {computed} {what} named at run time; the startup log lists them");
    }

    private static string MatchSuffix(UriMatch match) => match == UriMatch.Exact ? "" : $" ({WampOptionNames.Of(match)} match)";

    /// <summary>Load errors start with "component 'id': "; under the component's own line that is redundant.</summary>
    private static string Unprefixed(string message, string id)
        => message.StartsWith($"component '{id}': ", StringComparison.Ordinal) ? message[$"component '{id}': ".Length..] : message;
}
