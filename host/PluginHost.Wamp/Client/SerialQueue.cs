using Microsoft.Extensions.Logging;

namespace PluginHost.Wamp.Client;

/// <summary>
/// Runs work items one at a time, in order, on the thread pool. Used so that user code
/// (event handlers, progress callbacks) never runs on the receive loop while keeping
/// per-subscription / per-call ordering. No thread is held while the queue is empty.
/// </summary>
internal sealed class SerialQueue(ILogger logger, string what)
{
    private readonly Queue<Func<ValueTask>> _items = new();
    private bool _running;

    public void Enqueue(Func<ValueTask> work)
    {
        lock (_items)
        {
            _items.Enqueue(work);
            if (_running) return;
            _running = true;
        }
        ThreadPool.UnsafeQueueUserWorkItem(static q => _ = q.DrainAsync(), this, preferLocal: false);
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            Func<ValueTask> work;
            lock (_items)
            {
                if (!_items.TryDequeue(out work!)) { _running = false; return; }
            }
            try { await work().ConfigureAwait(false); }
            catch (Exception e) { logger.HandlerFailed(e, what); }
        }
    }
}
