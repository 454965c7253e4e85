using PluginHost.Node.Config;

namespace PluginHost.Node.Controller;

/// <summary>What the controller does after a worker died.</summary>
/// <param name="Restart">False: the worker has used up its restarts in a row and stays down.</param>
/// <param name="Attempt">The number of this restart in the current run of crashes (1-based).</param>
/// <param name="CounterReset">The worker had run for at least reset_after, so the count started over.</param>
public readonly record struct RestartDecision(bool Restart, int Attempt, TimeSpan Delay, bool CounterReset);

/// <summary>
/// Counts a worker's restarts in a row (pure; the Polly pipeline asks it on every death). A death after a run of at
/// least <see cref="RestartBackoff.ResetAfter"/> is a new incident, not part of a crash loop: the count and the
/// backoff start over, so max_restarts limits crash loops, not restarts over the node's lifetime.
/// </summary>
public sealed class RestartBudget(RestartBackoff backoff)
{
    private int _inARow;

    public RestartBackoff Backoff => backoff;

    /// <param name="uptime">How long the process ran after it reported ready (zero if it died before).</param>
    public RestartDecision OnDeath(TimeSpan uptime)
    {
        var reset = _inARow > 0 && uptime >= backoff.ResetAfter;
        if (reset) _inARow = 0;
        if (_inARow >= backoff.MaxRestarts) return new RestartDecision(false, _inARow, TimeSpan.Zero, reset);
        _inARow++;
        return new RestartDecision(true, _inARow, backoff.DelayBefore(_inARow), reset);
    }

    /// <summary>The crash loop is over without a healthy run (its culprit was quarantined): the next death counts from 1.</summary>
    public void StartOver() => _inARow = 0;
}
