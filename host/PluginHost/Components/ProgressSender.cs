using PluginHost.Wamp.Client;

namespace PluginHost.Components;

/// <summary>
/// The IProgress&lt;T&gt; handed to a procedure: each Report becomes a progressive YIELD. Reports are
/// sent one after another in call order (IProgress.Report cannot wait), and the final result
/// waits for them (<see cref="FlushAsync"/>).
/// </summary>
internal abstract class ProgressSender
{
    private readonly WampInvocation _invocation;
    private readonly ValueConverter _converter;
    private readonly CancellationToken _ct;
    private readonly object _lock = new();
    private Task _tail = Task.CompletedTask;

    protected ProgressSender(WampInvocation invocation, ValueConverter converter, CancellationToken ct)
    {
        _invocation = invocation;
        _converter = converter;
        _ct = ct;
    }

    public static ProgressSender Create(Type valueType, WampInvocation invocation, ValueConverter converter, CancellationToken ct)
        => (ProgressSender)Activator.CreateInstance(typeof(Typed<>).MakeGenericType(valueType), invocation, converter, ct)!;

    protected void Send(object? value)
    {
        if (!_invocation.ReceiveProgress) return;
        var args = new object?[] { _converter.ToWamp(value) };
        lock (_lock) _tail = SendAfterAsync(_tail, args);
    }

    private async Task SendAfterAsync(Task previous, object?[] args)
    {
        await previous.ConfigureAwait(false);
        try { await _invocation.SendProgressAsync(args, null, _ct).ConfigureAwait(false); }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
        {
            // Interrupted or already answered: progress has nowhere to go.
        }
    }

    public Task FlushAsync() { lock (_lock) return _tail; }

    private sealed class Typed<T>(WampInvocation invocation, ValueConverter converter, CancellationToken ct)
        : ProgressSender(invocation, converter, ct), IProgress<T>
    {
        public void Report(T value) => Send(value);
    }
}
