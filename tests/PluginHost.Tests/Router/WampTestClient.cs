using System.Threading.Channels;
using PluginHost.Wamp.Messages;
using PluginHost.Wamp.Router;
using PluginHost.Wamp.Transport;

namespace PluginHost.Tests.Router;

/// <summary>
/// Drives one router session with raw WAMP messages. Every receive has a timeout that fails the
/// test; absence of a message is checked with a round-trip barrier (<see cref="AssertNothingPendingAsync"/>),
/// never with sleeps.
/// </summary>
internal sealed class WampTestClient : IAsyncDisposable
{
    public static readonly TimeSpan ReceiveTimeout = TimeSpan.FromSeconds(10);

    private long _lastRequestId;

    public WampTestClient(IWampConnection connection) => Connection = connection;

    public IWampConnection Connection { get; }
    public long SessionId { get; private set; }
    public IReadOnlyDictionary<string, object?> WelcomeDetails { get; private set; } = new Dictionary<string, object?>();
    public string AuthId => (string)WelcomeDetails["authid"]!;
    public string AuthRole => (string)WelcomeDetails["authrole"]!;

    public static Dictionary<string, object?> Dict(params (string Key, object? Value)[] items)
    {
        var d = new Dictionary<string, object?>();
        foreach (var (k, v) in items) d[k] = v;
        return d;
    }

    /// <summary>HELLO.Details with the four client roles; callee features configurable.</summary>
    public static Dictionary<string, object?> HelloDetails(bool callCanceling = true) => Dict(("roles", Dict(
        ("caller", Dict(("features", Dict(("call_canceling", true), ("progressive_call_results", true), ("caller_identification", true))))),
        ("callee", Dict(("features", Dict(("call_canceling", callCanceling), ("progressive_call_results", true), ("registration_revocation", true),
            ("pattern_based_registration", true), ("shared_registration", true))))),
        ("publisher", Dict(("features", Dict(("publisher_exclusion", true), ("publisher_identification", true))))),
        ("subscriber", Dict(("features", Dict(("pattern_based_subscription", true))))))));

    /// <summary>HELLO.Details with the four client roles plus extra features, e.g. ("caller", "progressive_call_invocations").</summary>
    public static Dictionary<string, object?> HelloDetailsWith(bool callCanceling, params (string Role, string Feature)[] extra)
    {
        var details = HelloDetails(callCanceling);
        var roles = (Dictionary<string, object?>)details["roles"]!;
        foreach (var (role, feature) in extra)
            ((Dictionary<string, object?>)((Dictionary<string, object?>)roles[role]!)["features"]!)[feature] = true;
        return details;
    }

    public static async Task<WampTestClient> JoinAsync(WampRouter router, string realm, TransportAuthConfig? auth = null, bool callCanceling = true,
        params (string Role, string Feature)[] features)
        => await JoinWithHelloAsync(router, realm, HelloDetailsWith(callCanceling, features), auth);

    /// <summary>Joins with exactly <paramref name="helloDetails"/> (e.g. without a feature the default HELLO announces).</summary>
    public static async Task<WampTestClient> JoinWithHelloAsync(WampRouter router, string realm, Dictionary<string, object?> helloDetails,
        TransportAuthConfig? auth = null)
    {
        var client = new WampTestClient(router.ConnectInProcess(auth));
        await client.SendAsync(new HelloMessage(realm, helloDetails));
        var welcome = await client.ExpectAsync<WelcomeMessage>();
        client.SessionId = welcome.Session;
        client.WelcomeDetails = welcome.Details;
        return client;
    }

    /// <summary>HELLO to <paramref name="realm"/> as <paramref name="authId"/> offering <paramref name="methods"/>; a ticket
    /// CHALLENGE is answered with <paramref name="ticket"/>. Returns the router's WELCOME or ABORT.</summary>
    public async Task<WampMessage> HelloAnsweringTicketAsync(string realm, string authId, string ticket, params string[] methods)
    {
        var details = HelloDetails();
        details["authmethods"] = methods.Cast<object?>().ToList();
        details["authid"] = authId;
        await SendAsync(new HelloMessage(realm, details));
        var reply = await ReceiveAsync();
        if (reply is not ChallengeMessage { AuthMethod: "ticket" }) return reply;
        await SendAsync(new AuthenticateMessage(ticket, Dict()));
        return await ReceiveAsync();
    }

