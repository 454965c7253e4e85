namespace PluginHost.Tests.Controller;

/// <summary>
/// Small node configs for controller tests: transports on port 0, fast restart backoff (reset_after long, so a slow
/// machine never resets a crash loop's count), and a controller that keeps running when a worker stays down.
/// </summary>
internal static class ControllerConfigs
{
    public const string FastBackoff = """ "restart_backoff": {"initial_delay": 0.05, "max_delay": 0.2, "max_restarts": 3, "reset_after": 60} """;

    public const string RouterWorker = $$$"""
        {"type": "router", "options": { {{{FastBackoff}}} },
         "realms": [{"name": "realm1", "roles": [{"name": "anonymous", "permissions": [{"uri": "", "match": "prefix", "allow": {"call": true, "register": true}}]}]}],
         "transports": [{"type": "websocket", "id": "wsock", "endpoint": {"type": "tcp", "port": 0}}]}
        """;

    public static string Guest(string executable, string arguments = "[]", string options = "")
        => $$$"""{"type": "guest", "executable": "{{{executable}}}", "arguments": {{{arguments}}}, "options": { {{{FastBackoff}}} {{{(options.Length > 0 ? "," + options : "")}}} }}""";

    public static string NodeJson(params string[] workers) => NodeJsonWithShutdown("shutdown_on_shutdown_requested", workers);

    /// <summary>A node with controller <c>options.shutdown</c> set to <paramref name="shutdown"/>: one mode, or a JSON list.</summary>
    public static string NodeJsonWithShutdown(string shutdown, params string[] workers)
    {
        var value = shutdown.StartsWith('[') ? shutdown : $"\"{shutdown}\"";
        var controller = $$"""{"options": {"shutdown": {{value}} } }""";
        return $$$"""{"version": 2, "controller": {{{controller}}}, "workers": [{{{string.Join(",\n", workers)}}}]}""";
    }
}
