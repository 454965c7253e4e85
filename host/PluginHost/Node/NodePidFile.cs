using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PluginHost.Node;

/// <summary>
/// <c>node.pid</c> in the node directory, JSON <c>{pid, argv, options}</c> as Crossbar writes it. It marks a running
/// node so a second start on the same directory fails, and lets a future <c>stop</c>/<c>status</c> find us.
/// </summary>
public sealed class NodePidFile
{
    private readonly string _path;

    private NodePidFile(string path) => _path = path;

    public const string FileName = "node.pid";

    /// <summary>Writes the file. Throws InvalidOperationException when it names another live process; a stale file is replaced.</summary>
    public static NodePidFile Acquire(string nodeDir, IReadOnlyList<string> argv, IReadOnlyDictionary<string, string?> options)
    {
        var path = Path.Combine(nodeDir, FileName);
        if (ReadPid(path) is { } other && other != Environment.ProcessId && IsAlive(other))
            throw new InvalidOperationException($"A node is already running from '{nodeDir}' (PID {other}); stop it first or remove {path}");
        var json = new JsonObject
        {
            ["pid"] = Environment.ProcessId,
            ["argv"] = new JsonArray(argv.Select(a => (JsonNode?)a).ToArray()),
            ["options"] = new JsonObject(options.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
        };
        File.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return new NodePidFile(path);
    }

    /// <summary>Removes the file if it is still ours (a later node may have replaced a file it considered stale).</summary>
    public void Release()
    {
        try
        {
            if (ReadPid(_path) == Environment.ProcessId) File.Delete(_path);
        }
        catch (IOException) { }
    }

    internal static int? ReadPid(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.TryGetProperty("pid", out var pid) && pid.TryGetInt32(out var n) ? n : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException or InvalidOperationException)
        {
            return null;
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }
}
