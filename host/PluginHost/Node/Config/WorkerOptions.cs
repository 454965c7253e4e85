namespace PluginHost.Node.Config;

/// <summary>
/// Crossbar's worker <c>options.env</c>: <c>inherit</c> true (all), false (none) or a list of names taken
/// from the controller's environment, then <c>vars</c> set on top.
/// </summary>
public sealed record ProcessEnvironment(bool InheritAll, IReadOnlyList<string> InheritNames, IReadOnlyDictionary<string, string> Vars)
{
    public static ProcessEnvironment Inherited { get; } = new(true, [], new Dictionary<string, string>());

    /// <summary>Applies the rules to a child's environment block (pre-filled with the controller's environment).</summary>
    public void ApplyTo(IDictionary<string, string?> target)
    {
        if (!InheritAll)
            foreach (var name in target.Keys.ToList())
                if (!InheritNames.Contains(name, StringComparer.Ordinal)) target.Remove(name);
        foreach (var (name, value) in Vars) target[name] = value;
    }
}

/// <summary>
/// <c>options.restart_backoff</c> (PluginHost extension; Crossbar never restarts workers, issue #47): exponential
/// backoff from <see cref="InitialDelay"/> doubling up to <see cref="MaxDelay"/>, at most <see cref="MaxRestarts"/>
/// restarts in a row (0 = never restart) before the controller gives up on the worker. A run of at least
/// <see cref="ResetAfter"/> (default: max_delay) starts a new count, so the cap stops crash loops, not a worker
/// that fails once a week.
/// </summary>
public sealed record RestartBackoff
{
    private readonly TimeSpan? _resetAfter;

    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);
    public int MaxRestarts { get; init; } = 10;
    public TimeSpan ResetAfter { get => _resetAfter ?? MaxDelay; init => _resetAfter = value; }

    /// <summary>The pause before restart number <paramref name="restart"/> (1-based): initial_delay doubling, capped at max_delay.</summary>
    public TimeSpan DelayBefore(int restart)
        => TimeSpan.FromTicks((long)Math.Min(MaxDelay.Ticks, InitialDelay.Ticks * Math.Pow(2, Math.Min(restart - 1, 62))));
}

/// <summary>Crossbar's container <c>options.shutdown</c> modes.</summary>
public enum ContainerShutdown { Manual, OnLastComponentStopped, OnAnyComponentFailed, OnAnyComponentStopped }

/// <summary>Crossbar's container <c>options.restart</c> modes.</summary>
public enum ContainerRestart { Never, Always, OnFailed }

/// <summary>Guest <c>options.stdin</c>: "close", or JSON written at spawn and then (by default) closed.</summary>
public sealed record GuestStdin(string? Json, bool CloseAfter)
{
    public static GuestStdin Close { get; } = new(null, true);
}

/// <summary>Guest <c>options.stdout</c>/<c>stderr</c>: log each line, read and drop it, or close the stream.</summary>
public enum GuestOutput { Log, Drop, Close }

/// <summary>Guest <c>options.watch</c>: directories (resolved against the node directory) and the settle delay before restarting.</summary>
public sealed record GuestWatch(IReadOnlyList<string> Directories, TimeSpan Delay);
