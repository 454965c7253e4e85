using System.Diagnostics;
using System.Threading.Channels;

namespace PluginHost.Cli.Dev;

/// <summary>
/// The edit-to-answer loop behind <c>pluginhost dev</c>: watches a component project's sources and rebuilds it
/// (<c>dotnet build -o</c>, incremental) into a plugin folder of the node; the node's own plugin watcher then
/// hot-reloads the component. A failed build leaves the folder untouched, so the running version keeps serving.
///
/// STATE DESIGN: the FileSystemWatcher's callbacks only write file names into <see cref="_changes"/>; one loop
/// (<see cref="RunAsync"/>) owns everything else (debouncing, whether a restore is needed, the running build), so
/// builds never overlap and a save during a build leads to exactly one more build after it.
/// </summary>
internal sealed class DevLoop(DevLoopOptions options, TextWriter stdout, TextWriter stderr)
{
    /// <summary>Editors save in bursts (temp file, rename, touch): wait for this much quiet before building.</summary>
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(100);

    private readonly Channel<(string Path, DateTime At)> _changes = Channel.CreateUnbounded<(string, DateTime)>(new UnboundedChannelOptions { SingleReader = true });
    private bool _restored;
    private DateTime _buildStarted = DateTime.MaxValue, _buildEnded = DateTime.MaxValue;

    public async Task<int> RunAsync(CancellationToken stop)
    {
        using var watcher = new FileSystemWatcher(options.ProjectDir)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        FileSystemEventHandler onChange = (_, e) => Offer(e.FullPath);
        watcher.Changed += onChange;
        watcher.Created += onChange;
        watcher.Deleted += onChange;
        watcher.Renamed += (_, e) => Offer(e.FullPath);
        watcher.EnableRaisingEvents = true;

        stdout.WriteLine(options.Once
            ? $"Building {Display(options.ProjectFile)} into {Display(options.OutputDir)}"
            : $"Watching {Display(options.ProjectDir)} (*.cs, *.csproj); building into {Display(options.OutputDir)}. Ctrl+C to stop.");
        var ok = await BuildAsync("initial build", stop);
        if (!ok && options.Once) return 1;
        if (options.Once) return 0;
        try
        {
            while (true)
            {
                var first = await _changes.Reader.ReadAsync(stop);
                var changed = new SortedSet<string>(StringComparer.Ordinal) { first.Path };
                var duringBuild = new List<string>();
                if (SavedDuringBuild(first.At)) duringBuild.Add(first.Path);
                // Collect the rest of the burst.
                while (true)
                {
                    using var quiet = CancellationTokenSource.CreateLinkedTokenSource(stop);
                    quiet.CancelAfter(Quiet);
                    try
                    {
                        var next = await _changes.Reader.ReadAsync(quiet.Token);
                        changed.Add(next.Path);
                        if (SavedDuringBuild(next.At)) duringBuild.Add(next.Path);
                    }
                    catch (OperationCanceledException) when (!stop.IsCancellationRequested) { break; }
                }
                TouchSavedDuringBuild(duringBuild);
                if (changed.Any(f => f.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase))) _restored = false;
                await BuildAsync(string.Join(", ", changed.Select(f => Path.GetRelativePath(options.ProjectDir, f))), stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            stdout.WriteLine("Stopped watching.");
            return 0;
        }
    }

    /// <summary>Source files only: build output (bin/, obj/) and editor backups do not trigger a build.</summary>
    private void Offer(string path)
    {
        var relative = Path.GetRelativePath(options.ProjectDir, path);
        var parts = relative.Split(Path.DirectorySeparatorChar);
        if (parts.Any(p => p is "bin" or "obj" || p.StartsWith('.'))) return;
        var ext = Path.GetExtension(path);
        if (ext is ".cs" or ".csproj" or ".props" or ".targets" or ".resx" or ".json") _changes.Writer.TryWrite((path, DateTime.UtcNow));
    }

    /// <summary>
    /// A file saved while the compiler ran may be older than that build's output although the output does not
    /// contain it, and MSBuild's timestamp check would then skip compiling it: such files get a fresh write time.
    /// </summary>
    private bool SavedDuringBuild(DateTime at) => at >= _buildStarted && at <= _buildEnded;

    private static void TouchSavedDuringBuild(IEnumerable<string> files)
    {
        foreach (var file in files.Distinct())
        {
            try { if (File.Exists(file)) File.SetLastWriteTimeUtc(file, DateTime.UtcNow); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    private async Task<bool> BuildAsync(string reason, CancellationToken stop)
    {
        stdout.WriteLine($"[{DateTime.Now:HH:mm:ss}] {reason}: building ..");
        var clock = Stopwatch.StartNew();
        (_buildStarted, _buildEnded) = (DateTime.UtcNow, DateTime.MaxValue);
        var outcome = await RunBuildAsync(restore: !_restored, stop);
        _buildEnded = DateTime.UtcNow;
        var seconds = clock.Elapsed.TotalSeconds;
        if (outcome.ExitCode == 0)
        {
            _restored = true;
            stdout.WriteLine($"[{DateTime.Now:HH:mm:ss}] Build succeeded in {seconds:0.0} s; the node reloads {options.AssemblyName}.dll from {Display(options.OutputDir)}");
            return true;
        }
        var errors = BuildErrors.Parse(outcome.Output, Environment.CurrentDirectory);
        stderr.WriteLine($"[{DateTime.Now:HH:mm:ss}] Build failed in {seconds:0.0} s ({errors.Count} error{(errors.Count == 1 ? "" : "s")}); the running version keeps serving:");
        foreach (var error in errors) stderr.WriteLine($"  {error}");
        if (errors.Count == 0) stderr.WriteLine(outcome.Output.TrimEnd());
        return false;
    }

    private async Task<(int ExitCode, string Output)> RunBuildAsync(bool restore, CancellationToken stop)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = options.ProjectDir,
        };
        // Quiet and errors only: the compact report is made from the error lines. Restore only when needed
        // (first build, or a changed project file): it is a good part of a small project's build time.
        string[] args = ["build", options.ProjectFile, "-o", options.OutputDir, "-c", options.Configuration, "--nologo",
            "-v", "q", "-clp:ErrorsOnly;NoSummary", .. (restore ? Array.Empty<string>() : new[] { "--no-restore" }), .. options.BuildArgs];
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start dotnet");
        var output = p.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = p.StandardError.ReadToEndAsync(CancellationToken.None);
        try { await p.WaitForExitAsync(stop); }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw;
        }
        return (p.ExitCode, await output + await errors);
    }

    private static string Display(string path)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) && relative.Count(c => c == Path.DirectorySeparatorChar) > 2 ? path : relative;
    }
}

/// <summary>What <c>pluginhost dev</c> builds and where to.</summary>
internal sealed record DevLoopOptions
{
    public required string ProjectDir { get; init; }
    public required string ProjectFile { get; init; }
    public required string AssemblyName { get; init; }
    public required string OutputDir { get; init; }
    public string Configuration { get; init; } = "Debug";
    public IReadOnlyList<string> BuildArgs { get; init; } = [];
    /// <summary>Build once and exit (scripts, CI): the exit code says whether it built.</summary>
    public bool Once { get; init; }
}
