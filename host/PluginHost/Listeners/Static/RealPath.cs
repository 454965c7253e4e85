namespace PluginHost.Listeners.Static;

/// <summary>
/// Where a path really leads: every symbolic link along it resolved, as realpath(3) does, but portable and without
/// requiring the last component to exist. Links are read with lstat/readlink only (FileSystemInfo.LinkTarget).
/// </summary>
internal static class RealPath
{
    /// <summary>Links followed per lookup before giving up (Linux's ELOOP limit).</summary>
    private const int MaxLinks = 40;

    private static readonly char[] Separators = [Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar];

    public static readonly StringComparison Comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()
        ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>
    /// <paramref name="relative"/> below the real directory <paramref name="baseDir"/>, links resolved; null when a link
    /// loops. <paramref name="crossedLink"/> tells whether any link was followed.
    /// </summary>
    public static string? Below(string baseDir, string relative, out bool crossedLink)
    {
        int budget = MaxLinks;
        crossedLink = false;
        return Walk(baseDir, relative, ref budget, ref crossedLink);
    }

    /// <summary>An absolute path with every link resolved; null when a link loops.</summary>
    public static string? Of(string fullPath)
    {
        var full = Path.GetFullPath(fullPath);
        var root = Path.GetPathRoot(full)!;
        int budget = MaxLinks;
        bool crossed = false;
        return Walk(root, full[root.Length..], ref budget, ref crossed);
    }

    public static bool IsInside(string path, string dir)
        => path.Equals(dir, Comparison)
           || (path.StartsWith(dir, Comparison) && (dir.EndsWith(Path.DirectorySeparatorChar) || path[dir.Length] == Path.DirectorySeparatorChar));

    private static string? Walk(string current, string relative, ref int budget, ref bool crossed)
    {
        foreach (var part in relative.Split(Separators, StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }
            var next = Path.Combine(current, part);
            string? link;
            try { link = new FileInfo(next).LinkTarget; }
            catch (IOException) { link = null; }
            catch (UnauthorizedAccessException) { link = null; }
            if (link is null)
            {
                current = next;
                continue;
            }
            if (--budget < 0) return null;
            crossed = true;
            // A relative target is relative to the directory holding the link; resolve the target's own links too.
            var target = Path.GetFullPath(link, current);
            var root = Path.GetPathRoot(target)!;
            var resolved = Walk(root, target[root.Length..], ref budget, ref crossed);
            if (resolved is null) return null;
            current = resolved;
        }
        return current;
    }
}
