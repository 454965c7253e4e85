using PluginHost.Tests.Support;

namespace PluginHost.Tests.Interop;

/// <summary>
/// One node shared by the interop tests: realm1 open to anonymous (callers and publishers disclosed; event history for the
/// prefix com.example.history.), realm "restricted" whose
/// anonymous role may only call/register/subscribe under com.public. (and publish nowhere),
/// "restricted_flat" with the same rule in Crossbar 0.10's flat permission form,
/// a web transport with a WebSocket path and a RawSocket transport, both on free ports.
/// </summary>
public sealed class InteropNodeFixture : IAsyncLifetime
{
    public const string Config = """
    {
      "version": 2,
      "workers": [{
        "type": "router",
        "realms": [
          { "name": "realm1",
            "roles": [{ "name": "anonymous",
                        "permissions": [{ "uri": "", "match": "prefix",
                                          "allow": { "call": true, "register": true, "publish": true, "subscribe": true },
                                          "disclose": { "caller": true, "publisher": true } }] }],
            "store": { "type": "memory", "event-history": [{ "uri": "com.example.history.", "match": "prefix", "limit": 1000 }] } },
          { "name": "restricted",
            "roles": [{ "name": "anonymous",
                        "permissions": [{ "uri": "com.public.", "match": "prefix",
                                          "allow": { "call": true, "register": true, "publish": false, "subscribe": true } }] }] },
          { "name": "restricted_flat",
            "roles": [{ "name": "anonymous",
                        "permissions": [{ "uri": "com.public.*", "call": true, "register": true, "publish": false, "subscribe": true }] }] }
        ],
        "transports": [
          { "id": "web", "type": "web", "endpoint": { "type": "tcp", "port": 0, "interface": "127.0.0.1" },
            "paths": { "ws": { "type": "websocket" } } },
          { "id": "raw", "type": "rawsocket", "endpoint": { "type": "tcp", "port": 0, "interface": "127.0.0.1" } }
        ]
      }]
    }
    """;

    public NodeProcess Node { get; private set; } = null!;

    public string WebSocketUrl => $"ws://127.0.0.1:{Node.Port("web")}/ws";
    public string RawSocketUrl => $"rs://127.0.0.1:{Node.Port("raw")}";

    public async Task InitializeAsync() => Node = await NodeProcess.StartAsync(Config);

    public async Task DisposeAsync() => await Node.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class InteropCollection : ICollectionFixture<InteropNodeFixture>
{
    public const string Name = "interop node";
}
