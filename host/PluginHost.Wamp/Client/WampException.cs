using PluginHost.Wamp.Messages;

namespace PluginHost.Wamp.Client;

/// <summary>
/// A WAMP error: an ERROR reply from the router or a callee, an ABORT during join, or the
/// end of the session while a request was pending. Callees throw it to answer an
/// invocation with a specific error URI and payload.
/// </summary>
public class WampException : Exception
{
    private static readonly IReadOnlyList<object?> NoArgs = Array.Empty<object?>();
    private static readonly IReadOnlyDictionary<string, object?> NoDict = new Dictionary<string, object?>();

    /// <summary>An error URI with optional positional and keyword payload and details.</summary>
    public WampException(string error, IReadOnlyList<object?>? args = null,
        IReadOnlyDictionary<string, object?>? argsKw = null,
        IReadOnlyDictionary<string, object?>? details = null, Exception? innerException = null)
        : base(Describe(error, args), innerException)
    {
        Error = error;
        Args = args ?? NoArgs;
        ArgsKw = argsKw ?? NoDict;
        Details = details ?? NoDict;
    }

    /// <summary>Error URI with a human-readable message as the single positional argument.</summary>
    public WampException(string error, string message, Exception? innerException = null)
        : this(error, [message], innerException: innerException) { }

    /// <summary>The error URI, e.g. wamp.error.no_such_procedure.</summary>
    public string Error { get; }
    /// <summary>Positional payload of the error.</summary>
    public IReadOnlyList<object?> Args { get; }
    /// <summary>Keyword payload of the error.</summary>
    public IReadOnlyDictionary<string, object?> ArgsKw { get; }
    /// <summary>ERROR.Details (or ABORT/GOODBYE details when the session ended).</summary>
    public IReadOnlyDictionary<string, object?> Details { get; }

    internal static WampException FromError(ErrorMessage m)
        => new(m.Error, m.Arguments, m.ArgumentsKw, m.Details);

    // By convention (Autobahn, Crossbar) the first positional argument is a message text.
    private static string Describe(string error, IReadOnlyList<object?>? args)
        => args is { Count: > 0 } && args[0] is { } first ? $"{error}: {first}" : error;
}
