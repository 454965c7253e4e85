using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace PluginHost.Tests.Support;

/// <summary>
/// A real node: `./pluginhost start` on a temporary node directory whose transports listen on
/// port 0. Started once and ready when the node logs its boot line; the bound ports are read
/// from the transport log lines. Disposing sends SIGTERM and kills the process if it lingers.
/// </summary>
public sealed partial class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly TaskCompletionSource _booted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<string, int> _ports = new();
    private readonly List<Waiter> _waiters = [];

    public string NodeDir { get; }
    public IReadOnlyDictionary<string, int> Ports => _ports;
    public string Log { get { lock (_log) return _log.ToString(); } }
    /// <summary>The controller's PID.</summary>
    public int Pid => _process.Id;
    public Task ExitedTask => _process.WaitForExitAsync();
    public int ExitCode => _process.ExitCode;

    [GeneratedRegex(@"transport '(?<id>[^']+)' started \([^,]+, tcp port (?<port>\d+)\)")]
    private static partial Regex TransportStarted();

    /// <summary>The temporary directory the test owns (the node directory or the application folder holding it).</summary>
    private readonly string _ownedDir;

    private NodeProcess(string nodeDir, string? ownedDir = null, bool ignoreSigint = false, IDictionary<string, string>? env = null)
    {
        NodeDir = nodeDir;
        _ownedDir = ownedDir ?? nodeDir;
        var script = Path.Combine(RepoPaths.Root, "pluginhost");
        // SIGINT ignored, as a script's background job (`./pluginhost start &` in sh) has it.
        var psi = new ProcessStartInfo(ignoreSigint ? "/bin/sh" : script)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = nodeDir,
        };
        if (ignoreSigint) foreach (var a in new[] { "-c", "trap '' INT; exec \"$0\" \"$@\"", script }) psi.ArgumentList.Add(a);
        foreach (var a in new[] { "start", "--cbdir", nodeDir }) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        _process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Exited += (_, _) => _booted.TrySetException(new InvalidOperationException("node exited before booting:\n" + Log));
    }

    /// <summary>
    /// Writes <paramref name="configJson"/> as config.json of a fresh node directory (after <paramref name="prepare"/>
    /// put any other files there) and starts the node.
    /// </summary>
    public static async Task<NodeProcess> StartAsync(string configJson, TimeSpan? bootTimeout = null, Action<string>? prepare = null, bool ignoreSigint = false)
    {
        var dir = Directory.CreateTempSubdirectory("pluginhost-node-").FullName;
        prepare?.Invoke(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "config.json"), configJson);
        return await StartAsync(new NodeProcess(dir, ignoreSigint: ignoreSigint), bootTimeout);
    }

    /// <summary>
    /// Copies a sample application (e.g. config/guide-router-guest, holding .crossbar/) to a temporary folder,
    /// lets <paramref name="editConfig"/> adjust its config text (free ports), and starts it.
    /// </summary>
    public static async Task<NodeProcess> StartSampleAsync(string sampleDir, Func<string, string> editConfig, TimeSpan? bootTimeout = null,
        IDictionary<string, string>? env = null)
    {
        // The layout of config/ is kept: the guide configs' index.html is a link to ../default/web/index.html, and their
        // static service admits ../../default/web (options.follow_symlinks); a copy of that folder sits beside the app.
        var owned = Directory.CreateTempSubdirectory("pluginhost-app-").FullName;
        var app = Path.Combine(owned, Path.GetFileName(Path.TrimEndingDirectorySeparator(sampleDir)));
        CopyTree(sampleDir, app);
        var sharedWeb = Path.Combine(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(sampleDir))!, "default", "web");
        if (Path.GetFileName(app) != "default" && Directory.Exists(sharedWeb)) CopyTree(sharedWeb, Path.Combine(owned, "default", "web"));
        var config = Path.Combine(app, ".crossbar", "config.json");
        await File.WriteAllTextAsync(config, editConfig(await File.ReadAllTextAsync(config)));
        return await StartAsync(new NodeProcess(Path.Combine(app, ".crossbar"), owned, env: env), bootTimeout);
    }

    /// <summary>Copies files; a symbolic link stays a link with the same (relative or absolute) target.</summary>
    private static void CopyTree(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (new FileInfo(file).LinkTarget is { } link) File.CreateSymbolicLink(target, link);
            else File.Copy(file, target);
        }
    }

    /// <summary>A TCP port nobody listens on right now (the OS picks it), for configs that need a fixed port.</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<NodeProcess> StartAsync(NodeProcess node, TimeSpan? bootTimeout)
    {
        node._process.Start();
        node._process.BeginOutputReadLine();
        node._process.BeginErrorReadLine();
        try
        {
            // The first start may build the CLI (./pluginhost builds on demand).
            await node._booted.Task.WaitAsync(bootTimeout ?? TimeSpan.FromMinutes(3));
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
        return node;
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        var m = TransportStarted().Match(line);
        if (m.Success) lock (_ports) _ports[m.Groups["id"].Value] = int.Parse(m.Groups["port"].Value);
        // Appending and matching under one lock: a waiter registering meanwhile sees the line exactly once.
        lock (_waiters)
        {
            lock (_log) _log.AppendLine(line);
            foreach (var waiter in _waiters)
                if (waiter.Pattern.Match(line) is { Success: true } hit && ++waiter.Seen == waiter.Occurrence) waiter.Found.TrySetResult(hit);
        }
        if (line.Contains("Ok, local node configuration booted successfully!")) _booted.TrySetResult();
    }

    private sealed record Waiter(Regex Pattern, int Occurrence, TaskCompletionSource<Match> Found)
    {
        public int Seen;
    }

    /// <summary>
    /// The <paramref name="occurrence"/>-th log line (already logged or still to come) matching <paramref name="pattern"/>.
    /// Event-driven: completes as the line arrives, no polling.
    /// </summary>
    public async Task<Match> WaitForLineAsync(string pattern, int occurrence = 1, TimeSpan? timeout = null)
    {
        var waiter = new Waiter(new Regex(pattern), occurrence, new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_waiters)
        {
            lock (_log)
                foreach (var line in _log.ToString().Split('\n'))
                    if (waiter.Pattern.Match(line) is { Success: true } hit && ++waiter.Seen == occurrence) return hit;
            _waiters.Add(waiter);
        }
        try { return await waiter.Found.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30)); }
        catch (TimeoutException) { throw new TimeoutException($"no log line #{occurrence} matched /{pattern}/:\n{Log}"); }
    }

    /// <summary>The PID a worker was started with (<paramref name="restart"/> 0) or restarted with the n-th time, from the controller's log.</summary>
    public async Task<int> WorkerPidAsync(string kind, string id, int restart = 0)
    {
        var pattern = restart == 0 ? $"{kind} with ID '{id}' and PID (\\d+) started" : $"{kind} '{id}' restarted with PID (\\d+)";
        return int.Parse((await WaitForLineAsync(pattern, Math.Max(restart, 1))).Groups[1].Value);
    }

    /// <summary>SIGKILL the controller only (not its workers): they must notice on their own.</summary>
    public void KillController() => _process.Kill(entireProcessTree: false);

    public int Port(string transportId) => _ports.TryGetValue(transportId, out var p) ? p
        : throw new KeyNotFoundException($"transport '{transportId}' did not log a port:\n{Log}");

    /// <summary>Stops the node (SIGTERM, then SIGKILL after 15 s) and removes its folder. A second call does nothing, so a
    /// test may stop a node on purpose and still hold it in <c>await using</c>.</summary>
    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (!_process.HasExited)
        {
            // SIGTERM first: the node shuts down cleanly (GOODBYE to sessions, node.pid removed).
            Process.Start("kill", ["-TERM", _process.Id.ToString()])?.WaitForExit();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try { await _process.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { _process.Kill(entireProcessTree: true); await _process.WaitForExitAsync(); }
        }
        _process.Dispose();
        try { Directory.Delete(_ownedDir, recursive: true); } catch (IOException) { }
    }
}
