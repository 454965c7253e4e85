namespace PluginHost.Abstractions;

/// <summary>Positional and keyword arguments of a result, an error or an event.
/// Return one from a procedure to answer with several values or with kwargs.</summary>
public sealed record WampPayload(IReadOnlyList<object?> Args, IReadOnlyDictionary<string, object?> Kwargs)
{
    public static readonly WampPayload Empty = new([], new Dictionary<string, object?>());

    public WampPayload(params object?[] args) : this(args, new Dictionary<string, object?>()) { }
}

/// <summary>
/// Throw it from a procedure to answer with a WAMP ERROR carrying <see cref="ErrorUri"/> and a payload;
/// CallAsync throws it when the callee or the router answered with an ERROR.
/// </summary>
public class WampErrorException : Exception
{
    public WampErrorException(string errorUri, IReadOnlyList<object?>? args = null,
        IReadOnlyDictionary<string, object?>? kwargs = null, Exception? innerException = null)
        : base(args is { Count: > 0 } && args[0] is { } first ? $"{errorUri}: {first}" : errorUri, innerException)
    {
        ErrorUri = errorUri;
        Args = args ?? [];
        Kwargs = kwargs ?? new Dictionary<string, object?>();
    }

    /// <summary>Error URI with a message text as the only argument (the Autobahn convention).</summary>
    public WampErrorException(string errorUri, string message) : this(errorUri, [message]) { }

    public string ErrorUri { get; }
    public IReadOnlyList<object?> Args { get; }
    public IReadOnlyDictionary<string, object?> Kwargs { get; }
}
