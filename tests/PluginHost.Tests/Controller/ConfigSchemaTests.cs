using System.Text.Json;
using Json.Schema;
using PluginHost.Node.Config;
using PluginHost.Tests.Support;

namespace PluginHost.Tests.Controller;

/// <summary>
/// config/pluginhost-config.schema.json (for editors) and the config validator must agree: every sample config
/// passes both, and each bad config below is rejected by both. A new option goes into both or this fails.
/// </summary>
public class ConfigSchemaTests
{
    private static readonly JsonSchema Schema = JsonSchema.FromText(
        File.ReadAllText(Path.Combine(RepoPaths.Root, "config", "pluginhost-config.schema.json")));

    private static EvaluationResults SchemaResult(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return Schema.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
    }

    private static string Errors(EvaluationResults r)
        => string.Join("\n", (r.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));

    public static TheoryData<string> SampleConfigs()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "config"), "config.json", SearchOption.AllDirectories))
            data.Add(Path.GetRelativePath(RepoPaths.Root, file));
        data.Add(Path.Combine("host", "PluginHost", "Cli", "Templates", "config.json"));
        return data;
    }

    [Theory]
    [MemberData(nameof(SampleConfigs))]
    public void SampleConfigsPassSchemaAndValidator(string relativePath)
    {
        var file = Path.Combine(RepoPaths.Root, relativePath);
        var result = SchemaResult(File.ReadAllText(file));
        Assert.True(result.IsValid, Errors(result));
        // The init template's paths only exist once init wrote it: InitAndUpgradeTests validates it there.
        // config/other-router takes its router's URL from ROUTER_URL.
        if (!relativePath.Contains("Templates"))
            ConfigLoader.LoadFile(file, Path.GetDirectoryName(file)!, name => name == "ROUTER_URL" ? "ws://127.0.0.1:8080/ws" : Environment.GetEnvironmentVariable(name));
    }

    public static TheoryData<string> GoodConfigs() => new()
    {
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}], "cluster": {"nats": "nats://127.0.0.1:4222", "node": "a"}}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}, {"name": "local"}], "cluster": {"nats": ["nats://n1:4222", "tls://n2:4443"], "name": "prod", "realms": ["realm1"], "node_timeout": 5, "user": "u", "password": "p", "outbox": 1024}}]}""",
        """{"version": 2, "workers": [{"type": "router", "options": {"outbound": {"max_bytes": 1048576, "max_messages": 1024, "slow_consumer_timeout": 2.5}}}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "roles": [{"name": "user", "authorizer": "com.example.authorize"}]}], "transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 0}, "auth": {"ticket": {"type": "dynamic", "authenticator": "com.example.authenticate", "authenticator-realm": "realm1"}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "store": {"type": "cfxdb", "path": ".db", "maxsize": 1048576, "event-history": [{"uri": "com.a"}]}}]}]}""",
        """{"version": 2, "workers": [{"type": "guest", "executable": "sh", "arguments": ["-c", "true"], "options": {"stdin": {"type": "json", "value": {"a": 1}, "close": false}, "stdout": "drop", "stderr": "close", "env": {"inherit": ["PATH"], "vars": {"A": "b"}}, "restart_backoff": {"initial_delay": 0.5, "max_delay": 5, "max_restarts": 3, "reset_after": 60}}}]}""",
        """{"version": 2, "controller": {"options": {"shutdown": ["shutdown_on_worker_exit_with_error", "shutdown_on_last_worker_exit"]}}, "workers": []}""",
        """{"version": 2, "controller": {"options": {"shutdown": "shutdown_on_shutdown_requested"}}}""",
        """{"version": 2, "workers": [{"type": "router", "id": "edge_router", "options": {"title": "edge", "cpu_affinity": [0], "pythonpath": [".."], "disabled": "${OFF}", "env": {"inherit": false}}, "transports": [{"type": "rawsocket", "endpoint": {"type": "tcp", "port": "$PORT"}}]}]}""",
        """{"version": 2, "workers": [{"type": "container", "options": {"shutdown": "shutdown-on-last-component-stopped", "restart": "restart-on-failed", "restart_backoff": {"max_restarts": 0}}}]}""",
        """{"workers": [{"type": "router", "realms": [{"name": "realm1", "roles": [{"name": "anonymous", "permissions": [{"uri": "*", "call": true}]}]}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "store": {"type": "memory", "limit": 50, "event-history": [{"uri": "com.a"}, {"uri": "com.p.", "match": "prefix", "limit": 1000}], "call-queue": [{"uri": "com.c", "limit": 1}]}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "store": {"type": "memory"}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}], "transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 8080}, "cookie": {"name": "sid", "length": 32, "max_age": 3600, "store": {"type": "memory"}, "same_site": "Lax"}, "auth": {"cookie": {}, "ticket": {"principals": {"joe": {"ticket": "s", "role": "user"}}}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "store": {"type": "sqlite", "path": "realm1.sqlite", "limit": 10, "event-history": [{"uri": "com.a"}]}}]}]}""",
        """{"version": 2, "workers": [{"type": "container", "components": [{"type": "class", "classname": "a.B", "realm": "realm1", "transport": {"type": "websocket", "url": "ws://127.0.0.1:8080/ws", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": 8080}}, "hot_reload": false, "auth": {"ticket": {"authid": "joe", "ticket": "${PORT}", "authextra": {"a": 1}}, "anonymous": {}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "roles": [{"name": "bridge"}]}], "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"publish": {"type": "publisher", "realm": "realm1", "role": "bridge", "options": {"key": "k", "secret": "s", "require_ip": ["127.0.0.0/8"], "require_tls": false, "post_body_limit": 4096, "timestamp_delta_limit": 60, "debug": true}}, "call": {"type": "caller", "id": "c1", "realm": "realm1", "role": "bridge"}, "hook": {"type": "webhook", "realm": "realm1", "role": "bridge", "options": {"topic": "com.example.hook", "success_response": "yes", "error_response": "no", "github_secret": "g", "post_body_limit": 0}}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"metrics": {"type": "metrics"}, "ws": {"type": "websocket"}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"app": {"type": "reverseproxy", "host": "127.0.0.1", "port": 5000, "path": "/app", "forwarded_port": 443, "forwarded_proto": "https", "id": "p1"}, "/": {"type": "reverseproxy", "host": "backend"}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}], "options": {"discover": {"directory": ".", "realm": "realm1", "role": "backend", "exclude": ["acme.Internal*"], "hot_reload": false}}}]}""",
        """{"version": 2, "workers": [{"type": "router", "options": {"discover": {"directory": "."}}}]}""",
        """{"version": 2, "workers": [{"type": "container", "options": {"pythonpath": ["."], "discover": {"directory": ".", "realm": "realm1", "transport": {"type": "rawsocket", "endpoint": {"type": "tcp", "port": 8081}, "serializer": "cbor", "max_retries": 3}, "auth": {"ticket": {"authid": "joe", "ticket": "t"}}, "exclude": ["a.B"]}}}]}""",
        """{"version": 2, "workers": [{"type": "router", "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"ws": {"type": "websocket-reverseproxy", "url": "ws://public/ws", "options": {"allowed_origins": ["*"]}, "backend": {"type": "websocket", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": 9000, "timeout": 5}, "url": "ws://localhost:9000/ws"}}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"/": {"type": "static", "directory": ".", "options": {"follow_symlinks": "anywhere", "enable_directory_listing": true, "mime_types": {"wasm": "application/wasm"}, "cache_timeout": null, "default_file": "index.html"}}, "a": {"type": "static", "directory": ".", "options": {"follow_symlinks": ["."]}}, "b": {"type": "static", "directory": ".", "options": {"follow_symlinks": "never"}}}}]}]}""",
        """{"version": 2, "workers": [{"type": "container", "components": [{"type": "class", "classname": "a.B", "realm": "realm1", "transport": {"type": "websocket", "url": "ws://127.0.0.1:8080/ws", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": 8080}}, "auth": {"scram": {"authid": "alice", "password": "${PORT}"}}}]}]}""",
        // Several routers: a transport list (tried in order).
        """{"version": 2, "workers": [{"type": "container", "components": [{"type": "class", "classname": "a.B", "realm": "realm1", "transport": [{"type": "websocket", "url": "ws://127.0.0.1:8080/ws", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": 8080}}, {"type": "rawsocket", "serializer": "json", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": 8081}}]}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "roles": [{"name": "user"}]}], "transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 0}, "auth": {"scram": {"type": "static", "principals": {"alice": {"kdf": "argon2id-13", "memory": 512, "iterations": 4096, "salt": "ff8d9819fc0e12bf0d24892e45987e24", "stored-key": "a7f4f4b9458b859252ba0a0b0c10cdf24b68d6ab257704b65049cfa92e9428a1", "server-key": "dd13f08d5bd56df06d8306d18fbb576296e0595910fc7afc2aaaa28138448d0a", "role": "user"}}}, "tls": {"type": "dynamic", "authenticator": "com.example.authenticate"}}}]}]}""",
    };

    [Theory]
    [MemberData(nameof(GoodConfigs))]
    public void GoodConfigsPassBoth(string json)
    {
        var result = SchemaResult(json);
        Assert.True(result.IsValid, Errors(result));
        ConfigLoader.Parse(json, Path.GetTempPath(), name => name == "PORT" ? "8080" : null);
    }

    public static TheoryData<string> BadConfigs() => new()
    {
        """{"version": 2, "workers": [{"type": "router", "cluster": {"node": "a"}}]}""",
        """{"version": 2, "workers": [{"type": "router", "cluster": {"nats": "http://127.0.0.1:4222"}}]}""",
        """{"version": 2, "workers": [{"type": "router", "cluster": {"nats": []}}]}""",
        """{"version": 2, "workers": [{"type": "router", "cluster": {"nats": "nats://h:1", "node_timeout": 0.1}}]}""",
        """{"version": 2, "workers": [{"type": "router", "cluster": {"nats": "nats://h:1", "servers": ["nats://h:2"]}}]}""",
        """{"version": 2, "workers": [{"type": "router", "options": {"outbound": {"max_bytes": 100}}}]}""",
        """{"version": 2, "workers": [{"type": "router", "options": {"outbound": {"max_messages": "many"}}}]}""",
        """{"version": 2, "workers": [{"type": "router", "options": {"outbound": {"slow_consumer_timeout": 0}}}]}""",
        """{"version": 2, "workers": [{"type": "router", "options": {"outbound": {"max_queue": 10}}}]}""",
        """{"version": 2, "workers": [{"type": "container", "options": {"outbound": {"max_bytes": 1048576}}}]}""",
        """{"version": 2, "processes": []}""",
        """{"version": 2, "controller": {"options": {"shutdown": "shutdown_on_worker_crash"}}}""",
        """{"version": 2, "controller": {"options": {"shutdown": [true]}}}""",
        """{"version": 2, "workers": [{"type": "router", "options": {"restart_backoff": {"reset_after": -1}}}]}""",
        """{"version": 3}""",
        """{"version": 2, "workers": [{"type": "router", "realm": []}]}""",
        """{"version": 2, "workers": [{"type": "router", "transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": "80a"}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 70000}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "transports": [{"type": "rawsocket", "endpoint": {"type": "tcp", "port": 0}, "paths": {}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "id": "Bad-ID"}]}""",
        """{"version": 2, "workers": [{"type": "router", "options": {"cpu_affinity": ["0"]}}]}""",
        """{"version": 2, "workers": [{"type": "router", "options": {"restart_backoff": {"initial_delay": "1s"}}}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"roles": []}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "store": {"limit": 10}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "store": {"type": "sqlite"}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}], "transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 8080}, "cookie": {"name": "Bad-Name"}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}], "transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 8080}, "cookie": {"length": 5}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}], "transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 8080}, "cookie": {"store": {"type": "redis"}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "store": {"type": "sqlite", "path": "db", "maxsize": 10}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "store": {"type": "zlmdb"}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "store": {"type": "memory", "path": "db"}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "store": {"type": "memory", "limit": 0}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "store": {"type": "memory", "event-history": [{"match": "prefix"}]}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "store": {"type": "memory", "event-history": [{"uri": "com.a", "match": "glob"}]}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "store": {"type": "memory", "event-history": [{"uri": "com.a", "limit": "5"}]}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "store": {"type": "memory", "history": []}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "roles": [{"name": "r", "permissions": [{"uri": "a", "call": true, "allow": {}}]}]}]}]}""",
        """{"version": 2, "workers": [{"type": "container", "options": {"restart": "restart-always", "shutdown": "shutdown-on-any-component-stopped"}}]}""",
        """{"version": 2, "workers": [{"type": "container", "options": {"shutdown": "shutdown-on-last-worker-exit"}}]}""",
        """{"version": 2, "workers": [{"type": "guest", "arguments": []}]}""",
        """{"version": 2, "workers": [{"type": "guest", "executable": "sh", "options": {"stdout": "file"}}]}""",
        """{"version": 2, "workers": [{"type": "guest", "executable": "sh", "options": {"stdin": {"type": "msgpack", "value": 1}}}]}""",
        """{"version": 2, "workers": [{"type": "guest", "executable": "sh", "options": {"env": {"vars": {"A": 1}}}}]}""",
        """{"version": 2, "workers": [{"type": "guest", "executable": "sh", "options": {"watch": {"directories": ["."], "action": "reload"}}}]}""",
        """{"version": 2, "workers": [{"type": "guest", "executable": "sh", "options": {"disabled": true}}]}""",
        """{"version": 2, "workers": [{"type": "proxy"}]}""",
        """{"version": 2, "workers": [{"type": "router", "options": {"discover": {"realm": "realm1"}}}]}""",
        """{"version": 2, "workers": [{"type": "router", "options": {"discover": {"directory": ".", "transport": {}}}}]}""",
        """{"version": 2, "workers": [{"type": "router", "options": {"discover": {"directory": ".", "exclude": [""]}}}]}""",
        """{"version": 2, "workers": [{"type": "router", "options": {"discover": {"directory": ".", "hot_reload": "yes"}}}]}""",
        """{"version": 2, "workers": [{"type": "router", "options": {"discover": "."}}]}""",
        """{"version": 2, "workers": [{"type": "container", "options": {"discover": {"directory": ".", "realm": "realm1"}}}]}""",
        """{"version": 2, "workers": [{"type": "container", "options": {"discover": {"directory": ".", "role": "x", "transport": {"type": "websocket", "url": "ws://h/ws", "endpoint": {"type": "tcp", "host": "h", "port": 1}}}}}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "roles": [{"name": "user", "authorizer": 42}]}]}]}""",
        """{"version": 2, "workers": [{"type": "container", "components": [{"type": "class", "classname": "a.B", "realm": "realm1", "transport": {"type": "websocket", "url": "ws://127.0.0.1:8080/ws", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": 8080}}, "auth": {}}]}]}""",
        // A transport list must name at least one router.
        """{"version": 2, "workers": [{"type": "container", "components": [{"type": "class", "classname": "a.B", "realm": "realm1", "transport": []}]}]}""",
        """{"version": 2, "workers": [{"type": "container", "components": [{"type": "class", "classname": "a.B", "realm": "realm1", "transport": {"type": "websocket", "url": "ws://127.0.0.1:8080/ws", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": 8080}}, "auth": {"tls": {}}}]}]}""",
        """{"version": 2, "workers": [{"type": "container", "components": [{"type": "class", "classname": "a.B", "realm": "realm1", "transport": {"type": "websocket", "url": "ws://127.0.0.1:8080/ws", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": 8080}}, "auth": {"scram": {"authid": "alice"}}}]}]}""",
        """{"version": 2, "workers": [{"type": "container", "components": [{"type": "class", "classname": "a.B", "realm": "realm1", "transport": {"type": "websocket", "url": "ws://127.0.0.1:8080/ws", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": 8080}}, "auth": {"scram": {"authid": "alice", "password": "p", "kdf": "pbkdf2"}}}]}]}""",
        """{"version": 2, "workers": [{"type": "container", "components": [{"type": "class", "classname": "a.B", "realm": "realm1", "transport": {"type": "websocket", "url": "ws://127.0.0.1:8080/ws", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": 8080}}, "auth": {"ticket": {"authid": "joe"}}}]}]}""",
        """{"version": 2, "workers": [{"type": "container", "components": [{"type": "class", "classname": "a.B", "realm": "realm1", "transport": {"type": "websocket", "url": "ws://127.0.0.1:8080/ws", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": 8080}}, "auth": {"wampcra": {"secret": "s", "salt": "x"}}}]}]}""",
        """{"version": 2, "workers": [{"type": "container", "components": [{"type": "class", "classname": "a.B", "realm": "realm1", "transport": {"type": "websocket", "url": "ws://127.0.0.1:8080/ws", "endpoint": {"type": "tcp", "host": "127.0.0.1", "port": 8080}}, "auth": {"cryptosign": {"privkey": 1}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"metrics": {"type": "metrics", "path": "/x"}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}], "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"p": {"type": "webhook", "realm": "realm1", "role": "r", "options": {}}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}], "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"p": {"type": "webhook", "realm": "realm1", "role": "r"}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}], "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"p": {"type": "publisher", "realm": "realm1"}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}], "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"p": {"type": "publisher", "realm": "realm1", "role": "r", "options": {"post_body_limit": 2000000}}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}], "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"p": {"type": "caller", "realm": "realm1", "role": "r", "options": {"timestamp_delta_limit": 90000}}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}], "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"p": {"type": "caller", "realm": "realm1", "role": "r", "options": {"secret": "s"}}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}], "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"p": {"type": "caller", "realm": "realm1", "role": "r", "options": {"topic": "t"}}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}], "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"p": {"type": "webhook", "realm": "realm1", "role": "r", "options": {"topic": "t", "secret": "s"}}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"app": {"type": "reverseproxy", "port": 5000}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"app": {"type": "reverseproxy", "host": "h", "port": 0}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"app": {"type": "reverseproxy", "host": "h", "path": "app"}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"app": {"type": "reverseproxy", "host": "h", "forwarded_proto": "ftp"}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"app": {"type": "reverseproxy", "host": "h", "timeout": 5}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"ws": {"type": "websocket-reverseproxy"}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"ws": {"type": "websocket-reverseproxy", "backend": {"endpoint": {"type": "tcp", "host": "h"}}}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"ws": {"type": "websocket-reverseproxy", "backend": {"endpoint": {"type": "tcp", "host": "h", "port": 1, "tls": {}}}}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"ws": {"type": "websocket-reverseproxy", "backend": {"url": "http://h/", "endpoint": {"type": "tcp", "host": "h", "port": 1}}}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"ws": {"type": "websocket-reverseproxy", "serializers": ["json"], "backend": {"endpoint": {"type": "tcp", "host": "h", "port": 1}}}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"/": {"type": "static", "directory": ".", "options": {"follow_symlinks": "sometimes"}}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"/": {"type": "static", "directory": ".", "options": {"follow_symlinks": true}}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"/": {"type": "static", "directory": ".", "options": {"follow_symlinks": [1]}}}}]}]}""",
        """{"version": 2, "workers": [{"type": "router", "transports": [{"type": "web", "endpoint": {"type": "tcp", "port": 0}, "paths": {"/": {"type": "static", "directory": ".", "options": {"follow_links": true}}}}]}]}""",
    };

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public void BadConfigsFailBoth(string json)
    {
        Assert.False(SchemaResult(json).IsValid, "the schema accepts it");
        Assert.Throws<ConfigException>(() => ConfigLoader.Parse(json, Path.GetTempPath(), _ => null));
    }
}
