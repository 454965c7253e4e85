namespace PluginHost.Abstractions;

/// <summary>
/// Registers a public method of a <see cref="WampComponent"/> as a procedure on every join.
/// Parameters are bound from the call's positional arguments in order and from its kwargs by
/// parameter name; parameters of type CancellationToken (fires on cancel/timeout/leave),
/// IProgress&lt;T&gt; (progressive results) and <see cref="WampCallDetails"/> are supplied by the
/// host. The return value (plain, Task, Task&lt;T&gt;, ValueTask, ValueTask&lt;T&gt;) is the result;
/// return a <see cref="WampPayload"/> for several values or kwargs; throw
/// <see cref="WampErrorException"/> for a specific error URI.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class WampProcedureAttribute(string uri) : Attribute
{
    public string Uri { get; } = uri;
    public UriMatch UriMatch { get; init; } = UriMatch.Exact;
    public InvokePolicy Invoke { get; init; } = InvokePolicy.Single;
    public bool DiscloseCaller { get; init; }
}

/// <summary>
/// Subscribes a public method of a <see cref="WampComponent"/> to a topic on every join.
/// Parameters bind like those of <see cref="WampProcedureAttribute"/> methods (with
/// <see cref="WampEventDetails"/> instead of call details); the return value is ignored
/// (awaited when it is a task).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class WampTopicAttribute(string uri) : Attribute
{
    public string Uri { get; } = uri;
    public UriMatch UriMatch { get; init; } = UriMatch.Exact;
}

/// <summary>
/// A component class's own defaults, used when the node configuration does not say otherwise (config values
/// win). <see cref="Realm"/> and <see cref="Id"/> matter to components discovered in a plugin folder (the node's
/// <c>options.discover</c>): the realm joined when the discover block names none, and a stable component id
/// (default: the class's full name). <see cref="Extra"/> is JSON, the component's <c>extra</c> whenever its
/// configuration has none, discovered or configured.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ComponentDefaultsAttribute : Attribute
{
    public string? Realm { get; init; }
    public string? Id { get; init; }
    /// <summary>A JSON value (usually an object), e.g. <c>"""{"greeting": "hello"}"""</c>.</summary>
    public string? Extra { get; init; }
}
