using PluginHost.Abstractions;
using PluginHost.Components;

namespace PluginHost.Tests.Components;

/// <summary>What `pluginhost check` reads from a component's DLL without loading it.</summary>
public sealed class PluginInspectorTests
{
    private static ComponentOutline Outline(string plugin, string className)
        => PluginInspector.Inspect(PluginLocator.Locate("c1", className, [Path.Combine(NodeLayout.BuiltPlugins, plugin)]));

    [Fact]
    public void DeclarativeHandlersAreReadFromAttributesIncludingABaseClassInTheSameDll()
    {
        var outline = Outline("Outlines", "outlines.Declared");

        Assert.Equal(
            [("com.outlines.add", UriMatch.Exact, "Add"), ("com.outlines.", UriMatch.Prefix, "Sum"), ("com.outlines.sum", UriMatch.Exact, "Sum"),
             ("com.outlines.base", UriMatch.Exact, "FromBase")],
            outline.Procedures.Select(p => (p.Uri, p.Match, p.Method)).ToArray());
        Assert.Equal([("com.outlines.tick", "OnTick")], outline.Topics.Select(t => (t.Uri, t.Method)).ToArray());
        Assert.False(outline.OverridesOnJoin);
        Assert.Empty(outline.CodeCalls.Literal);
        Assert.True(outline.IsComponent); // through a base class of the same DLL
        Assert.False(Outline("Outlines", "outlines.NotAComponent").IsComponent);
    }

    [Fact]
    public void ImperativeRegistrationsShowTheirLiteralUrisAndCountTheComputedOnes()
    {
        var outline = Outline("Outlines", "outlines.Imperative");

        Assert.True(outline.OverridesOnJoin);
        Assert.Empty(outline.Procedures);
        var calls = outline.CodeCalls;
        Assert.Equal(["com.outlines.method", "com.outlines.lambda", "com.outlines.const"], calls.LiteralsOf(SessionCalls.Register));
        Assert.Equal(2, calls.ComputedOf(SessionCalls.Register)); // interpolated and concatenated
        Assert.Equal(["com.outlines.topic"], calls.LiteralsOf(SessionCalls.Subscribe));
        Assert.Equal(["com.outlines.name"], calls.LiteralsOf(SessionCalls.Call));
        Assert.Equal(["com.outlines.joined"], calls.LiteralsOf(SessionCalls.Publish));
    }

    [Fact]
    public void TheSamplesShowWhatTheyRegister()
    {
        var time = Outline("TimeService", "timeservice.TimeService");
        Assert.True(time.OverridesOnJoin);
        Assert.Equal(["com.timeservice.now"], time.CodeCalls.LiteralsOf(SessionCalls.Register));

        var ticker = Outline("Ticker", "ticker.Ticker");
        Assert.Equal(["com.ticker.countdown", "com.ticker.stats", "com.ticker.add"], ticker.Procedures.Select(p => p.Uri));
        Assert.Equal(["com.ticker.tick"], ticker.Topics.Select(t => t.Uri));
        Assert.Equal(["com.ticker.tock"], ticker.CodeCalls.LiteralsOf(SessionCalls.Publish));
    }

    /// <summary>Every class of every plugin the tests build (including the deliberately broken ones) is read without an exception.</summary>
    [Fact]
    public void EveryClassOfEveryBuiltPluginCanBeInspected()
    {
        int inspected = 0;
        foreach (var dll in Directory.EnumerateFiles(NodeLayout.BuiltPlugins, "*.dll", SearchOption.AllDirectories)
                     .Where(f => !f.EndsWith("PluginHost.Abstractions.dll", StringComparison.Ordinal)))
        {
            using var pe = new System.Reflection.PortableExecutable.PEReader(File.OpenRead(dll));
            if (!pe.HasMetadata) continue;
            var md = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
            foreach (var handle in md.TypeDefinitions)
            {
                var type = md.GetTypeDefinition(handle);
                if (!type.GetDeclaringType().IsNil || md.GetString(type.Name).StartsWith('<')) continue;
                var name = PluginInspector.FullName(md, type);
                ComponentOutline outline;
                try { outline = PluginInspector.Inspect(new PluginLocation(dll, name)); }
                catch (Exception e) { throw new InvalidOperationException($"{dll} {name}: {e.Message}", e); }
                Assert.Equal(name, outline.Location.TypeName);
                inspected++;
            }
        }
        Assert.True(inspected >= 10, $"only {inspected} classes found under {NodeLayout.BuiltPlugins}");
    }
}
