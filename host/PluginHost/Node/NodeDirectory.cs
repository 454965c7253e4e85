namespace PluginHost.Node;

/// <summary>Crossbar's rules for finding the node directory (cbdir) and its configuration file.</summary>
public static class NodeDirectory
{
    /// <summary>
    /// <c>--cbdir</c>, then <c>$CROSSBAR_DIR</c>, then <c>./.crossbar</c> if it exists, then the current directory.
    /// A path naming a file means the directory holding it. Returns an absolute path.
    /// </summary>
    public static string Resolve(string? cbdirOption, Func<string, string?> env, string currentDirectory)
    {
        string dir;
        if (!string.IsNullOrEmpty(cbdirOption)) dir = cbdirOption;
        else if (env("CROSSBAR_DIR") is { Length: > 0 } fromEnv) dir = fromEnv;
        else if (Directory.Exists(Path.Combine(currentDirectory, ".crossbar"))) dir = ".crossbar";
        else dir = ".";
        var full = Path.GetFullPath(dir, currentDirectory);
        return File.Exists(full) ? Path.GetDirectoryName(full)! : Path.TrimEndingDirectorySeparator(full);
    }

    /// <summary>
    /// <c>--config</c> relative to the node directory; otherwise config.yaml, then config.json.
    /// Null when there is neither: Crossbar then starts a node without workers.
    /// </summary>
    public static string? ResolveConfigFile(string nodeDir, string? configOption)
    {
        if (!string.IsNullOrEmpty(configOption))
        {
            var file = Path.GetFullPath(configOption, nodeDir);
            return File.Exists(file) ? file : throw new FileNotFoundException($"configuration file '{file}' not found", file);
        }
        foreach (var name in new[] { "config.yaml", "config.json" })
        {
            var file = Path.Combine(nodeDir, name);
            if (File.Exists(file)) return file;
        }
        return null;
    }
}
