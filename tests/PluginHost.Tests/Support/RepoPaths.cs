namespace PluginHost.Tests.Support;

/// <summary>Locations in the repository checkout the tests run from.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string InteropDir => Path.Combine(Root, "tests", "interop");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PluginHost.sln"))) return dir.FullName;
        throw new InvalidOperationException("PluginHost.sln not found above " + AppContext.BaseDirectory);
    }
}