    /// <summary>The reply is a WELCOME naming this principal, authenticated by <paramref name="authMethod"/>.</summary>
    public static WelcomeMessage AssertWelcomed(WampMessage reply, string authMethod, string authId, string authRole)
    {
        var welcome = Assert.IsType<WelcomeMessage>(reply);
        Assert.Equal(authMethod, welcome.Details["authmethod"]);
        Assert.Equal(authId, welcome.Details["authid"]);
        Assert.Equal(authRole, welcome.Details["authrole"]);
        return welcome;
    }

    public long NextRequestId() => ++_lastRequestId;

    public ValueTask SendAsync(WampMessage message) => Connection.SendAsync(message);

    public async Task<WampMessage> ReceiveAsync()
    {
        using var cts = new CancellationTokenSource(ReceiveTimeout);
        try
        {
            var message = await Connection.ReceiveAsync(cts.Token);
            Assert.True(message is not null, "the router closed the connection while a message was expected");
            return message!;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            Assert.Fail($"session {SessionId}: no message within {ReceiveTimeout}");
            throw;
        }
    }

    public async Task<T> ExpectAsync<T>() where T : WampMessage
    {
        var message = await ReceiveAsync();
        return Assert.IsType<T>(message);
    }

    public async Task<ErrorMessage> ExpectErrorAsync(WampMessageType requestType, long requestId, string error)
    {
        var e = await ExpectAsync<ErrorMessage>();
        Assert.Equal(requestType, e.RequestType);
        Assert.Equal(requestId, e.RequestId);
        Assert.Equal(error, e.Error);
        return e;
    }

    /// <summary>The router closes the transport next (after any messages matched by <paramref name="allowBefore"/>).</summary>
    public async Task ExpectClosedAsync(Func<WampMessage, bool>? allowBefore = null)
    {
        using var cts = new CancellationTokenSource(ReceiveTimeout);
        while (true)
        {
            WampMessage? message;
            try
            {
                message = await Connection.ReceiveAsync(cts.Token);
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
                Assert.Fail($"session {SessionId}: transport not closed within {ReceiveTimeout}");
                throw;
            }
            if (message is null) return;
            Assert.True(allowBefore?.Invoke(message) == true, $"expected the transport to close, got {message}");
        }
    }

    /// <summary>
    /// Barrier: sends a request with no side effects (UNSUBSCRIBE of a non-existent subscription) and
    /// requires its ERROR to be the very next message. Everything the router queued for this session
    /// before handling the barrier has therefore been checked to be absent.
    /// </summary>
    public async Task AssertNothingPendingAsync()
    {
        var id = NextRequestId();
        await SendAsync(new UnsubscribeMessage(id, 1));
        var message = await ReceiveAsync();
        var error = Assert.IsType<ErrorMessage>(message);
        Assert.Equal(WampMessageType.Unsubscribe, error.RequestType);
        Assert.Equal(id, error.RequestId);
    }

    /// <summary>
    /// Barrier like <see cref="AssertNothingPendingAsync"/>, but returns everything the router queued for this
    /// session before the barrier's ERROR (for asserting an exact sequence, e.g. the retained EVENTs).
    /// </summary>
    public async Task<List<WampMessage>> DrainAsync()
    {
        var id = NextRequestId();
        await SendAsync(new UnsubscribeMessage(id, 1));
        var received = new List<WampMessage>();
        while (true)
        {
            var message = await ReceiveAsync();
            if (message is ErrorMessage { RequestType: WampMessageType.Unsubscribe } e && e.RequestId == id) return received;
            received.Add(message);
        }
    }

    // ----- pubsub -----

    public async Task<long> SubscribeAsync(string topic, Dictionary<string, object?>? options = null)
    {
        var id = NextRequestId();
        await SendAsync(new SubscribeMessage(id, options ?? Dict(), topic));
        var subscribed = await ExpectAsync<SubscribedMessage>();
        Assert.Equal(id, subscribed.RequestId);
        return subscribed.Subscription;
    }

