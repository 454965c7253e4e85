using System.Collections;
using System.Collections.Concurrent;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.FileProviders.Physical;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace PluginHost.Listeners.Static;

/// <summary>
/// The file provider of a static web service: a <see cref="PhysicalFileProvider"/> (which already refuses "..",
/// absolute paths and hidden files) that also decides where symbolic links may lead. The operating system follows a
/// link anywhere, so `ln -s /etc web/etc-link` served /etc/shadow; here every request path is resolved link by link
/// (<see cref="RealPath"/>) and a file or directory whose real location the <see cref="SymlinkPolicy"/> does not
/// admit is reported as not found (404), with one warning per link target.
///
/// A served link is reported as its final target (length, content, last-modified): the guide configs' index.html is
/// a link to the default start page.
///
/// STATE: immutable but for <c>_warned</c>, a concurrent set bounded by <see cref="MaxWarnings"/>; request threads
/// add to it.
/// </summary>
internal sealed class ContainedFileProvider : IFileProvider, IDisposable
{
    internal const int MaxWarnings = 1000;

    private readonly PhysicalFileProvider _inner;
    private readonly string _realRoot;
    private readonly SymlinkPolicy _policy;
    private readonly string[] _realRoots;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, byte> _warned = new(StringComparer.Ordinal);

    public ContainedFileProvider(string directory, SymlinkPolicy policy, ILogger log)
    {
        var root = Path.GetFullPath(directory);
        _inner = new PhysicalFileProvider(root);
        _realRoot = RealPath.Of(root) ?? root;
        _policy = policy;
        _log = log;
        // The static directory itself is always admitted: the config names it.
        _realRoots = [_realRoot, .. policy.Roots.Select(r => RealPath.Of(r) ?? r)];
    }

    public IFileInfo GetFileInfo(string subpath)
    {
        var info = _inner.GetFileInfo(subpath);
        if (info.PhysicalPath is null || !info.Exists) return info;
        var real = Admitted(subpath);
        if (real is null) return new NotFoundFileInfo(subpath);
        if (real.Length == 0) return info; // no link on the way
        IFileInfo target = Directory.Exists(real) ? new PhysicalDirectoryInfo(new DirectoryInfo(real)) : new PhysicalFileInfo(new FileInfo(real));
        return new LinkedFileInfo(target, info.Name);
    }

    public IDirectoryContents GetDirectoryContents(string subpath)
    {
        var contents = _inner.GetDirectoryContents(subpath);
        if (!contents.Exists) return contents;
        if (Admitted(subpath) is null) return NotFoundDirectoryContents.Singleton;
        return new FilteredContents(contents, this, subpath);
    }

    public IChangeToken Watch(string filter) => _inner.Watch(filter);

    /// <summary>
    /// "" when <paramref name="subpath"/> crosses no link, the real path when it crosses admitted links, null when the
    /// policy refuses it (logged once per target) or a link loops.
    /// </summary>
    private string? Admitted(string subpath)
    {
        var real = RealPath.Below(_realRoot, subpath, out bool crossed);
        if (!crossed) return "";
        if (real is null) return Refuse(subpath, "a symbolic link loop");
        return _policy.Mode switch
        {
            SymlinkMode.Anywhere => real,
            SymlinkMode.Inside when _realRoots.Any(r => RealPath.IsInside(real, r)) => real,
            _ => Refuse(subpath, real),
        };
    }

    private string? Refuse(string subpath, string target)
    {
        if (_warned.Count < MaxWarnings && _warned.TryAdd(target, 0))
        {
            string allowed = _policy.Mode == SymlinkMode.Never
                ? "follow_symlinks is \"never\""
                : $"outside {string.Join(", ", _realRoots)}; options.follow_symlinks can admit more";
            _log.SymlinkRefused(_realRoot, subpath, target, allowed);
        }
        return null;
    }

    /// <summary>A directory listing without the entries the policy refuses.</summary>
    private sealed class FilteredContents(IDirectoryContents inner, ContainedFileProvider owner, string subpath) : IDirectoryContents
    {
        public bool Exists => true;

        public IEnumerator<IFileInfo> GetEnumerator()
        {
            foreach (var entry in inner)
            {
                var path = subpath.TrimEnd('/') + "/" + entry.Name;
                var admitted = owner.Admitted(path);
                if (admitted is null) continue;
                yield return admitted.Length == 0 ? entry : owner.GetFileInfo(path);
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>The target's content and metadata under the link's own name (what listings show).</summary>
    private sealed class LinkedFileInfo(IFileInfo target, string name) : IFileInfo
    {
        public bool Exists => target.Exists;
        public long Length => target.Length;
        public string? PhysicalPath => target.PhysicalPath;
        public string Name => name;
        public DateTimeOffset LastModified => target.LastModified;
        public bool IsDirectory => target.IsDirectory;
        public Stream CreateReadStream() => target.CreateReadStream();
    }

    public void Dispose() => _inner.Dispose();
}
