namespace PluginHost.Wamp.Client;

/// <summary>
/// A call outcome (RESULT) or a callee's answer (YIELD): positional and keyword payload plus details.
/// Payload values follow the value model of <see cref="Messages.WampValue"/>.
/// </summary>
public sealed class WampResult
{
    internal static readonly IReadOnlyList<object?> NoArgs = Array.Empty<object?>();
    internal static readonly IReadOnlyDictionary<string, object?> NoDict = new Dictionary<string, object?>();

    /// <summary>A result with positional and keyword payload and details.</summary>
    public WampResult(IReadOnlyList<object?>? args = null, IReadOnlyDictionary<string, object?>? argsKw = null,
        IReadOnlyDictionary<string, object?>? details = null)
    {
        Args = args ?? NoArgs;
        ArgsKw = argsKw ?? NoDict;
        Details = details ?? NoDict;
    }

    /// <summary>A result with only positional arguments.</summary>
    public static WampResult Of(params object?[] args) => new(args);

    /// <summary>Positional payload.</summary>
    public IReadOnlyList<object?> Args { get; }
    /// <summary>Keyword payload.</summary>
    public IReadOnlyDictionary<string, object?> ArgsKw { get; }

    /// <summary>RESULT.Details for call results (e.g. progress); ignored when a callee returns it.</summary>
    public IReadOnlyDictionary<string, object?> Details { get; }

    /// <summary>True for a progressive (intermediate) result.</summary>
    public bool IsProgress => Details.TryGetValue("progress", out var p) && p is true;
}
