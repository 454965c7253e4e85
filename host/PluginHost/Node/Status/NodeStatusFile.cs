namespace PluginHost.Node.Status;

/// <summary>
/// <c>node.status.json</c> beside <c>node.pid</c>: the controller's latest status (STATUS DESIGN, NodeStatusBoard.cs),
/// replaced whole on every change (written to a temporary file, then renamed over it, so a reader never sees half a
/// file) and removed when the node stops. <c>pluginhost status</c> reads it; it is only meaningful while node.pid names a
/// live node.
/// </summary>
public sealed class NodeStatusFile(string nodeDir)
{
    public const string FileName = "node.status.json";

    private readonly Lock _gate = new();
    private bool _warned;

    public string Path { get; } = System.IO.Path.Combine(nodeDir, FileName);

    /// <summary>Writes <paramref name="status"/>; a failure (read-only folder, full disk) is returned once as a warning, then ignored.</summary>
    public string? Write(NodeStatus status)
    {
        var json = status.ToJson();
        lock (_gate) // changes come from several threads: one writer at a time, the last change written last
        {
            try
            {
                var temporary = Path + ".tmp";
                File.WriteAllText(temporary, json);
                File.Move(temporary, Path, overwrite: true);
                return null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (_warned) return null;
                _warned = true;
                return $"cannot write {Path} (pluginhost status will show less): {e.Message}";
            }
        }
    }

    public void Remove()
    {
        lock (_gate)
        {
            try { File.Delete(Path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    /// <summary>The status in <paramref name="nodeDir"/>, or null when there is none (or it cannot be read).</summary>
    public static NodeStatus? Read(string nodeDir)
    {
        try { return NodeStatus.FromJson(File.ReadAllText(System.IO.Path.Combine(nodeDir, FileName))); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
