using Polly;
using Polly.Retry;
using PluginHost.Node.Config;

namespace PluginHost.Components;

/// <summary>
/// The one Polly pipeline a container component connects and reconnects through: exponential
/// backoff (initial delay × growth^attempt, capped) with "equal jitter" (a random delay between
/// half the backoff and the backoff), so the cap is a hard upper bound on every wait.
/// </summary>
internal static class ReconnectPipeline
{
    public delegate void RetryObserver(int attempt, Exception? error, TimeSpan delay);

    public static ResiliencePipeline Create(ReconnectConfig config, RetryObserver onRetry)
    {
        if (config.MaxRetries == 0) return ResiliencePipeline.Empty;
        return new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            // Load/join failures of the component itself are not cured by waiting.
            ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not ComponentLoadException and not OperationCanceledException),
            MaxRetryAttempts = config.MaxRetries < 0 ? int.MaxValue : config.MaxRetries,
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(Delay(config, args.AttemptNumber)),
            OnRetry = args =>
            {
                onRetry(args.AttemptNumber, args.Outcome.Exception, args.RetryDelay);
                return ValueTask.CompletedTask;
            },
        }).Build();
    }

    public static TimeSpan Delay(ReconnectConfig config, int attempt)
    {
        var backoff = config.InitialDelay.TotalMilliseconds * Math.Pow(config.Growth, Math.Min(attempt, 64));
        var capped = Math.Min(backoff, config.MaxDelay.TotalMilliseconds);
        if (config.Jitter) capped = capped / 2 + Random.Shared.NextDouble() * capped / 2;
        return TimeSpan.FromMilliseconds(capped);
    }
}
