using PluginHost.Node.Config;

namespace PluginHost.Tests.Node;

/// <summary>Builds small configs around the part under test and parses them against a temporary node directory.</summary>
internal static class ConfigTestData
{
    public const string Realm = """{"name": "realm1", "roles": [{"name": "anonymous", "permissions": [{"uri": "", "match": "prefix", "allow": {"call": true}}]}]}""";

    public static string RouterWorker(string transports = "[]", string realms = $"[{Realm}]", string extra = "")
        => $$"""{"version": 2, "workers": [{"type": "router", "realms": {{realms}}, "transports": {{transports}}{{extra}}}]}""";

    public static string WebSocket(string endpoint = """{"type": "tcp", "port": 0}""", string extra = "")
        => $$"""[{"type": "websocket", "endpoint": {{endpoint}}{{extra}}}]""";

    public static NodeConfig Parse(string json, IDictionary<string, string>? env = null, string? nodeDir = null)
        => ConfigLoader.Parse(json, nodeDir ?? Path.GetTempPath(), name => env is not null && env.TryGetValue(name, out var v) ? v : null);

    public static ConfigException Fail(string json, IDictionary<string, string>? env = null, string? nodeDir = null)
        => Assert.Throws<ConfigException>(() => Parse(json, env, nodeDir));

    public static RouterWorkerConfig FirstRouter(this NodeConfig config) => Assert.IsType<RouterWorkerConfig>(config.Workers[0]);
}