    /// <summary>Publishes with acknowledge=true and waits for PUBLISHED; returns the publication id.</summary>
    public async Task<long> PublishAckAsync(string topic, Dictionary<string, object?>? options = null, IReadOnlyList<object?>? args = null,
        IReadOnlyDictionary<string, object?>? kwargs = null)
    {
        options ??= Dict();
        options["acknowledge"] = true;
        var id = NextRequestId();
        await SendAsync(new PublishMessage(id, options, topic, args, kwargs));
        var published = await ExpectAsync<PublishedMessage>();
        Assert.Equal(id, published.RequestId);
        return published.Publication;
    }

    // ----- rpc -----

    public async Task<long> RegisterAsync(string procedure, Dictionary<string, object?>? options = null)
    {
        var id = NextRequestId();
        await SendAsync(new RegisterMessage(id, options ?? Dict(), procedure));
        var registered = await ExpectAsync<RegisteredMessage>();
        Assert.Equal(id, registered.RequestId);
        return registered.Registration;
    }

    public async Task<long> CallAsync(string procedure, IReadOnlyList<object?>? args = null, Dictionary<string, object?>? options = null,
        IReadOnlyDictionary<string, object?>? kwargs = null)
    {
        var id = NextRequestId();
        await SendAsync(new CallMessage(id, options ?? Dict(), procedure, args, kwargs));
        return id;
    }

    /// <summary>Calls and waits for the RESULT.</summary>
    public async Task<ResultMessage> CallResultAsync(string procedure, IReadOnlyList<object?>? args = null, Dictionary<string, object?>? options = null,
        IReadOnlyDictionary<string, object?>? kwargs = null)
    {
        var id = await CallAsync(procedure, args, options, kwargs);
        var message = await ReceiveAsync();
        if (message is ErrorMessage e) Assert.Fail($"CALL {procedure} failed: {e.Error} {string.Join(", ", e.Arguments ?? [])}");
        var result = Assert.IsType<ResultMessage>(message);
        Assert.Equal(id, result.RequestId);
        return result;
    }

    public async ValueTask DisposeAsync() => await Connection.CloseAsync();
}

/// <summary>
/// A transport the test scripts: it can deliver a <see cref="WampProtocolException"/> from
/// ReceiveAsync (malformed input), and can stall SendAsync (a peer that stops reading).
/// </summary>
internal sealed class ScriptedConnection : IWampConnection
{
    private readonly Channel<object> _inbound = Channel.CreateUnbounded<object>();
    private readonly Channel<WampMessage> _sent = Channel.CreateUnbounded<WampMessage>();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _stall;

    public TransportDetails Details { get; } = new("test", "none", "test:scripted");
    public Task Closed => _closed.Task;
    public ChannelReader<WampMessage> Sent => _sent.Reader;

    /// <summary>From now on SendAsync never completes (until the connection is closed).</summary>
    public void StallSends() => _stall = true;

    public void Deliver(WampMessage message) => _inbound.Writer.TryWrite(message);
    public void DeliverMalformed(string text) => _inbound.Writer.TryWrite(new WampProtocolException(text));

    public async ValueTask<WampMessage?> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var item = await _inbound.Reader.ReadAsync(cancellationToken);
            if (item is Exception e) throw e;
            return (WampMessage)item;
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    public async ValueTask SendAsync(IReadOnlyList<WampMessage> messages, CancellationToken cancellationToken = default)
    {
        if (_stall) { await _closed.Task; throw new IOException("closed"); }
        if (_closed.Task.IsCompleted) throw new IOException("closed");
        foreach (var m in messages) _sent.Writer.TryWrite(m);
    }

    public ValueTask CloseAsync(string? reason = null)
    {
        _inbound.Writer.TryComplete();
        _sent.Writer.TryComplete();
        _closed.TrySetResult();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => CloseAsync();

    public async Task<WampMessage> NextSentAsync()
    {
        using var cts = new CancellationTokenSource(WampTestClient.ReceiveTimeout);
        return await _sent.Reader.ReadAsync(cts.Token);
    }
}
