using Microsoft.Extensions.Logging;
using Polly;
using Polly.Registry;
using Polly.Retry;
using PluginHost.Node.Config;

namespace PluginHost.Node.Controller;

/// <summary>
/// One named restart pipeline per worker (<c>worker-restart/&lt;id&gt;</c>), built once from the worker's
/// <c>options.restart_backoff</c>: retry on <see cref="WorkerDiedException"/> while the worker's
/// <see cref="RestartBudget"/> allows it (restarts in a row, reset after a healthy run), exponential delay without
/// jitter (so the log is predictable), capped at max_delay.
/// </summary>
public sealed class RestartPipelines(ILogger log) : IAsyncDisposable
{
    private readonly ResiliencePipelineRegistry<string> _registry = new();

    /// <param name="budget">The worker's restart count (its supervisor starts it over when it quarantines a component).</param>
    public ResiliencePipeline For(WorkerConfig worker, RestartBudget budget)
    {
        var last = default(RestartDecision); // ShouldHandle decides; DelayGenerator and OnRetry of the same attempt read it
        return _registry.GetOrAddPipeline($"worker-restart/{worker.Id}", builder => builder.AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = args =>
            {
                if (args.Outcome.Exception is not WorkerDiedException died) return ValueTask.FromResult(false);
                last = budget.OnDeath(died.Uptime);
                return ValueTask.FromResult(last.Restart);
            },
            DelayGenerator = _ => ValueTask.FromResult<TimeSpan?>(last.Delay),
            MaxRetryAttempts = int.MaxValue, // the budget decides
            OnRetry = args =>
            {
                var died = (WorkerDiedException)args.Outcome.Exception!;
                if (last.CounterReset)
                    log.LogInformation("{Kind} '{Id}' had run for {Uptime:0.#} s (reset_after {Reset:0.###} s); restart count reset",
                        worker.Kind, worker.Id, died.Uptime.TotalSeconds, budget.Backoff.ResetAfter.TotalSeconds);
                log.LogWarning("Restarting {Kind} '{Id}' in {Delay:0.###} s (restart {Attempt} of {Max}) after: {Reason}",
                    worker.Kind, worker.Id, last.Delay.TotalSeconds, last.Attempt, budget.Backoff.MaxRestarts, died.Message);
                return ValueTask.CompletedTask;
            },
        }));
    }

    public ValueTask DisposeAsync() => _registry.DisposeAsync();
}
