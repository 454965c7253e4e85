using PluginHost.Components;
using PluginHost.Node.Config;
using PluginHost.Wamp.Client;
using PluginHost.Wamp.Router;

namespace PluginHost.Tests.Components;

/// <summary>
/// A throwaway node layout: &lt;root&gt;/node is the node directory (cbdir) and &lt;root&gt;/plugins holds
/// copies of the test plugins the test asks for (built with the tests into $(OutDir)plugins/).
/// </summary>
public sealed class NodeLayout : IDisposable
{
    public static string BuiltPlugins => Path.Combine(AppContext.BaseDirectory, "plugins");

    public string Root { get; } = Directory.CreateTempSubdirectory("pluginhost-components-").FullName;
    public string NodeDir => Path.Combine(Root, "node");
    public string PluginsDir => Path.Combine(Root, "plugins");

    public NodeLayout(params string[] plugins)
    {
        Directory.CreateDirectory(NodeDir);
        Directory.CreateDirectory(PluginsDir);
        foreach (var p in plugins) CopyPlugin(p);
    }

    public string CopyPlugin(string name, string? asName = null)
    {
        var target = Path.Combine(PluginsDir, asName ?? name);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(Path.Combine(BuiltPlugins, name)))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        return target;
    }

    public ComponentHost Host(LogCollector log, bool hotReload = true)
        => new(new ComponentHostOptions { NodeDir = NodeDir, HotReload = hotReload }, log);

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

internal static class ComponentTestKit
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>A router with realm1 open to everyone (a realm without roles allows everything).</summary>
    public static WampRouter OpenRouter(LogCollector? log = null)
    {
        var router = new WampRouter(loggerFactory: log);
        router.AddRealm(new RealmConfig { Name = "realm1" });
        return router;
    }

    public static ComponentConfig RouterComponent(string classname, string id = "c1", System.Text.Json.JsonElement? extra = null)
        => new() { Id = id, Type = "class", Realm = "realm1", Role = "anonymous", Classname = classname, Extra = extra };

    public static ComponentConfig ContainerComponent(string classname, string url, string id = "c1", ReconnectConfig? reconnect = null)
        => new()
        {
            Id = id, Type = "class", Realm = "realm1", Classname = classname, TransportUrl = url,
            Transport = new ComponentTransportConfig { Type = "websocket", Url = url, Serializers = ["json"] },
            Reconnect = reconnect ?? new ReconnectConfig { InitialDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1) },
        };

    public static Task<WampSession> CallerAsync(WampRouter router) => WampSession.JoinAsync(router.ConnectInProcess(), "realm1");

    public static async Task<object?> CallValueAsync(this WampSession session, string procedure, params object?[] args)
    {
        var result = await session.CallAsync(procedure, args).WaitAsync(Wait);
        return result.Args.Count > 0 ? result.Args[0] : null;
    }
}
