namespace PluginHost.Tests.Templates;

/// <summary>
/// The `dotnet new` template in templates/: a new component project made from it builds and its tests pass against
/// PluginHost.Abstractions packed from this repository (see <see cref="TemplateWorkspace"/>).
/// </summary>
public class ComponentTemplateTests
{
    [Fact]
    public async Task NewComponentBuildsAndItsTestsPass()
    {
        using var work = await TemplateWorkspace.CreateAsync();
        var app = await work.NewComponentAsync("Acme.Clock");
        Assert.True(File.Exists(Path.Combine(app, "src", "Acme.Clock", "Acme.Clock.csproj")));
        // The package folder is named relative to the project, so moving the folder holding both keeps it working.
        Assert.DoesNotContain(work.Root, await File.ReadAllTextAsync(Path.Combine(app, "nuget.config")));
        work.MoveTo(work.Root + "-moved");
        app = Path.Combine(work.Root, "Acme.Clock");

        var test = await work.DotnetAsync(app, ["test", Path.Combine("tests", "Acme.Clock.Tests"), "--nologo", .. work.RestoreArgs]);
        Assert.Contains("Passed!", test);
        Assert.True(File.Exists(Path.Combine(app, "src", "Acme.Clock", "bin", "Debug", "net10.0", "Acme.Clock.dll")));
        Assert.False(File.Exists(Path.Combine(app, "src", "Acme.Clock", "bin", "Debug", "net10.0", "PluginHost.Abstractions.dll")),
            "a plugin must not ship its own copy of the abstractions");
    }
}
