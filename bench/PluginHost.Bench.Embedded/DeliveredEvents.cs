using BenchmarkDotNet.Attributes;
using PluginHost.Wamp.Client;

namespace PluginHost.Bench.Embedded;

/// <summary>
/// Delivered events per second on ONE core: one publisher and <see cref="SubscriberCount"/> subscribers of the topic,
/// each publication delivered to all; the benchmark ends when every event has arrived. "Mean" is per delivered event
/// (OperationsPerInvoke), so events/s = 1 s / Mean.
/// </summary>
public abstract class EventDelivery
{
    protected const int Publications = 2048;
    private static readonly object?[] Payload = ["tick", 42];

    private EmbeddedRouter _router = null!;
    private WampSession _publisher = null!;
    private int _delivered;
    private int _expected;
    private TaskCompletionSource _all = new();

    protected abstract int SubscriberCount { get; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _router = new EmbeddedRouter();
        for (int i = 0; i < SubscriberCount; i++)
        {
            var subscriber = await _router.JoinAsync();
            await subscriber.SubscribeAsync("bench.tick", _ =>
            {
                if (Interlocked.Increment(ref _delivered) == _expected) _all.TrySetResult();
                return ValueTask.CompletedTask;
            });
        }
        _publisher = await _router.JoinAsync();
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _router.DisposeAsync();

    protected async Task PublishAllAsync()
    {
        _all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _delivered = 0;
        Volatile.Write(ref _expected, Publications * SubscriberCount);
        for (int i = 0; i < Publications; i++) await _publisher.PublishAsync("bench.tick", Payload);
        await _all.Task;
    }
}

[MemoryDiagnoser]
[Config(typeof(OneCore))]
public class EventsToOneSubscriber : EventDelivery
{
    protected override int SubscriberCount => 1;

    [Benchmark(OperationsPerInvoke = Publications)]
    public Task Publish() => PublishAllAsync();
}

[MemoryDiagnoser]
[Config(typeof(OneCore))]
public class EventsToHundredSubscribers : EventDelivery
{
    protected override int SubscriberCount => 100;

    [Benchmark(OperationsPerInvoke = Publications * 100)]
    public Task Publish() => PublishAllAsync();
}
