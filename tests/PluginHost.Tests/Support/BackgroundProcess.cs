using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace PluginHost.Tests.Support;

/// <summary>
/// A helper process (e.g. a third-party router) that runs beside a test: started, ready once a
/// stdout line matches, killed with its process tree on dispose.
/// </summary>
public sealed class BackgroundProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Regex _ready;
    private readonly TaskCompletionSource<Match> _readyMatch = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly List<(Regex Pattern, int Occurrence, TaskCompletionSource<Match> Found)> _waiters = [];

    private BackgroundProcess(string fileName, IEnumerable<string> arguments, Regex ready, string? workingDirectory, IDictionary<string, string>? env)
    {
        _ready = ready;
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepoPaths.Root,
        };
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        _process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Exited += (_, _) => _readyMatch.TrySetException(new InvalidOperationException($"{fileName} exited early:\n{Output}"));
    }

    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>The line that signalled readiness (regex groups give e.g. the port).</summary>
    public Match Ready { get; private set; } = Match.Empty;

    public static async Task<BackgroundProcess> StartAsync(string fileName, IEnumerable<string> arguments, string readyPattern, TimeSpan timeout,
        string? workingDirectory = null, IDictionary<string, string>? env = null)
    {
        var p = new BackgroundProcess(fileName, arguments, new Regex(readyPattern), workingDirectory, env);
        p._process.Start();
        p._process.BeginOutputReadLine();
        p._process.BeginErrorReadLine();
        try { p.Ready = await p._readyMatch.Task.WaitAsync(timeout); }
        catch
        {
            await p.DisposeAsync();
            throw;
        }
        return p;
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.AppendLine(line);
            foreach (var w in _waiters)
                if (CountMatches(w.Pattern) >= w.Occurrence) w.Found.TrySetResult(w.Pattern.Matches(_output.ToString())[w.Occurrence - 1]);
        }
        var m = _ready.Match(line);
        if (m.Success) _readyMatch.TrySetResult(m);
    }

    /// <summary>Waits for the process to end by itself (the tree is killed on timeout); its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try { await _process.WaitForExitAsync().WaitAsync(timeout); }
        catch (TimeoutException) { throw new TimeoutException($"still running after {timeout.TotalSeconds} s:\n{Output}"); }
        _process.WaitForExit(); // flush the output readers
        return _process.ExitCode;
    }

    private int CountMatches(Regex pattern) => pattern.Count(_output.ToString());

    /// <summary>The <paramref name="occurrence"/>-th match of <paramref name="pattern"/> (multiline) in the output so far or still to come.</summary>
    public async Task<Match> WaitForOutputAsync(string pattern, int occurrence = 1, TimeSpan? timeout = null)
    {
        var regex = new Regex(pattern, RegexOptions.Multiline);
        var found = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            if (CountMatches(regex) >= occurrence) return regex.Matches(_output.ToString())[occurrence - 1];
            _waiters.Add((regex, occurrence, found));
        }
        try { return await found.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30)); }
        catch (TimeoutException) { throw new TimeoutException($"no match #{occurrence} of /{pattern}/ in:\n{Output}"); }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException) { /* never started */ }
        _process.Dispose();
    }
}
