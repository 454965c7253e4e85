using Microsoft.Extensions.Logging;
using Polly;
using Polly.Registry;
using Polly.Retry;
using PluginHost.Node.Config;

namespace PluginHost.Node.Controller;

/// <summary>
/// One named restart pipeline per worker (<c>worker-restart/&lt;id&gt;</c>), built once from the worker's
/// <c>options.restart_backoff</c>: retry on <see cref="WorkerDiedException"/>, exponential delay without jitter (so
/// the log is predictable), capped at max_delay, at most max_restarts times.
/// </summary>
public sealed class RestartPipelines(ILogger log) : IAsyncDisposable
{
    private readonly ResiliencePipelineRegistry<string> _registry = new();

    public ResiliencePipeline For(WorkerConfig worker)
    {
        var backoff = worker.RestartBackoff;
        return _registry.GetOrAddPipeline($"worker-restart/{worker.Id}", builder =>
        {
            if (backoff.MaxRestarts == 0) return; // an empty pipeline: the first death is final
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<WorkerDiedException>(),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                Delay = backoff.InitialDelay,
                MaxDelay = backoff.MaxDelay,
                MaxRetryAttempts = backoff.MaxRestarts,
                OnRetry = args =>
                {
                    log.LogWarning("Restarting {Kind} '{Id}' in {Delay:0.###} s (restart {Attempt} of {Max}) after: {Reason}",
                        worker.Kind, worker.Id, args.RetryDelay.TotalSeconds, args.AttemptNumber + 1, backoff.MaxRestarts,
                        args.Outcome.Exception?.Message);
                    return ValueTask.CompletedTask;
                },
            });
        });
    }

    public ValueTask DisposeAsync() => _registry.DisposeAsync();
}
