using PluginHost.Wamp.Router;

namespace PluginHost.Node.Config;

/// <summary>
/// PluginHost extension <c>options.outbound</c> on a router worker: how much a session may have queued toward it
/// before it counts as congested (at half) and is closed as a slow consumer (at the limit, or after staying congested
/// for <c>slow_consumer_timeout</c>). <c>{max_bytes: 16777216, max_messages: 16384, slow_consumer_timeout: 10}</c>.
/// </summary>
internal static class OutboundParser
{
    public static RouterOptions Parse(ConfigObject? options)
    {
        var defaults = new RouterOptions();
        if (options?.Object("outbound", "max_bytes", "max_messages", "slow_consumer_timeout") is not { } o) return defaults;
        // Lower bounds keep the high/low water marks (1/2, 1/4) distinct; upper bounds keep a typo from meaning "no limit".
        var timeout = ConfigErrors.Recover(() => NativeOptionsParser.Seconds(o.Get("slow_consumer_timeout")), null);
        if (timeout == TimeSpan.Zero) ConfigErrors.Report(o.Required("slow_consumer_timeout").Error("must be more than 0 seconds"));
        return defaults with
        {
            MaxOutboundBytes = o.Long("max_bytes", defaults.MaxOutboundBytes, 64 * 1024, 4L * 1024 * 1024 * 1024),
            MaxOutboundQueue = o.Int("max_messages", defaults.MaxOutboundQueue, 16, 1_000_000),
            SlowConsumerTimeout = timeout is { } t && t > TimeSpan.Zero ? t : defaults.SlowConsumerTimeout,
        };
    }
}
