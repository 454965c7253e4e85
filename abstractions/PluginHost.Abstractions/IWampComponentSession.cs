namespace PluginHost.Abstractions;

/// <summary>
/// A component's view of its joined WAMP session. Payload values follow the WAMP value model:
/// null, bool, long, double, string, byte[], lists and string-keyed dictionaries; other .NET
/// values passed in are converted with System.Text.Json.
/// </summary>
public interface IWampComponentSession
{
    long SessionId { get; }
    string Realm { get; }
    string? AuthId { get; }
    string? AuthRole { get; }

    /// <summary>Calls a procedure; a WAMP ERROR throws <see cref="WampErrorException"/>.</summary>
    Task<WampPayload> CallAsync(string procedure, IReadOnlyList<object?>? args = null,
        IReadOnlyDictionary<string, object?>? kwargs = null, CallSettings? settings = null,
        CancellationToken cancellationToken = default);

    /// <summary>Calls a procedure and converts its first result argument to <typeparamref name="T"/>.</summary>
    Task<T> CallAsync<T>(string procedure, params object?[] args);

    /// <summary>
    /// Registers any delegate as a procedure. Its parameters are bound like those of a
    /// <see cref="WampProcedureAttribute"/> method (positional args, kwargs by name,
    /// CancellationToken, IProgress&lt;T&gt;, WampCallDetails); its return value is the result.
    /// Dispose the returned handle to unregister.
    /// </summary>
    Task<IAsyncDisposable> RegisterAsync(string procedure, Delegate handler, ProcedureSettings? settings = null,
        CancellationToken cancellationToken = default);

    /// <summary>Subscribes any delegate (parameters bound like a <see cref="WampTopicAttribute"/> method). Dispose to unsubscribe.</summary>
    Task<IAsyncDisposable> SubscribeAsync(string topic, Delegate handler, TopicSettings? settings = null,
        CancellationToken cancellationToken = default);

    /// <summary>Publishes an event; with <see cref="PublishSettings.Acknowledge"/> waits for the broker.</summary>
    Task PublishAsync(string topic, IReadOnlyList<object?>? args = null, IReadOnlyDictionary<string, object?>? kwargs = null,
        PublishSettings? settings = null, CancellationToken cancellationToken = default);

    /// <summary>Converts a payload value to <typeparamref name="T"/> (the conversion used for parameters).</summary>
    T Convert<T>(object? value);
}
