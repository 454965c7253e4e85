namespace PluginHost.Tests.Controller;

/// <summary>Small node configs for controller tests: transports on port 0, fast restart backoff.</summary>
internal static class ControllerConfigs
{
    public const string FastBackoff = """ "restart_backoff": {"initial_delay": 0.05, "max_delay": 0.2, "max_restarts": 3} """;

    public const string RouterWorker = $$$"""
        {"type": "router", "options": { {{{FastBackoff}}} },
         "realms": [{"name": "realm1", "roles": [{"name": "anonymous", "permissions": [{"uri": "", "match": "prefix", "allow": {"call": true, "register": true}}]}]}],
         "transports": [{"type": "websocket", "id": "wsock", "endpoint": {"type": "tcp", "port": 0}}]}
        """;

    public static string Guest(string executable, string arguments = "[]", string options = "")
        => $$$"""{"type": "guest", "executable": "{{{executable}}}", "arguments": {{{arguments}}}, "options": { {{{FastBackoff}}} {{{(options.Length > 0 ? "," + options : "")}}} }}""";

    public static string NodeJson(params string[] workers) => $$$"""{"version": 2, "workers": [{{{string.Join(",\n", workers)}}}]}""";
}
