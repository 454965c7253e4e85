using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace PluginHost.Tests.Components;

/// <summary>Collects formatted log lines; tests wait for a line instead of sleeping.</summary>
public sealed class LogCollector : ILoggerProvider, ILoggerFactory
{
    private readonly List<string> _lines = [];
    private readonly List<(Regex Pattern, int Count, TaskCompletionSource Done)> _waiters = [];

    public IReadOnlyList<string> Lines { get { lock (_lines) return _lines.ToList(); } }
    public string Text => string.Join('\n', Lines);

    public int Count(string pattern) { lock (_lines) return _lines.Count(l => Regex.IsMatch(l, pattern)); }

    /// <summary>Completes once <paramref name="count"/> lines match <paramref name="pattern"/> (regex).</summary>
    public Task WaitForAsync(string pattern, int count = 1, TimeSpan? timeout = null)
    {
        var regex = new Regex(pattern);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            if (_lines.Count(regex.IsMatch) >= count) return Task.CompletedTask;
            _waiters.Add((regex, count, done));
        }
        return done.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30))
            .ContinueWith(t => t.IsFaulted ? throw new TimeoutException($"no log line matching '{pattern}' (x{count}); log:\n{Text}") : t,
                TaskScheduler.Default).Unwrap();
    }

    private void Add(string line)
    {
        lock (_lines)
        {
            _lines.Add(line);
            foreach (var w in _waiters.ToList())
                if (_lines.Count(w.Pattern.IsMatch) >= w.Count) { _waiters.Remove(w); w.Done.TrySetResult(); }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);
    public void AddProvider(ILoggerProvider provider) { }
    public void Dispose() { }

    private sealed class Logger(LogCollector owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => owner.Add($"{logLevel} [{category}] {formatter(state, exception)}{(exception is null ? "" : " | " + exception.Message)}");
    }
}
