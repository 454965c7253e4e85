using System.Text.Json;

namespace PluginHost.Node.Config;

/// <summary>An application component of a router or container worker (type "class" or "function").</summary>
public sealed record ComponentConfig
{
    public required string Id { get; init; }
    public required string Type { get; init; }
    public required string Realm { get; init; }
    /// <summary>Router components only: the role the embedded session gets (default "anonymous").</summary>
    public string? Role { get; init; }
    public string? Classname { get; init; }
    /// <summary>Discovered components (<c>options.discover</c>): the DLL the class was found in; configured ones are located by classname.</summary>
    public string? PluginDll { get; init; }
    /// <summary>Container components only: the WebSocket or RawSocket URL they connect to.</summary>
    public string? TransportUrl { get; init; }
    /// <summary>Container components only: how to reach the router (the first of <see cref="Transports"/>).</summary>
    public ComponentTransportConfig? Transport { get; init; }
    /// <summary>Container components only: every router the component may join, in the order they are tried (a
    /// <c>transport</c> list; one element when a single transport is configured).</summary>
    public IReadOnlyList<ComponentTransportConfig> Transports { get; init; } = [];
    /// <summary>The component's "extra" (a cloned element, valid after the config document is gone).</summary>
    public JsonElement? Extra { get; init; }
    /// <summary>Per-component override of the worker's hot reload setting ("hot_reload"); null = the worker's.</summary>
    public bool? HotReload { get; init; }
    /// <summary>Container components only: connect/reconnect backoff.</summary>
    public ReconnectConfig Reconnect { get; init; } = new();
    /// <summary>Container components only: the credentials offered when joining (<c>auth</c>); null = anonymous without an authid.</summary>
    public ComponentAuthConfig? Auth { get; init; }
}

/// <summary>
/// A container component's <c>auth</c>, in the shape of Autobahn's Component <c>authentication</c> (and Crossbar's
/// function components): one entry per method, offered in HELLO.authmethods in config order.
/// </summary>
public sealed record ComponentAuthConfig
{
    /// <summary>HELLO.authid: the first authid of any method.</summary>
    public string? AuthId { get; init; }
    /// <summary>HELLO.authextra (merged from the methods; cryptosign adds its pubkey).</summary>
    public IReadOnlyDictionary<string, object?>? AuthExtra { get; init; }
    /// <summary>The methods in config order: "anonymous", "ticket", "wampcra", "cryptosign", "scram".</summary>
    public IReadOnlyList<string> Methods { get; init; } = [];
    public string? Ticket { get; init; }
    public string? WampCraSecret { get; init; }
    /// <summary>The Ed25519 private key (32-byte seed) in hex.</summary>
    public string? CryptosignPrivateKey { get; init; }
    /// <summary>WAMP-SCRAM: the password (the router holds only keys derived from it).</summary>
    public string? ScramPassword { get; init; }
}

/// <summary>The transport a container component connects over: websocket (url, serializers) or rawsocket (host, port, serializer).</summary>
public sealed record ComponentTransportConfig
{
    public required string Type { get; init; }
    /// <summary>WebSocket: the ws:// or wss:// URL.</summary>
    public string? Url { get; init; }
    /// <summary>WebSocket: serializers offered, in order of preference (default json, msgpack, cbor).</summary>
    public IReadOnlyList<string> Serializers { get; init; } = [];
    /// <summary>RawSocket (tcp endpoint): where to connect.</summary>
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; }
    /// <summary>RawSocket: the one serializer.</summary>
    public string Serializer { get; init; } = "json";
}

/// <summary>
/// Exponential backoff with jitter and a cap for connecting and reconnecting (Autobahn's
/// component transport keys: initial_retry_delay, max_retry_delay, retry_delay_growth,
/// retry_delay_jitter, max_retries).
/// </summary>
public sealed record ReconnectConfig
{
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(0.5);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);
    public double Growth { get; init; } = 1.5;
    /// <summary>Randomize each delay (decorrelated jitter) so that many components do not reconnect in lockstep.</summary>
    public bool Jitter { get; init; } = true;
    /// <summary>Connection attempts after a failure before the component gives up; -1 = forever.</summary>
    public int MaxRetries { get; init; } = -1;
}
